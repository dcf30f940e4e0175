import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { badInput, notFound, errorMessage } from '../../errors';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { MemberStatus } from '../members/member.entity';
import { pgArray } from './notification-audience';
import { Notification, NotificationDelivery, NotificationKind, type DeliveryRow } from './notification.entity';
import type { NotificationFilter } from './notifications.inputs';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const MAX_MARK = 100;

/** `created_at` to the microsecond, for keyset cursors (a JS Date would drop the microseconds). */
const CURSOR_AT = `to_char(d.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at`;
/** Recipients no longer see an announcement once it expires. */
const VISIBLE = '(n.expires_at is null or n.expires_at > now())';

/**
 * Whose deliveries the viewer reads: their membership in the current org (while ACTIVE) and their user (invitations
 * addressed to them, from any org). A user without an org sees the latter only.
 */
export interface Inbox {
  userId: string;
  member: { id: string; orgId: string } | null;
}

export function inboxOf(viewer: Viewer): Inbox {
  const user = viewer.requireUser();
  const member = viewer.member && viewer.org && viewer.member.status === MemberStatus.ACTIVE ? { id: viewer.member.id, orgId: viewer.org.id } : null;
  return { userId: user.id, member };
}

function recipientIds(inbox: Inbox): string[] {
  return inbox.member ? [inbox.member.id, inbox.userId] : [inbox.userId];
}

/** One recipient's part of a query: member deliveries of the current org, or the user's own. */
function recipientCondition(inbox: Inbox, part: 'member' | 'user'): { sql: string; params: unknown[] } {
  return part === 'member'
    ? { sql: 'd.recipient_id = ? and d.org_id = ?', params: [inbox.member!.id, inbox.member!.orgId] }
    : { sql: 'd.recipient_id = ?', params: [inbox.userId] };
}

function parts(inbox: Inbox): Array<'member' | 'user'> {
  return inbox.member ? ['member', 'user'] : ['user'];
}

/** Turns delivery rows into deliveries with their notification (one query for all of them). */
export async function withNotifications(em: EntityManager, rows: DeliveryRow[]): Promise<NotificationDelivery[]> {
  if (rows.length === 0) return [];
  const notifications = await em.find(Notification, { id: { $in: [...new Set(rows.map((row) => row.notification_id))] } });
  const byId = new Map(notifications.map((notification) => [notification.id, notification]));
  return rows.flatMap((row) => {
    const notification = byId.get(row.notification_id);
    return notification ? [NotificationDelivery.fromRow(row, notification)] : [];
  });
}

function parseInboxCursor(after: string): { at: string; id: string } {
  const [at, id] = decodeCursor(after, 2);
  if (typeof at !== 'string' || !TIMESTAMP.test(at) || typeof id !== 'string' || !UUID.test(id)) throw badInput(errorMessage('invalidCursor'), 'after');
  return { at, id };
}

/**
 * `myNotifications`: the viewer's deliveries, newest first, keyset-paged on (delivered at, id). Each recipient part
 * (member, user) is one ordered walk of the inbox index that stops after a page, merged by the outer query; expired
 * announcements are left out. Two statements per page (plus one for `totalCount`), whatever the page size.
 */
export async function listMyNotifications(
  em: EntityManager,
  viewer: Viewer,
  page: PageArgs,
  filter: NotificationFilter | null | undefined,
): Promise<Connection<NotificationDelivery>> {
  const inbox = inboxOf(viewer);
  const first = checkPageSize(page.first);
  const conditions = [VISIBLE];
  const params: unknown[] = [];
  if (filter?.unread != null) conditions.push(filter.unread ? 'd.read_at is null' : 'd.read_at is not null');
  if (filter?.kind != null) {
    conditions.push('n.kind = ?');
    params.push(filter.kind);
  }
  const cursor = page.after != null ? parseInboxCursor(page.after) : null;

  const subqueries: string[] = [];
  const subqueryParams: unknown[] = [];
  for (const part of parts(inbox)) {
    const recipient = recipientCondition(inbox, part);
    subqueries.push(`(select d.*, ${CURSOR_AT}
        from notification_deliveries d join notifications n on n.id = d.notification_id
       where ${recipient.sql} and ${conditions.join(' and ')}${cursor ? ' and (d.created_at, d.id) < (?::timestamptz, ?::uuid)' : ''}
       order by d.created_at desc, d.id desc limit ${first + 1})`);
    subqueryParams.push(...recipient.params, ...params, ...(cursor ? [cursor.at, cursor.id] : []));
  }
  const rows = await em.execute<Array<DeliveryRow & { cursor_at: string }>>(
    `select * from (${subqueries.join(' union all ')}) x order by x.created_at desc, x.id desc limit ${first + 1}`,
    subqueryParams,
  );
  const cursors = new Map(rows.map((row) => [row.id, row.cursor_at]));
  const deliveries = await withNotifications(em, rows);
  return toConnection(deliveries, first, (delivery) => [cursors.get(delivery.id), delivery.id], cursor !== null, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>(
      `select count(*)::int as count from notification_deliveries d join notifications n on n.id = d.notification_id
        where d.recipient_id = any(?::uuid[]) and ${conditions.join(' and ')}`,
      [pgArray(recipientIds(inbox)), ...params],
    );
    return count;
  });
}

/** `unreadNotificationCount`: unread deliveries of the viewer, as `myNotifications(filter: {unread: true})` lists them. */
export async function countUnread(em: EntityManager, viewer: Viewer): Promise<number> {
  const [{ count }] = await em.execute<Array<{ count: number }>>(
    `select count(*)::int as count from notification_deliveries d join notifications n on n.id = d.notification_id
      where d.recipient_id = any(?::uuid[]) and d.read_at is null and ${VISIBLE}`,
    [pgArray(recipientIds(inboxOf(viewer)))],
  );
  return count;
}

/** `myAnnouncements`: the member's announcements, pinned ones first, then newest first; expired ones left out. */
export async function listMyAnnouncements(em: EntityManager, viewer: Viewer, page: PageArgs): Promise<Connection<NotificationDelivery>> {
  const inbox = inboxOf(viewer);
  const first = checkPageSize(page.first);
  const empty = toConnection<NotificationDelivery>([], first, () => [], page.after != null, async () => 0);
  if (!inbox.member) return empty;
  const where = ['d.recipient_id = ?', 'd.org_id = ?', 'n.kind = ?', VISIBLE];
  const params: unknown[] = [inbox.member.id, inbox.member.orgId, NotificationKind.ANNOUNCEMENT];
  const filtered = [...where];
  const filteredParams = [...params];
  if (page.after != null) {
    const [pinned, at, id] = decodeCursor(page.after, 3);
    if (typeof pinned !== 'boolean' || typeof at !== 'string' || !TIMESTAMP.test(at) || typeof id !== 'string' || !UUID.test(id)) {
      throw badInput(errorMessage('invalidCursor'), 'after');
    }
    where.push('(n.pinned, d.created_at, d.id) < (?, ?::timestamptz, ?::uuid)');
    params.push(pinned, at, id);
  }
  const rows = await em.execute<Array<DeliveryRow & { cursor_at: string; pinned: boolean }>>(
    `select d.*, n.pinned, ${CURSOR_AT}
       from notification_deliveries d join notifications n on n.id = d.notification_id
      where ${where.join(' and ')}
      order by n.pinned desc, d.created_at desc, d.id desc limit ${first + 1}`,
    params,
  );
  const cursors = new Map(rows.map((row) => [row.id, [row.pinned, row.cursor_at]]));
  const deliveries = await withNotifications(em, rows);
  return toConnection(deliveries, first, (delivery) => [...cursors.get(delivery.id)!, delivery.id], page.after != null, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>(
      `select count(*)::int as count from notification_deliveries d join notifications n on n.id = d.notification_id where ${filtered.join(' and ')}`,
      filteredParams,
    );
    return count;
  });
}

/**
 * `markNotificationsRead`: marks the viewer's own deliveries read (those already read keep their time). All or nothing:
 * an id that is not one of the viewer's deliveries (another member's, unknown, malformed) answers NOT_FOUND and marks
 * none. One statement: the update runs only when every id was found among the viewer's deliveries.
 */
export async function markRead(em: EntityManager, viewer: Viewer, globalIds: string[]): Promise<NotificationDelivery[]> {
  if (globalIds.length === 0) throw badInput(errorMessage('mustNotBeEmpty', { field: 'ids' }), 'ids');
  if (globalIds.length > MAX_MARK) throw badInput(errorMessage('markAtMost', { max: String(MAX_MARK) }), 'ids');
  const ids = [...new Set(globalIds.map((id) => rawId(id, 'NotificationDelivery')))];
  const rows = await em.execute<DeliveryRow[]>(
    `with mine as (
       select d.notification_id, d.recipient_id from notification_deliveries d
        where d.recipient_id = any(?::uuid[]) and d.id = any(?::uuid[])
     )
     update notification_deliveries d set read_at = coalesce(d.read_at, now())
       from mine
      where (select count(*) from mine) = ?
        and d.notification_id = mine.notification_id and d.recipient_id = mine.recipient_id
     returning d.*`,
    [pgArray(recipientIds(inboxOf(viewer))), pgArray(ids), ids.length],
  );
  if (rows.length !== ids.length) throw notFound('NotificationDelivery');
  const deliveries = await withNotifications(em, rows);
  const order = new Map(globalIds.map((id, index) => [rawId(id, 'NotificationDelivery'), index]));
  return deliveries.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
}

/** `markAllNotificationsRead`: every unread delivery of the viewer; returns how many were marked. */
export async function markAllRead(em: EntityManager, viewer: Viewer): Promise<number> {
  const rows = await em.execute<Array<{ count: number }>>(
    `with marked as (
       update notification_deliveries d set read_at = now()
        where d.recipient_id = any(?::uuid[]) and d.read_at is null
       returning 1
     )
     select count(*)::int as count from marked`,
    [pgArray(recipientIds(inboxOf(viewer)))],
  );
  return rows[0]!.count;
}

/** A delivery of the viewer by raw id, for `node(id)`; null when it is not theirs. */
export async function findMyDelivery(em: EntityManager, viewer: Viewer, id: string): Promise<NotificationDelivery | null> {
  const rows = await em.execute<DeliveryRow[]>(
    'select d.* from notification_deliveries d where d.recipient_id = any(?::uuid[]) and d.id = ?',
    [pgArray(recipientIds(inboxOf(viewer))), id],
  );
  return (await withNotifications(em, rows))[0] ?? null;
}
