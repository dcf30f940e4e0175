import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { can } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { AppError, badInput, ErrorCode, errorMessage, forbidden, notFound } from '../../errors';
import type { Loaders, Reader } from '../../graphql/loaders';
import { checkPageSize, decodeCursor, rawId, toConnection, toGlobalId, type Connection, type PageArgs } from '../../graphql/relay';
import { withEvents, type EmitEvent, type EventServices } from '../../realtime/events';
import type { ChangeToJudge } from '../changes/change-audience';
import { recordAudit } from '../audit/audit.service';
import { Member, MemberStatus } from '../members/member.entity';
import { PermissionAction, PermissionModule } from '../roles/role.entity';
import { ContactCatalogEventType, externalGroupEvent } from './contact-events';
import { contactName, rawIds } from './contact-fields';
import { pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { departmentPathsOfMembers, holdsAdminGrant } from './contacts.service';
import { contactLoaders } from './contacts.loaders';
import { type CreateExternalGroupInput, type ExternalGroupParticipantsInput } from './contacts.inputs';
import { ExternalGroup, ExternalGroupParticipant } from './external-group.entity';

/**
 * External groups [002]: members and external contacts together. A contact joins only when CONNECTED with the
 * member adding it; a merely shared contact is refused with CONTACT_NOT_CONNECTED and the reason. A group is
 * external for good: removing every contact, or all members but one, changes nothing about it.
 *
 * Who does what: any member creates one (and owns it); participants add members and their connected contacts; the
 * owner removes anyone but themselves, others only themselves; the owner (or an admin over the owner) hands
 * ownership to another member, who joins the group if not in it yet.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_PARTICIPANTS = 500;

/**
 * May the viewer see this group? Its members, and admins over its owner. Inside a transaction pass it as `tx`: the
 * request's loaders would ask for a second connection while this one is held (see `viewerContactReach`).
 */
export async function viewerMaySeeExternalGroup(viewer: Viewer, loaders: Loaders, group: ExternalGroup, tx?: EntityManager): Promise<boolean> {
  const member = viewer.member;
  if (!member || member.orgId !== group.orgId) return false;
  const participates = tx
    ? (await tx.count(ExternalGroupParticipant, { groupId: group.id, memberId: member.id })) > 0
    : (await contactLoaders(viewer, loaders).externalGroupParticipants.load(group.id)).some((p) => p.memberId === member.id);
  if (participates) return true;
  if (!holdsAdminGrant(viewer)) return false;
  const ownerPaths = tx
    ? ((await departmentPathsOfMembers(tx, member.orgId, [group.ownerMemberId])).get(group.ownerMemberId) ?? [])
    : (await loaders.departmentsOfMember.load(group.ownerMemberId)).map((d) => d.path);
  return can(viewer, PermissionModule.CONTACTS, PermissionAction.VIEW, { departmentPaths: ownerPaths, match: 'any' });
}

/** Which of `groupIds` the viewer may see (`viewerMaySeeExternalGroup`): for audit entries on groups. Three batched queries. */
export async function externalGroupsSeenByViewer(em: EntityManager, viewer: Viewer, loaders: Loaders, groupIds: readonly string[]): Promise<string[]> {
  if (!viewer.member || !groupIds.length) return [];
  const groups = await em.find(ExternalGroup, { orgId: viewer.orgId, id: { $in: [...groupIds] } });
  const seen = await Promise.all(groups.map((group) => viewerMaySeeExternalGroup(viewer, loaders, group)));
  return groups.filter((_, index) => seen[index]).map((group) => group.id);
}

/**
 * Who receives EXTERNAL_GROUP changes: for a group that still exists, whoever may see it now
 * (`viewerMaySeeExternalGroup`); for one gone (dissolved), its last owner and the admins over the departments the
 * owner was in when it went (recorded on the DELETED event; org-wide admins only for older events). People only.
 */
export async function externalGroupChangesSeenBy(reader: Reader, changes: readonly ChangeToJudge[]): Promise<string[]> {
  const { em, viewer, loaders } = reader;
  const member = viewer.member;
  if (!member || !changes.length) return [];
  const ids = [...new Set(changes.map(({ change }) => change.rawId))];
  const groups = await em.find(ExternalGroup, { orgId: viewer.orgId, id: { $in: ids } });
  const seen = new Set(groups.map((g) => g.id));
  const visible = new Set<string>();
  await Promise.all(groups.map(async (group) => (await viewerMaySeeExternalGroup(viewer, loaders, group)) && visible.add(group.id)));
  // The paths a gone group's DELETED event recorded stand for all its events.
  const gonePaths = new Map<string, string[]>();
  for (const { change } of changes) if (!seen.has(change.rawId) && change.departmentPaths.length) gonePaths.set(change.rawId, change.departmentPaths);
  return changes
    .filter(({ change }) => {
      if (seen.has(change.rawId)) return visible.has(change.rawId);
      if (change.ownerId === member.id) return true;
      const paths = gonePaths.get(change.rawId) ?? [];
      return holdsAdminGrant(viewer) && can(viewer, PermissionModule.CONTACTS, PermissionAction.VIEW, { departmentPaths: paths, match: 'any' });
    })
    .map(({ event }) => event.id);
}

export async function getExternalGroup(em: EntityManager, viewer: Viewer, loaders: Loaders, globalId: string): Promise<ExternalGroup> {
  const group = await em.findOne(ExternalGroup, { orgId: viewer.orgId, id: rawId(globalId, 'ExternalGroup') });
  if (!group || !(await viewerMaySeeExternalGroup(viewer, loaders, group))) throw notFound('ExternalGroup');
  return group;
}

/** The groups the caller is in, by name. */
export async function externalGroups(em: EntityManager, viewer: Viewer, page: PageArgs): Promise<Connection<ExternalGroup>> {
  const { member } = viewer.requireMember();
  const first = checkPageSize(page.first);
  const where = () =>
    em
      .createQueryBuilder(ExternalGroup, 'g')
      .where({ orgId: member.orgId })
      .andWhere('exists (select 1 from external_group_participants p where p.group_id = g.id and p.member_id = ?)', [member.id]);
  const qb = where();
  if (page.after) {
    const [name, id] = decodeCursor(page.after, 2);
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw badInput(errorMessage('invalidCursor'), 'after');
    qb.andWhere('(g.name, g.id) > (?::text, ?::uuid)', [name, id]);
  }
  const rows = await qb.orderBy([{ name: 'asc' }, { id: 'asc' }]).limit(first + 1).getResultList();
  return toConnection(rows, first, (group) => [group.name, group.id], !!page.after, () => where().getCount());
}

/** The request's cached places of a group are stale after a write. */
function forgetParticipants(viewer: Viewer, loaders: Loaders, group: ExternalGroup): ExternalGroup {
  contactLoaders(viewer, loaders).externalGroupParticipants.clear(group.id);
  return group;
}

/** Active members of the org among `ids`; any other answers NOT_FOUND (unknown, foreign) or BAD_USER_INPUT (not active). */
async function activeMembers(tx: EntityManager, orgId: string, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const found = await tx.find(Member, { orgId, id: { $in: ids } });
  if (found.length !== ids.length) throw notFound('Member');
  const inactive = found.find((m) => m.status !== MemberStatus.ACTIVE);
  if (inactive) throw badInput(errorMessage('memberNotActive', { name: inactive.name }), 'memberIds');
}

/**
 * Contacts the caller may place in a group: seen by the caller (else NOT_FOUND) and CONNECTED with the caller (else
 * CONTACT_NOT_CONNECTED, saying why: the person never connected, or connected with other members only).
 */
async function connectedContacts(tx: EntityManager, viewer: Viewer, loaders: Loaders, ids: string[]): Promise<void> {
  if (!ids.length) return;
  const { member } = viewer.requireMember();
  const visible = visibleContactsWhere('c', member.orgId, await viewerContactReach(viewer, loaders, tx));
  const rows = await tx.execute<Array<{ id: string; name: string; linked_user_id: string | null; connected: boolean }>>(
    `select c.id, c.name, c.linked_user_id, ? = any(c.connected_member_ids) as connected from contacts c
      where ${visible.sql} and c.id = any(?::uuid[]) for share of c`,
    [member.id, ...visible.params, pgArray(ids)],
  );
  if (rows.length !== ids.length) throw notFound('Contact');
  const shared = rows.find((row) => !row.connected);
  if (shared) {
    const reason = shared.linked_user_id ? 'CONNECTED_WITH_OTHER_MEMBERS' : 'NOT_LINKED';
    throw new AppError(
      ErrorCode.ContactNotConnected,
      shared.linked_user_id
        ? errorMessage('contactConnectedWithOthers', { name: shared.name })
        : errorMessage('contactOnlyShared', { name: shared.name }),
      { contactId: toGlobalId('Contact', shared.id), reason },
    );
  }
}

/** Places in join order (`clock_timestamp()` per row, in the order given). Returns how many places are new. */
async function insertParticipants(tx: EntityManager, group: ExternalGroup, addedBy: string, memberIds: string[], contactIds: string[]): Promise<number> {
  const members = await tx.execute<Array<{ id: string }>>(
    `insert into external_group_participants (id, group_id, org_id, member_id, added_by_member_id, created_at)
     select gen_random_uuid(), ?, ?, id, ?, clock_timestamp() from unnest(?::uuid[]) with ordinality as u(id, n) order by n
     on conflict (group_id, member_id) where member_id is not null do nothing returning id`,
    [group.id, group.orgId, addedBy, pgArray(memberIds)],
  );
  const contacts = await tx.execute<Array<{ id: string }>>(
    `insert into external_group_participants (id, group_id, org_id, contact_id, added_by_member_id, created_at)
     select gen_random_uuid(), ?, ?, id, ?, clock_timestamp() from unnest(?::uuid[]) with ordinality as u(id, n) order by n
     on conflict (group_id, contact_id) where contact_id is not null do nothing returning id`,
    [group.id, group.orgId, addedBy, pgArray(contactIds)],
  );
  const [{ count }] = await tx.execute<Array<{ count: number }>>('select count(*)::int as count from external_group_participants where group_id = ?', [group.id]);
  if (count > MAX_PARTICIPANTS) throw badInput(errorMessage('externalGroupMax', { max: MAX_PARTICIPANTS }), 'memberIds');
  return members.length + contacts.length;
}

/** An EXTERNAL_GROUP event of `group` as it is now. */
function emitGroupChange(emit: EmitEvent, type: ContactCatalogEventType, group: ExternalGroup, changedFields: string[] = [], details: Record<string, unknown> = {}) {
  return emit(externalGroupEvent(type, group, changedFields, details));
}

function participantIds(input: { memberIds?: string[] | null; contactIds?: string[] | null }) {
  return {
    memberIds: rawIds(input.memberIds ?? [], 'Member', 'memberIds', MAX_PARTICIPANTS),
    contactIds: rawIds(input.contactIds ?? [], 'Contact', 'contactIds', MAX_PARTICIPANTS),
  };
}

/** Locks a group the caller takes part in (NOT_FOUND otherwise: a group is visible to its members only). */
async function lockGroupOfParticipant(tx: EntityManager, viewer: Viewer, globalId: string): Promise<ExternalGroup> {
  const { member } = viewer.requireMember();
  const id = rawId(globalId, 'ExternalGroup');
  const [row] = await tx.execute<Array<{ id: string }>>(
    `select g.id from external_groups g where g.org_id = ? and g.id = ?
        and exists (select 1 from external_group_participants p where p.group_id = g.id and p.member_id = ?)
      for update of g`,
    [member.orgId, id, member.id],
  );
  if (!row) throw notFound('ExternalGroup');
  return tx.findOneOrFail(ExternalGroup, { id });
}

export async function createExternalGroup(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: CreateExternalGroupInput,
  services: EventServices,
): Promise<ExternalGroup> {
  const { member } = viewer.requireMember();
  const name = contactName(input.name);
  const { memberIds, contactIds } = participantIds(input);
  return forgetParticipants(viewer, loaders, await withEvents(em, services, async (tx, emit) => {
    await activeMembers(tx, member.orgId, memberIds);
    await connectedContacts(tx, viewer, loaders, contactIds);
    const group = tx.create(ExternalGroup, { orgId: member.orgId, name, ownerMemberId: member.id });
    await tx.flush();
    await insertParticipants(tx, group, member.id, [member.id, ...memberIds.filter((id) => id !== member.id)], contactIds);
    await emitGroupChange(emit, ContactCatalogEventType.CREATED, group);
    return group;
  }));
}

export async function addToExternalGroup(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: ExternalGroupParticipantsInput,
  services: EventServices,
): Promise<ExternalGroup> {
  const { member } = viewer.requireMember();
  const { memberIds, contactIds } = participantIds(input);
  if (!memberIds.length && !contactIds.length) throw badInput(errorMessage('atLeastOneMemberOrContact'), 'memberIds');
  return forgetParticipants(viewer, loaders, await withEvents(em, services, async (tx, emit) => {
    const group = await lockGroupOfParticipant(tx, viewer, input.groupId);
    await activeMembers(tx, member.orgId, memberIds);
    await connectedContacts(tx, viewer, loaders, contactIds);
    if (await insertParticipants(tx, group, member.id, memberIds, contactIds)) await emitGroupChange(emit, ContactCatalogEventType.UPDATED, group, ['participants']);
    return group;
  }));
}

/** Removes places; the group stays external whatever is left, even its owner alone [002]. */
export async function removeFromExternalGroup(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: ExternalGroupParticipantsInput,
  services: EventServices,
): Promise<ExternalGroup> {
  const { member } = viewer.requireMember();
  const { memberIds, contactIds } = participantIds(input);
  if (!memberIds.length && !contactIds.length) throw badInput(errorMessage('atLeastOneMemberOrContact'), 'memberIds');
  return forgetParticipants(viewer, loaders, await withEvents(em, services, async (tx, emit) => {
    const group = await lockGroupOfParticipant(tx, viewer, input.groupId);
    const isOwner = group.ownerMemberId === member.id;
    if (memberIds.includes(group.ownerMemberId)) throw badInput(errorMessage('ownerStaysInGroup'), 'memberIds');
    if (!isOwner && (contactIds.length || memberIds.some((id) => id !== member.id))) {
      throw forbidden(errorMessage('groupOwnerRemovesOthers'));
    }
    const removed = await tx.execute<Array<{ id: string }>>(
      `delete from external_group_participants where group_id = ? and (member_id = any(?::uuid[]) or contact_id = any(?::uuid[])) returning id`,
      [group.id, pgArray(memberIds), pgArray(contactIds)],
    );
    if (removed.length) await emitGroupChange(emit, ContactCatalogEventType.UPDATED, group, ['participants']);
    return group;
  }));
}

/** Hands a group to another active member (who joins it if needed): by the owner, or an admin over the owner. */
export async function transferGroupOwnership(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  groupGlobalId: string,
  toMemberGlobalId: string,
  services: EventServices,
): Promise<ExternalGroup> {
  const { member } = viewer.requireMember();
  const toId = rawId(toMemberGlobalId, 'Member');
  return forgetParticipants(viewer, loaders, await withEvents(em, services, async (tx, emit) => {
    const group = await tx.findOne(ExternalGroup, { orgId: member.orgId, id: rawId(groupGlobalId, 'ExternalGroup') }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!group || !(await viewerMaySeeExternalGroup(viewer, loaders, group, tx))) throw notFound('ExternalGroup');
    if (group.ownerMemberId !== member.id) {
      const ownerPaths = (await departmentPathsOfMembers(tx, member.orgId, [group.ownerMemberId])).get(group.ownerMemberId) ?? [];
      if (!can(viewer, PermissionModule.CONTACTS, PermissionAction.EDIT, { departmentPaths: ownerPaths, match: 'any' })) {
        throw forbidden(errorMessage('groupHandOverNotAllowed'));
      }
    }
    await activeMembers(tx, member.orgId, [toId]);
    const from = group.ownerMemberId;
    group.ownerMemberId = toId;
    await tx.flush();
    const joined = await insertParticipants(tx, group, member.id, [toId], []);
    if (from !== toId) {
      await emitGroupChange(emit, ContactCatalogEventType.UPDATED, group, joined ? ['owner', 'participants'] : ['owner'], { previousOwnerId: toGlobalId('Member', from) });
    }
    recordAudit(tx, viewer, 'externalGroup.transferOwnership', { type: 'ExternalGroup', id: group.id }, { from: toGlobalId('Member', from), to: toGlobalId('Member', toId) });
    return group;
  }));
}
