import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { assertCanAssignFollowUp, assertCanCloseFollowUp } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { optionalText } from '../common/validate';
import { Member, MemberStatus } from '../members/member.entity';
import type { Contact } from './contact.entity';
import { contactsSeenByMember, pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { contactLoaders } from './contacts.loaders';
import { viewerMayEditContact } from './contacts.service';
import { CONTACT_LIMITS } from './contacts.inputs';
import { FollowUp, FollowUpStatus } from './follow-up.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Clock skew tolerated on a due time "now". */
const PAST_TOLERANCE_MS = 60_000;
const FURTHEST_DUE_MS = 10 * 366 * 24 * 3600 * 1000;

export interface ScheduleFollowUpArgs {
  contactId: string;
  dueAt: Date;
  /** Omitted: the caller. */
  assigneeId?: string | null;
  note?: string | null;
}

function checkDueAt(dueAt: Date): Date {
  if (!(dueAt instanceof Date) || Number.isNaN(dueAt.getTime())) throw badInput(errorMessage('mustBeDateTime', { field: 'dueAt' }), 'dueAt');
  const now = Date.now();
  if (dueAt.getTime() < now - PAST_TOLERANCE_MS) throw badInput(errorMessage('dueAtInPast'), 'dueAt');
  if (dueAt.getTime() > now + FURTHEST_DUE_MS) throw badInput(errorMessage('dueAtTooFar'), 'dueAt');
  return dueAt;
}

/**
 * `scheduleFollowUp` [000] [001]: a reminder to follow up with a contact the caller sees, due at `dueAt`, for the
 * assignee (default: the caller). The assignee must be an ACTIVE member of the org who sees the contact; assigning to
 * someone else needs the right to edit the contact (`assertCanAssignFollowUp`). When it falls due the assignee gets a
 * FOLLOW_UP notification (`follow-ups.job.ts`).
 */
export async function scheduleFollowUp(em: EntityManager, viewer: Viewer, loaders: Loaders, args: ScheduleFollowUpArgs): Promise<FollowUp> {
  const { member, org } = viewer.requireMember();
  const dueAt = checkDueAt(args.dueAt);
  const note = optionalText(args.note, 'note', CONTACT_LIMITS.followUpNote) ?? '';
  const contact = await contactLoaders(viewer, loaders).contactById.load(rawId(args.contactId, 'Contact'));
  if (!contact) throw notFound('Contact');
  const assigneeId = args.assigneeId == null ? member.id : rawId(args.assigneeId, 'Member');
  assertCanAssignFollowUp(viewer, assigneeId, await viewerMayEditContact(viewer, loaders, contact));

  return em.transactional(async (tx) => {
    // Lock the contact so a concurrent delete or merge cannot leave the reminder on a contact that just went away.
    const [live] = await tx.execute('select id from contacts where id = ? and deleted_at is null for share', [contact.id]);
    if (!live) throw notFound('Contact');
    if (assigneeId !== member.id) {
      const assignee = await tx.findOne(Member, { orgId: org.id, id: assigneeId }, { lockMode: LockMode.PESSIMISTIC_READ });
      if (!assignee) throw notFound('Member');
      if (assignee.status !== MemberStatus.ACTIVE) {
        throw badInput(errorMessage('assigneeInactive', { status: assignee.status.toLowerCase() }), 'assigneeId');
      }
      if (!(await contactsSeenByMember(tx, org.id, assigneeId, [contact.id])).has(contact.id)) {
        throw badInput(errorMessage('assigneeCannotSee'), 'assigneeId');
      }
    }
    return tx.create(FollowUp, {
      orgId: org.id,
      contactId: contact.id,
      assigneeMemberId: assigneeId,
      authorMemberId: member.id,
      authorName: member.name,
      dueAt,
      note,
    });
  });
}

/** Completes (DONE) or cancels an OPEN follow-up: its assignee, its author, or an editor of the contact. */
export async function closeFollowUp(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  globalId: string,
  status: FollowUpStatus.DONE | FollowUpStatus.CANCELLED,
): Promise<FollowUp> {
  const { member } = viewer.requireMember();
  const found = await contactLoaders(viewer, loaders).followUpById.load(rawId(globalId, 'FollowUp'));
  const contact = found && (await contactLoaders(viewer, loaders).contactById.load(found.contactId));
  if (!found || !contact) throw notFound('FollowUp');
  assertCanCloseFollowUp(viewer, found, await viewerMayEditContact(viewer, loaders, contact));
  return em.transactional(async (tx) => {
    const followUp = await tx.findOne(FollowUp, { id: found.id, orgId: found.orgId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!followUp) throw notFound('FollowUp');
    if (followUp.status !== FollowUpStatus.OPEN) throw conflict(errorMessage('followUpClosed', { status: followUp.status.toLowerCase() }));
    followUp.status = status;
    followUp.closedAt = new Date();
    followUp.closedByMemberId = member.id;
    await tx.flush();
    return followUp;
  });
}

function pageAfter(after: string | null | undefined): [string, string] | null {
  if (!after) return null;
  const [dueAt, id] = decodeCursor(after, 2);
  if (typeof dueAt !== 'string' || Number.isNaN(Date.parse(dueAt)) || typeof id !== 'string' || !UUID.test(id)) throw badInput(errorMessage('invalidCursor'), 'after');
  return [dueAt, id];
}

const cursorOf = (row: FollowUp) => [row.dueAt.toISOString(), row.id];

/** `Contact.followUps`: soonest due first, keyset-paged, batched across a page of contacts. */
export async function contactFollowUps(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  contact: Contact,
  page: PageArgs,
  status: FollowUpStatus | null,
): Promise<Connection<FollowUp>> {
  const first = checkPageSize(page.first);
  const rows = await contactLoaders(viewer, loaders).followUpsPage.load({ contactId: contact.id, status, limit: first + 1, after: pageAfter(page.after) });
  return toConnection(rows, first, cursorOf, !!page.after, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>(
      'select count(*)::int as count from contact_follow_ups where org_id = ? and contact_id = ? and (?::text is null or status = ?)',
      [contact.orgId, contact.id, status, status],
    );
    return count;
  });
}

/**
 * `myFollowUps`: the follow-ups assigned to the caller, soonest due first, on contacts the caller sees now (a contact
 * unshared from them since takes its reminders out of their list).
 */
export async function myFollowUps(em: EntityManager, viewer: Viewer, loaders: Loaders, page: PageArgs, status: FollowUpStatus | null): Promise<Connection<FollowUp>> {
  const { member } = viewer.requireMember();
  const first = checkPageSize(page.first);
  const after = pageAfter(page.after);
  const visible = visibleContactsWhere('c', member.orgId, await viewerContactReach(viewer, loaders));
  const where = `f.org_id = ? and f.assignee_member_id = ? and (?::text is null or f.status = ?)
    and exists (select 1 from contacts c where c.id = f.contact_id and ${visible.sql})`;
  const params = [member.orgId, member.id, status, status, ...visible.params];
  const rows = await em.execute<Array<Record<string, unknown>>>(
    `select f.* from contact_follow_ups f where ${where} ${after ? 'and (f.due_at, f.id) > (?::timestamptz, ?::uuid)' : ''}
      order by f.due_at, f.id limit ?`,
    [...params, ...(after ?? []), first + 1],
  );
  return toConnection(
    rows.map((row) => em.map(FollowUp, row)),
    first,
    cursorOf,
    !!after,
    async () => {
      const [{ count }] = await em.execute<Array<{ count: number }>>(`select count(*)::int as count from contact_follow_ups f where ${where}`, params);
      return count;
    },
  );
}

/**
 * A hand-over's open follow-ups [004]: those assigned to `fromMemberId` on the contacts that move, and with
 * `includeOthers` (a whole hand-over) also those on other contacts the receiver sees, go (unless `dryRun`) to the
 * receiver. Call after the contacts moved. Returns their ids. Follow-ups of the member on contacts the receiver does
 * not see stay where they are (the remover cancels them when the member leaves).
 */
export async function handOverFollowUps(
  tx: EntityManager,
  handOver: { orgId: string; fromMemberId: string; toMemberId: string; movedContactIds: string[]; includeOthers: boolean; dryRun: boolean },
): Promise<string[]> {
  const { orgId, fromMemberId, toMemberId } = handOver;
  const open = await tx.execute<Array<{ id: string; contact_id: string }>>(
    `select f.id, f.contact_id from contact_follow_ups f
      where f.org_id = ? and f.assignee_member_id = ? and f.status = 'OPEN'
        and (?::boolean or f.contact_id = any(?::uuid[]))
      order by f.id${handOver.dryRun ? '' : ' for update'}`,
    [orgId, fromMemberId, handOver.includeOthers, pgArray(handOver.movedContactIds)],
  );
  if (!open.length) return [];
  const moved = new Set(handOver.movedContactIds);
  const others = open.filter((row) => !moved.has(row.contact_id)).map((row) => row.contact_id);
  // In a dry run the contacts have not moved: the receiver will own them, so they count as seen.
  const seen = await contactsSeenByMember(tx, orgId, toMemberId, others);
  const ids = open.filter((row) => moved.has(row.contact_id) || seen.has(row.contact_id)).map((row) => row.id);
  if (ids.length && !handOver.dryRun) {
    await tx.execute('update contact_follow_ups set assignee_member_id = ? where org_id = ? and id = any(?::uuid[])', [toMemberId, orgId, pgArray(ids)]);
  }
  return ids;
}

/** A member leaves: their remaining OPEN follow-ups are cancelled (closed ones keep their history). */
export async function cancelFollowUpsOfLeaver(tx: EntityManager, orgId: string, memberId: string, byMemberId: string | null): Promise<void> {
  await tx.execute(
    `update contact_follow_ups set status = 'CANCELLED', closed_at = now(), closed_by_member_id = ?
      where org_id = ? and assignee_member_id = ? and status = 'OPEN'`,
    [byMemberId, orgId, memberId],
  );
}
