import type { EntityManager } from '@mikro-orm/postgresql';
import { withEvents, type EventServices } from '../../realtime/events';
import { ContactCatalogEventType, contactGroupEvent } from './contact-events';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { rawId } from '../../graphql/relay';
import { isUniqueViolation } from '../common/validate';
import { ContactGroup } from './contact-group.entity';
import { contactName, rawIds } from './contact-fields';
import { pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { CONTACT_LIMITS, type CreateContactGroupInput, type UpdateContactGroupInput } from './contacts.inputs';

/**
 * Contact groups: a member's own filing of the contacts they see [000] [001]. Only the owner sees a group; another
 * member's group id answers NOT_FOUND.
 */

function nameTaken(name: string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw conflict(errorMessage('contactGroupNameTaken', { name }), { field: 'name' });
    throw error;
  };
}

export async function contactGroups(em: EntityManager, viewer: Viewer): Promise<ContactGroup[]> {
  const { member } = viewer.requireMember();
  return em.find(ContactGroup, { orgId: member.orgId, ownerId: member.id }, { orderBy: { name: 'asc', id: 'asc' } });
}

async function ownGroup(em: EntityManager, viewer: Viewer, globalId: string): Promise<ContactGroup> {
  const { member } = viewer.requireMember();
  const group = await em.findOne(ContactGroup, { orgId: member.orgId, ownerId: member.id, id: rawId(globalId, 'ContactGroup') });
  if (!group) throw notFound('ContactGroup');
  return group;
}

export async function createContactGroup(em: EntityManager, viewer: Viewer, input: CreateContactGroupInput, services: EventServices): Promise<ContactGroup> {
  const { member } = viewer.requireMember();
  const name = contactName(input.name);
  return withEvents(em, services, async (tx, emit) => {
    const group = tx.create(ContactGroup, { orgId: member.orgId, ownerId: member.id, name });
    await tx.flush();
    await emit(contactGroupEvent(ContactCatalogEventType.CREATED, group));
    return group;
  }).catch(nameTaken(name));
}

export async function updateContactGroup(em: EntityManager, viewer: Viewer, input: UpdateContactGroupInput, services: EventServices): Promise<ContactGroup> {
  const name = contactName(input.name);
  return withEvents(em, services, async (tx, emit) => {
      const group = await ownGroup(tx, viewer, input.id);
      group.name = name;
      await tx.flush();
      await emit(contactGroupEvent(ContactCatalogEventType.UPDATED, group, ['name']));
      return group;
    }).catch(nameTaken(name));
}

export async function deleteContactGroup(em: EntityManager, viewer: Viewer, globalId: string, services: EventServices): Promise<string> {
  return withEvents(em, services, async (tx, emit) => {
    const group = await ownGroup(tx, viewer, globalId);
    tx.remove(group); // its places go with it (on delete cascade)
    await tx.flush();
    await emit(contactGroupEvent(ContactCatalogEventType.DELETED, group));
    return group.globalId;
  });
}

function contactIdsOf(globalIds: string[]): string[] {
  const ids = rawIds(globalIds, 'Contact', 'contactIds', CONTACT_LIMITS.batch);
  if (!ids.length) throw badInput(errorMessage('atLeastOneContact'), 'contactIds');
  return ids;
}

/** Files contacts the caller sees into one of their groups; an unseen contact answers NOT_FOUND and nothing is filed. */
export async function addContactsToGroup(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  groupGlobalId: string,
  contactGlobalIds: string[],
): Promise<ContactGroup> {
  const ids = contactIdsOf(contactGlobalIds);
  const orgId = viewer.orgId;
  const visible = visibleContactsWhere('c', orgId, await viewerContactReach(viewer, loaders));
  return em.transactional(async (tx) => {
    const group = await ownGroup(tx, viewer, groupGlobalId);
    const added = await tx.execute<Array<{ id: string }>>(
      `select c.id from contacts c where ${visible.sql} and c.id = any(?::uuid[])`,
      [...visible.params, pgArray(ids)],
    );
    if (added.length !== ids.length) throw notFound('Contact');
    await tx.execute(
      `insert into contact_group_items (group_id, contact_id, org_id) select ?, id, ? from unnest(?::uuid[]) id
       on conflict (group_id, contact_id) do nothing`,
      [group.id, orgId, pgArray(ids)],
    );
    return group;
  });
}

/** Takes contacts out of one of the caller's groups; ids not in the group are ignored. */
export async function removeContactsFromGroup(em: EntityManager, viewer: Viewer, groupGlobalId: string, contactGlobalIds: string[]): Promise<ContactGroup> {
  const ids = contactIdsOf(contactGlobalIds);
  return em.transactional(async (tx) => {
    const group = await ownGroup(tx, viewer, groupGlobalId);
    await tx.execute('delete from contact_group_items where group_id = ? and contact_id = any(?::uuid[])', [group.id, pgArray(ids)]);
    return group;
  });
}
