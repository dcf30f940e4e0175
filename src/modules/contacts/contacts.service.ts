import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withEvents, type EventServices } from '../../realtime/events';
import { ContactCatalogEventType, contactEvent, ContactEventType, externalGroupEvent } from './contact-events';
import type { AppServices } from '../../app';
import { assertCanCreateContactFor, assertCanEditContact, canEditContact } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { rawId, toGlobalId, toGlobalIds, toOptionalGlobalId } from '../../graphql/relay';
import { recordAudit } from '../audit/audit.service';
import { MemberStatus } from '../members/member.entity';
import { BuiltinRole, PermissionAction } from '../roles/role.entity';
import { Contact, ContactSource, ContactVisibility } from './contact.entity';
import {
  claimContactKeys,
  contactEmail,
  contactExists,
  contactKeys,
  contactName,
  contactNotes,
  contactPhones,
  DuplicateContact,
  optionalLine,
  rawIds,
  releaseContactKeys,
  requirePhoneOrEmail,
  resolveSharing,
  resolveTagIds,
  sharedDepartmentRawIds,
  sharedMemberRawIds,
} from './contact-fields';
import { pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { contactLoaders } from './contacts.loaders';
import { CONTACT_LIMITS, type CreateContactInput, type DeleteContactPayload, type UpdateContactInput } from './contacts.inputs';

/** Deleted contacts can be restored for this long. */
export const RESTORE_WINDOW_MS = 30 * 24 * 3600 * 1000;

/** `contact(id)`: a live contact the viewer sees; anything else answers NOT_FOUND, never a partial object. */
export async function getContact(viewer: Viewer, loaders: Loaders, globalId: string): Promise<Contact> {
  viewer.requireOrg();
  const contact = await contactLoaders(viewer, loaders).contactById.load(rawId(globalId, 'Contact'));
  if (!contact) throw notFound('Contact');
  return contact;
}

/** Materialised paths of each member's departments, in one query. */
export async function departmentPathsOfMembers(em: EntityManager, orgId: string, memberIds: readonly string[]): Promise<Map<string, string[]>> {
  const paths = new Map<string, string[]>(memberIds.map((id) => [id, []]));
  if (!memberIds.length) return paths;
  const rows = await em.execute<Array<{ member_id: string; path: string }>>(
    `select md.member_id, d.path from member_departments md join departments d on d.id = md.department_id
      where md.org_id = ? and md.member_id = any(?::uuid[])`,
    [orgId, pgArray([...new Set(memberIds)])],
  );
  for (const row of rows) paths.get(row.member_id)?.push(row.path);
  return paths;
}

/** Does the viewer hold any role beyond MEMBER (which grants nothing over contacts of others)? */
export function holdsAdminGrant(viewer: Viewer): boolean {
  return viewer.grants.some((grant) => grant.builtin !== BuiltinRole.MEMBER);
}

/** May the viewer edit this contact (and read its notes)? Batched through the request's department loader. */
export async function viewerMayEditContact(viewer: Viewer, loaders: Loaders, contact: Contact): Promise<boolean> {
  if (viewer.apiClient) return viewer.org?.id === contact.orgId && canEditContact(viewer, contact, []); // org-wide or nothing
  const member = viewer.member;
  if (!member || member.orgId !== contact.orgId) return false;
  if (contact.ownerId === member.id) return true;
  if (!holdsAdminGrant(viewer)) return false; // plain members edit their own contacts only
  const ownerPaths = contact.ownerId ? (await loaders.departmentsOfMember.load(contact.ownerId)).map((d) => d.path) : [];
  return canEditContact(viewer, contact, ownerPaths);
}

/**
 * Locks live contacts the viewer sees (in id order, so concurrent writers never deadlock) and checks the viewer may
 * edit each: an unseen one answers NOT_FOUND, a seen but not editable one FORBIDDEN.
 */
export async function lockEditableContacts(
  tx: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  ids: readonly string[],
  action: PermissionAction.EDIT | PermissionAction.DELETE = PermissionAction.EDIT,
): Promise<Contact[]> {
  const orgId = viewer.orgId;
  const visible = visibleContactsWhere('c', orgId, await viewerContactReach(viewer, loaders, tx));
  const rows = await tx
    .createQueryBuilder(Contact, 'c')
    .where(visible.sql, visible.params)
    .andWhere('c.id = any(?::uuid[])', [pgArray(ids)])
    .orderBy({ id: 'asc' })
    .setLockMode(LockMode.PESSIMISTIC_WRITE)
    .getResultList();
  if (rows.length !== new Set(ids).size) throw notFound('Contact');
  const owners = rows.map((row) => row.ownerId).filter((id): id is string => !!id);
  const paths = await departmentPathsOfMembers(tx, orgId, owners);
  for (const row of rows) assertCanEditContact(viewer, row, row.ownerId ? (paths.get(row.ownerId) ?? []) : [], action);
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id) => byId.get(id)!);
}

/** Turns a duplicate found inside a transaction into CONTACT_EXISTS, naming the existing contact only if the caller sees it. */
export async function rethrowDuplicate(viewer: Viewer, loaders: Loaders, error: unknown): Promise<never> {
  if (error instanceof DuplicateContact) {
    const visible = await contactLoaders(viewer, loaders).contactById.load(error.existingContactId);
    throw contactExists(error, !!visible);
  }
  throw error;
}

/**
 * The owner of a new contact: the caller, or the member `ownerGlobalId` names (an ACTIVE member of the org over whom
 * the caller holds CONTACTS CREATE). API clients have no contacts of their own and must name one.
 */
async function newContactOwner(viewer: Viewer, loaders: Loaders, ownerGlobalId: string | null | undefined): Promise<string> {
  const self = viewer.apiClient ? null : viewer.requireMember().member.id;
  if (ownerGlobalId == null) {
    if (!self) throw badInput(errorMessage('apiClientNamesOwner'), 'ownerId');
    return self;
  }
  const ownerId = rawId(ownerGlobalId, 'Member');
  if (ownerId === self) return self;
  const owner = await loaders.memberById.load(ownerId);
  if (!owner) throw notFound('Member');
  const paths = (await loaders.departmentsOfMember.load(owner.id)).map((department) => department.path);
  assertCanCreateContactFor(viewer, paths);
  if (owner.status !== MemberStatus.ACTIVE) throw badInput(errorMessage('ownerInactive', { status: owner.status.toLowerCase() }), 'ownerId');
  return owner.id;
}

/**
 * Creates a contact [000] [001], owned by the caller or by the member `ownerId` names (admins, API clients). A phone or
 * email already in the org answers CONTACT_EXISTS. A contact created for someone else is audited.
 */
export async function createContact(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: CreateContactInput,
  { config, ...services }: Pick<AppServices, 'config'> & EventServices,
): Promise<Contact> {
  const org = viewer.requireOrg();
  const ownerId = await newContactOwner(viewer, loaders, input.ownerId);
  const region = config.phoneDefaultRegion;
  const name = contactName(input.name);
  const nameReading = optionalLine(input.nameReading, 'nameReading', CONTACT_LIMITS.nameReading);
  const phones = contactPhones(input.phones ?? [], region);
  const email = contactEmail(input.email);
  requirePhoneOrEmail(phones, email);
  const company = optionalLine(input.company, 'company', CONTACT_LIMITS.company);
  const title = optionalLine(input.title, 'title', CONTACT_LIMITS.title);
  const notes = contactNotes(input.notes);
  const departmentIds = sharedDepartmentRawIds(input.sharedDepartmentIds);
  const memberIds = sharedMemberRawIds(input.sharedMemberIds);
  const tagIds = await resolveTagIds(em, org.id, input.tagIds ?? []);
  const sharing = await resolveSharing(em, org.id, input.visibility ?? ContactVisibility.PRIVATE, departmentIds, memberIds);

  return withEvents(em, services, async (tx, emit) => {
      const contact = tx.create(Contact, {
        orgId: org.id,
        ownerId,
        name,
        nameReading,
        phones,
        email,
        company,
        title,
        notes,
        tagIds,
        ...sharing,
        source: input.source ?? ContactSource.MANUAL,
      });
      if (ownerId !== viewer.member?.id) recordAudit(tx, viewer, 'contact.create', { type: 'Contact', id: contact.id }, { name, ownerId: toGlobalId('Member', ownerId) });
      await tx.flush();
      await claimContactKeys(tx, org.id, contact.id, contactKeys(contact));
      await emit(contactEvent(ContactEventType.CREATED, contact));
      return contact;
    }).catch((error) => rethrowDuplicate(viewer, loaders, error));
}

/** Updates a contact: its owner, or an admin over the owner. Members it is shared with read it only. */
export async function updateContact(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: UpdateContactInput,
  { config, ...services }: Pick<AppServices, 'config'> & EventServices,
): Promise<Contact> {
  const orgId = viewer.orgId;
  const id = rawId(input.id, 'Contact');
  const region = config.phoneDefaultRegion;
  const scalars: Partial<Pick<Contact, 'name' | 'nameReading' | 'phones' | 'email' | 'company' | 'title' | 'notes' | 'tagIds'>> = {};
  if (input.name !== undefined) scalars.name = contactName(input.name ?? '');
  if (input.nameReading !== undefined) scalars.nameReading = optionalLine(input.nameReading, 'nameReading', CONTACT_LIMITS.nameReading);
  if (input.phones !== undefined) scalars.phones = contactPhones(input.phones ?? [], region);
  if (input.email !== undefined) scalars.email = contactEmail(input.email);
  if (input.company !== undefined) scalars.company = optionalLine(input.company, 'company', CONTACT_LIMITS.company);
  if (input.title !== undefined) scalars.title = optionalLine(input.title, 'title', CONTACT_LIMITS.title);
  if (input.notes !== undefined) scalars.notes = contactNotes(input.notes);
  if (input.tagIds !== undefined) scalars.tagIds = await resolveTagIds(em, orgId, input.tagIds ?? []);
  const departmentIds = input.sharedDepartmentIds === undefined ? undefined : sharedDepartmentRawIds(input.sharedDepartmentIds);
  const memberIds = input.sharedMemberIds === undefined ? undefined : sharedMemberRawIds(input.sharedMemberIds);
  const sharingChanges = input.visibility != null || departmentIds !== undefined || memberIds !== undefined;

  return withEvents(em, services, async (tx, emit) => {
      const [found] = await lockEditableContacts(tx, viewer, loaders, [id]);
      const contact = found!;
      const keysBefore = contactKeys(contact);
      const changed: string[] = [];
      for (const [field, value] of Object.entries(scalars) as Array<[keyof typeof scalars, unknown]>) {
        if (JSON.stringify(contact[field]) === JSON.stringify(value)) continue;
        (contact as unknown as Record<string, unknown>)[field] = value;
        changed.push(field);
      }
      const sharingBefore = JSON.stringify([contact.visibility, contact.sharedDepartmentIds, contact.sharedMemberIds]);
      const visibilityBefore = contact.visibility;
      if (sharingChanges) {
        const visibility = input.visibility ?? contact.visibility;
        const staysShared = visibility === ContactVisibility.SHARED && contact.visibility === ContactVisibility.SHARED;
        const sharing = await resolveSharing(
          tx,
          orgId,
          visibility,
          departmentIds ?? (staysShared ? contact.sharedDepartmentIds : []),
          memberIds ?? (staysShared ? contact.sharedMemberIds : []),
        );
        Object.assign(contact, sharing);
        changed.push('sharing');
      }
      if (!contact.linkedUserId) requirePhoneOrEmail(contact.phones, contact.email);
      const keysAfter = contactKeys(contact);
      await releaseContactKeys(tx, orgId, [id], keysBefore.filter((key) => !keysAfter.includes(key)));
      await claimContactKeys(tx, orgId, id, keysAfter.filter((key) => !keysBefore.includes(key)));
      if (changed.length && contact.ownerId !== viewer.member?.id) {
        recordAudit(tx, viewer, 'contact.update', { type: 'Contact', id }, { changed, ownerId: toOptionalGlobalId('Member', contact.ownerId) });
      }
      await tx.flush();
      const fields = changed.filter((field) => field !== 'sharing');
      if (fields.length) await emit(contactEvent(ContactEventType.UPDATED, contact, { changedFields: fields }));
      if (sharingChanges && JSON.stringify([contact.visibility, contact.sharedDepartmentIds, contact.sharedMemberIds]) !== sharingBefore) {
        const type = contact.visibility === ContactVisibility.PRIVATE ? ContactEventType.UNSHARED : ContactEventType.SHARED;
        await emit(contactEvent(type, contact, { changedFields: ['visibility', 'sharedDepartmentIds', 'sharedMemberIds'], details: { previousVisibility: visibilityBefore } }));
      }
      return contact;
    }).catch((error) => rethrowDuplicate(viewer, loaders, error));
}

/** Soft delete: the contact disappears from every read; `restoreContact` brings it back within 30 days. */
export async function deleteContact(em: EntityManager, viewer: Viewer, loaders: Loaders, globalId: string, services: EventServices): Promise<DeleteContactPayload> {
  const orgId = viewer.orgId;
  const id = rawId(globalId, 'Contact');
  return withEvents(em, services, async (tx, emit) => {
    const [contact] = await lockEditableContacts(tx, viewer, loaders, [id], PermissionAction.DELETE);
    const deletedAt = new Date();
    contact!.deletedAt = deletedAt;
    contact!.deletedByMemberId = viewer.member?.id ?? null;
    await releaseContactKeys(tx, orgId, [id]);
    recordAudit(tx, viewer, 'contact.delete', { type: 'Contact', id }, { name: contact!.name, ownerId: toOptionalGlobalId('Member', contact!.ownerId) });
    await tx.flush();
    await emit(contactEvent(ContactEventType.DELETED, contact!));
    return { deletedContactId: contact!.globalId, restorableUntil: new Date(deletedAt.getTime() + RESTORE_WINDOW_MS) };
  });
}

/**
 * Brings back a contact deleted less than 30 days ago. Only those who could delete it see it in the bin; for
 * everyone else it does not exist (NOT_FOUND). Its phones and email must still be free (else CONTACT_EXISTS).
 * A contact left without owner (its owner was removed without hand-over) becomes the restorer's.
 */
export async function restoreContact(em: EntityManager, viewer: Viewer, loaders: Loaders, globalId: string, services: EventServices): Promise<Contact> {
  const { member } = viewer.requireMember();
  const orgId = viewer.orgId;
  const id = rawId(globalId, 'Contact');
  return withEvents(em, services, async (tx, emit) => {
      const contact = await tx.findOne(Contact, { id, orgId, deletedAt: { $ne: null } }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const ownerPaths = contact?.ownerId ? ((await departmentPathsOfMembers(tx, orgId, [contact.ownerId])).get(contact.ownerId) ?? []) : [];
      if (!contact || !canEditContact(viewer, contact, ownerPaths, PermissionAction.DELETE)) throw notFound('Contact');
      if (contact.mergedIntoId) throw badInput(errorMessage('mergedCannotRestore'), 'id');
      if (Date.now() - contact.deletedAt!.getTime() > RESTORE_WINDOW_MS) {
        throw badInput(errorMessage('deletedTooLongAgo'), 'id');
      }
      contact.deletedAt = null;
      contact.deletedByMemberId = null;
      contact.ownerId ??= member.id;
      await claimContactKeys(tx, orgId, id, contactKeys(contact));
      recordAudit(tx, viewer, 'contact.restore', { type: 'Contact', id }, { name: contact.name, ownerId: toOptionalGlobalId('Member', contact.ownerId) });
      await tx.flush();
      await emit(contactEvent(ContactEventType.RESTORED, contact));
      return contact;
    }).catch((error) => rethrowDuplicate(viewer, loaders, error));
}

function union(...lists: string[][]): string[] {
  return [...new Set(lists.flat())];
}

/**
 * Merges duplicates into `keepId` [001]: their phones, tags, connections, interaction records, contact-group places
 * and external-group places move to the kept contact, which also takes their email, company, title and notes where
 * it has none. The merged contacts are deleted for good (not restorable). The caller must be able to edit every one;
 * an id of another org answers NOT_FOUND like an unknown one.
 */
export async function mergeContacts(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  keepGlobalId: string,
  mergeGlobalIds: string[],
  services: EventServices,
): Promise<Contact> {
  const orgId = viewer.orgId;
  const keepId = rawId(keepGlobalId, 'Contact');
  const mergeIds = rawIds(mergeGlobalIds, 'Contact', 'mergeIds', CONTACT_LIMITS.batch);
  if (!mergeIds.length) throw badInput(errorMessage('atLeastOneToMerge'), 'mergeIds');
  if (mergeIds.includes(keepId)) throw badInput(errorMessage('keptAlsoMerged'), 'mergeIds');

  return withEvents(em, services, async (tx, emit) => {
      const [keep, ...merged] = await lockEditableContacts(tx, viewer, loaders, [keepId, ...mergeIds]);
      const kept = keep!;
      const people = union(...[kept, ...merged].map((c) => (c.linkedUserId ? [c.linkedUserId] : [])));
      if (people.length > 1) throw badInput(errorMessage('differentPeople'), 'mergeIds');
      const phones = union(kept.phones, ...merged.map((c) => c.phones));
      if (phones.length > CONTACT_LIMITS.phones) throw badInput(errorMessage('mergedPhonesMax', { max: String(CONTACT_LIMITS.phones) }), 'mergeIds');
      const tagIds = union(kept.tagIds, ...merged.map((c) => c.tagIds));
      if (tagIds.length > CONTACT_LIMITS.tags) throw badInput(errorMessage('mergedTagsMax', { max: String(CONTACT_LIMITS.tags) }), 'mergeIds');

      const keysBefore = contactKeys(kept);
      kept.phones = phones;
      kept.tagIds = tagIds;
      kept.connectedMemberIds = union(kept.connectedMemberIds, ...merged.map((c) => c.connectedMemberIds));
      kept.linkedUserId = people[0] ?? null;
      for (const field of ['email', 'company', 'title', 'notes'] as const) {
        kept[field] ??= merged.find((c) => c[field])?.[field] ?? null;
      }
      const droppedEmails = merged.map((c) => c.email).filter((email): email is string => !!email && email !== kept.email);
      const mergedIds = merged.map((c) => c.id);
      const now = new Date();
      for (const contact of merged) {
        contact.deletedAt = now;
        contact.deletedByMemberId = viewer.requireMember().member.id;
        contact.mergedIntoId = kept.id;
      }
      await releaseContactKeys(tx, orgId, mergedIds);
      await claimContactKeys(tx, orgId, kept.id, contactKeys(kept).filter((key) => !keysBefore.includes(key)));
      const ids = pgArray(mergedIds);
      await tx.execute('update contact_interactions set contact_id = ? where org_id = ? and contact_id = any(?::uuid[])', [kept.id, orgId, ids]);
      await tx.execute(
        `insert into contact_group_items (group_id, contact_id, org_id, added_at)
         select group_id, ?, org_id, min(added_at) from contact_group_items where org_id = ? and contact_id = any(?::uuid[])
          group by group_id, org_id
         on conflict (group_id, contact_id) do nothing`,
        [kept.id, orgId, ids],
      );
      await tx.execute('delete from contact_group_items where org_id = ? and contact_id = any(?::uuid[])', [orgId, ids]);
      await tx.execute(
        `insert into external_group_participants (id, group_id, org_id, contact_id, added_by_member_id, created_at)
         select gen_random_uuid(), group_id, org_id, ?, (array_agg(added_by_member_id order by created_at))[1], min(created_at)
           from external_group_participants where org_id = ? and contact_id = any(?::uuid[])
          group by group_id, org_id
         on conflict (group_id, contact_id) where contact_id is not null do nothing`,
        [kept.id, orgId, ids],
      );
      const regrouped = await tx.execute<Array<{ id: string; owner_member_id: string }>>(
        `delete from external_group_participants p using external_groups g
          where g.id = p.group_id and p.org_id = ? and p.contact_id = any(?::uuid[]) returning g.id, g.owner_member_id`,
        [orgId, ids],
      );
      recordAudit(tx, viewer, 'contact.merge', { type: 'Contact', id: kept.id }, { mergedIds: toGlobalIds('Contact', mergedIds), droppedEmails });
      await tx.flush();
      for (const contact of merged) await emit(contactEvent(ContactEventType.DELETED, contact, { details: { mergedIntoId: toGlobalId('Contact', kept.id) } }));
      await emit(contactEvent(ContactEventType.MERGED, kept, { details: { mergedIds: toGlobalIds('Contact', mergedIds) } }));
      // The groups the merged contacts were in now hold the kept one instead.
      const groups = new Map(regrouped.map((g) => [g.id, g.owner_member_id]));
      for (const [id, ownerMemberId] of groups) await emit(externalGroupEvent(ContactCatalogEventType.UPDATED, { id, orgId, ownerMemberId }, ['participants']));
      return kept;
    }).catch((error) => rethrowDuplicate(viewer, loaders, error));
}

/**
 * Empties the bin (the `contact-purge` job, `contacts.jobs.ts`): deletes for good up to `limit` contacts deleted (or
 * merged away) more than 30 days before `now`, with their interaction records, follow-ups and group places (on delete
 * cascade). Rows are claimed with `for update skip locked`, so instances purging side by side never wait on each
 * other. Returns how many went.
 */
export async function purgeExpiredContacts(em: EntityManager, now = new Date(), limit = 1000): Promise<number> {
  const rows = await em.execute<Array<{ id: string }>>(
    `delete from contacts where id in (
       select id from contacts where deleted_at < ? order by deleted_at limit ? for update skip locked
     ) returning id`,
    [new Date(now.getTime() - RESTORE_WINDOW_MS), limit],
  );
  return rows.length;
}
