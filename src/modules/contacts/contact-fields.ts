import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, ErrorCode, notFound, errorMessage } from '../../errors';
import { rawId, toGlobalId } from '../../graphql/relay';
import { normalizePhone } from '../accounts/phone';
import { optionalEmail, optionalText, requireText } from '../common/validate';
import { ContactVisibility, type Contact } from './contact.entity';
import { pgArray } from './contact-visibility';
import { CONTACT_LIMITS } from './contacts.inputs';

/** Validation of contact fields and the duplicate keys of [001]. Shared by every way a contact is written. */

const CONTROL = /[\u0000-\u001f\u007f]/;

export function contactName(value: string): string {
  const name = requireText(value, 'name', CONTACT_LIMITS.name);
  if (CONTROL.test(name)) throw badInput(errorMessage('controlCharacters', { field: 'name' }), 'name');
  return name;
}

export function optionalLine(value: string | null | undefined, field: string, max: number): string | null {
  const text = optionalText(value, field, max);
  if (text && CONTROL.test(text)) throw badInput(errorMessage('controlCharacters', { field }), field);
  return text;
}

export function contactNotes(value: string | null | undefined): string | null {
  if (value == null || !value.trim()) return null;
  if (value.length > CONTACT_LIMITS.notes) throw badInput(errorMessage('tooLong', { field: 'notes', max: CONTACT_LIMITS.notes }), 'notes');
  return value;
}

export const contactEmail = (value: string | null | undefined) => optionalEmail(value, 'email');

/** E.164, duplicates dropped, order kept; at most 20. */
export function contactPhones(values: readonly string[], defaultRegion: string): string[] {
  if (values.length > CONTACT_LIMITS.phones) throw badInput(errorMessage('contactPhonesMax', { max: String(CONTACT_LIMITS.phones) }), 'phones');
  return [...new Set(values.map((value) => normalizePhone(value, defaultRegion, 'phones')))];
}

export function requirePhoneOrEmail(phones: string[], email: string | null): void {
  if (!phones.length && !email) throw badInput(errorMessage('contactNeedsPhoneOrEmail'), 'phones');
}

/** Distinct raw ids of one node type; malformed and foreign-type ids answer NOT_FOUND like unknown ones. */
export function rawIds(globalIds: readonly string[], type: string, field: string, max: number): string[] {
  const ids = [...new Set(globalIds.map((id) => rawId(id, type)))];
  if (ids.length > max) throw badInput(errorMessage('idsMax', { field, max: String(max) }), field);
  return ids;
}

/** Tag ids of the org (at most 50); an unknown one answers NOT_FOUND. */
export async function resolveTagIds(em: EntityManager, orgId: string, globalIds: readonly string[]): Promise<string[]> {
  if (new Set(globalIds).size > CONTACT_LIMITS.tags) throw badInput(errorMessage('contactTagsMax', { max: String(CONTACT_LIMITS.tags) }), 'tagIds');
  const ids = rawIds(globalIds, 'Tag', 'tagIds', CONTACT_LIMITS.tags);
  if (!ids.length) return [];
  const [{ found }] = await em.execute<Array<{ found: number }>>(
    'select count(*)::int as found from contact_tags where org_id = ? and id = any(?::uuid[])',
    [orgId, pgArray(ids)],
  );
  if (found !== ids.length) throw notFound('Tag');
  return ids;
}

export interface Sharing {
  visibility: ContactVisibility;
  sharedDepartmentIds: string[];
  sharedMemberIds: string[];
}

/**
 * The sharing of a contact (raw ids): targets only for SHARED, and at least one there; departments and members of
 * the org (unknown ones answer NOT_FOUND).
 */
export async function resolveSharing(
  em: EntityManager,
  orgId: string,
  visibility: ContactVisibility,
  sharedDepartmentIds: string[],
  sharedMemberIds: string[],
): Promise<Sharing> {
  if (visibility !== ContactVisibility.SHARED) {
    if (sharedDepartmentIds.length || sharedMemberIds.length) {
      throw badInput(errorMessage('sharedOnly'), sharedDepartmentIds.length ? 'sharedDepartmentIds' : 'sharedMemberIds');
    }
    return { visibility, sharedDepartmentIds: [], sharedMemberIds: [] };
  }
  if (!sharedDepartmentIds.length && !sharedMemberIds.length) {
    throw badInput(errorMessage('sharedNeedsAudience'), 'sharedMemberIds');
  }
  const [{ departments, members }] = await em.execute<Array<{ departments: number; members: number }>>(
    `select (select count(*)::int from departments where org_id = ? and id = any(?::uuid[])) as departments,
            (select count(*)::int from members where org_id = ? and id = any(?::uuid[])) as members`,
    [orgId, pgArray(sharedDepartmentIds), orgId, pgArray(sharedMemberIds)],
  );
  if (departments !== sharedDepartmentIds.length) throw notFound('Department');
  if (members !== sharedMemberIds.length) throw notFound('Member');
  return { visibility, sharedDepartmentIds, sharedMemberIds };
}

export const sharedDepartmentRawIds = (ids: readonly string[] | null | undefined) =>
  rawIds(ids ?? [], 'Department', 'sharedDepartmentIds', CONTACT_LIMITS.shareTargets);
export const sharedMemberRawIds = (ids: readonly string[] | null | undefined) =>
  rawIds(ids ?? [], 'Member', 'sharedMemberIds', CONTACT_LIMITS.shareTargets);

/** What makes a live contact unique in its org: each phone, the email, the linked user. */
export function contactKeys(contact: Pick<Contact, 'phones' | 'email' | 'linkedUserId'>): string[] {
  return [
    ...contact.phones.map((phone) => `p:${phone}`),
    ...(contact.email ? [`e:${contact.email}`] : []),
    ...(contact.linkedUserId ? [`u:${contact.linkedUserId}`] : []),
  ];
}

/** A duplicate found while claiming keys; turned into CONTACT_EXISTS once the caller's right to see it is known. */
export class DuplicateContact extends Error {
  constructor(
    readonly orgId: string,
    readonly existingContactId: string,
    readonly field: 'phones' | 'email' | 'person',
  ) {
    super('duplicate contact');
  }
}

function fieldOfKey(key: string): DuplicateContact['field'] {
  return key.startsWith('p:') ? 'phones' : key.startsWith('e:') ? 'email' : 'person';
}

/**
 * Claims `keys` for `contactId` in one statement. A key held by another live contact (also one committed meanwhile
 * by a concurrent transaction: the insert waits for it) throws `DuplicateContact`, which aborts the transaction.
 */
export async function claimContactKeys(tx: EntityManager, orgId: string, contactId: string, keys: readonly string[]): Promise<void> {
  if (!keys.length) return;
  const claimed = await tx.execute<Array<{ key: string }>>(
    `insert into contact_keys (org_id, key, contact_id) select ?, k, ? from unnest(?::text[]) k
     on conflict (org_id, key) do nothing returning key`,
    [orgId, contactId, pgArray(keys)],
  );
  if (claimed.length === keys.length) return;
  const [held] = await tx.execute<Array<{ key: string; contact_id: string }>>(
    `select key, contact_id from contact_keys where org_id = ? and key = any(?::text[]) and contact_id <> ? order by key limit 1`,
    [orgId, pgArray(keys), contactId],
  );
  if (!held) return; // our own keys, claimed twice
  throw new DuplicateContact(orgId, held.contact_id, fieldOfKey(held.key));
}

/** Releases keys a contact no longer holds (removed phones, a deleted contact). */
export async function releaseContactKeys(tx: EntityManager, orgId: string, contactIds: readonly string[], keys?: readonly string[]): Promise<void> {
  if (!contactIds.length) return;
  if (keys && !keys.length) return;
  await tx.execute(
    `delete from contact_keys where org_id = ? and contact_id = any(?::uuid[])${keys ? ' and key = any(?::text[])' : ''}`,
    keys ? [orgId, pgArray(contactIds), pgArray(keys)] : [orgId, pgArray(contactIds)],
  );
}

/**
 * CONTACT_EXISTS for a duplicate: with `extensions.existingContactId` only when `mayShow` says the caller sees that
 * contact (a hidden contact's details never leak, not even its id).
 */
export function contactExists(duplicate: DuplicateContact, mayShow: boolean): AppError {
  const key = { phones: 'contactPhoneExists', email: 'contactEmailExists', person: 'contactPersonExists' }[duplicate.field];
  return new AppError(ErrorCode.ContactExists, errorMessage(key), {
    field: duplicate.field,
    ...(mayShow ? { existingContactId: toGlobalId('Contact', duplicate.existingContactId) } : {}),
  });
}
