import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { canViewNotificationReceipts, sentNotificationsVisibleTo } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, forbidden, errorMessage } from '../../errors';
import { checkPageSize, decodeCursor, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { pgArray } from './notification-audience';
import { Notification, NotificationDelivery, NotificationKind, type DeliveryRow } from './notification.entity';
import type { NotificationRecipientFilter, SentNotificationFilter } from './notifications.inputs';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Request loaders of the notifications module, spread into `createLoaders`. `readCountOf` counts the read deliveries of
 * many notifications in one query (an index-only walk of each notification's primary-key range); callers pass ids of
 * notifications already checked to be the viewer's org's.
 */
export function createNotificationLoaders(em: EntityManager, orgId: string) {
  const readCountOf = new DataLoader<string, number>(async (ids) => {
    const rows = await em.execute<Array<{ notification_id: string; count: number }>>(
      `select d.notification_id, count(*)::int as count from notification_deliveries d
        where d.notification_id = any(?::uuid[]) and d.read_at is not null
        group by d.notification_id`,
      [pgArray([...ids])],
    );
    const counts = new Map(rows.map((row) => [row.notification_id, row.count]));
    return ids.map((id) => counts.get(id) ?? 0);
  });
  const notificationById = new DataLoader<string, Notification | null>(async (ids) => {
    const rows = await em.find(Notification, { orgId, id: { $in: [...ids] } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { readCountOf, notificationById };
}

/**
 * `Notification.recipients`: who received it and when they read it, ordered by recipient (keyset on the primary key, so a
 * page of a 100,000-recipient announcement costs the same as one of ten). Sender and org-wide viewers only.
 */
export async function listRecipients(
  em: EntityManager,
  viewer: Viewer,
  notification: Notification,
  page: PageArgs,
  filter: NotificationRecipientFilter | null | undefined,
): Promise<Connection<NotificationDelivery>> {
  if (!canViewNotificationReceipts(viewer, notification)) throw forbidden(errorMessage('receiptsSenderOnly'));
  const first = checkPageSize(page.first);
  const where = ['d.notification_id = ?'];
  const params: unknown[] = [notification.id];
  if (filter?.read != null) where.push(filter.read ? 'd.read_at is not null' : 'd.read_at is null');
  const filtered = [...where];
  const filteredParams = [...params];
  if (page.after != null) {
    const [after] = decodeCursor(page.after, 1);
    if (typeof after !== 'string' || !UUID.test(after)) throw badInput(errorMessage('invalidCursor'), 'after');
    where.push('d.recipient_id > ?');
    params.push(after);
  }
  const rows = await em.execute<DeliveryRow[]>(
    `select d.* from notification_deliveries d where ${where.join(' and ')} order by d.recipient_id limit ${first + 1}`,
    params,
  );
  const deliveries = rows.map((row) => NotificationDelivery.fromRow(row, notification));
  return toConnection(deliveries, first, (delivery) => [delivery.recipientId], page.after != null, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>(
      `select count(*)::int as count from notification_deliveries d where ${filtered.join(' and ')}`,
      filteredParams,
    );
    return count;
  });
}

/**
 * `sentNotifications`: work notifications and announcements of the org, newest first. Whoever may VIEW NOTIFICATIONS
 * org-wide sees all of them; anyone else the ones they sent.
 */
export async function listSentNotifications(
  em: EntityManager,
  viewer: Viewer,
  page: PageArgs,
  filter: SentNotificationFilter | null | undefined,
): Promise<Connection<Notification>> {
  const { org, member } = viewer.requireMember();
  const first = checkPageSize(page.first);
  const where = ['n.org_id = ?', "n.kind in ('NOTIFICATION', 'ANNOUNCEMENT')"];
  const params: unknown[] = [org.id];
  if (sentNotificationsVisibleTo(viewer) === 'own') {
    where.push('n.sender_member_id = ?');
    params.push(member.id);
  }
  if (filter?.kind != null) {
    if (filter.kind !== NotificationKind.NOTIFICATION && filter.kind !== NotificationKind.ANNOUNCEMENT) {
      throw badInput(errorMessage('sentByPeopleKinds'), 'filter.kind');
    }
    where.push('n.kind = ?');
    params.push(filter.kind);
  }
  const filtered = [...where];
  const filteredParams = [...params];
  if (page.after != null) {
    const [at, id] = decodeCursor(page.after, 2);
    if (typeof at !== 'string' || !TIMESTAMP.test(at) || typeof id !== 'string' || !UUID.test(id)) throw badInput(errorMessage('invalidCursor'), 'after');
    where.push('(n.created_at, n.id) < (?::timestamptz, ?::uuid)');
    params.push(at, id);
  }
  const rows = await em.execute<Array<Record<string, unknown>>>(
    `select n.*, to_char(n.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
       from notifications n where ${where.join(' and ')}
      order by n.created_at desc, n.id desc limit ${first + 1}`,
    params,
  );
  const cursors = new Map<string, string>();
  const notifications = rows.map(({ cursor_at, ...row }) => {
    const notification = em.map(Notification, row);
    cursors.set(notification.id, cursor_at as string);
    return notification;
  });
  return toConnection(notifications, first, (notification) => [cursors.get(notification.id), notification.id], page.after != null, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>(
      `select count(*)::int as count from notifications n where ${filtered.join(' and ')}`,
      filteredParams,
    );
    return count;
  });
}

/**
 * Which of `ids` the viewer may see the sending of (audience, counts): the sender and whoever reads the org's sent
 * notifications (`canViewNotificationReceipts`), not each recipient. For audit entries on notifications; one query.
 */
export async function notificationsSentSeenBy(viewer: Viewer, loader: DataLoader<string, Notification | null>, ids: readonly string[]): Promise<string[]> {
  const found = await loader.loadMany(ids);
  return found.flatMap((notification) =>
    notification !== null && !(notification instanceof Error) && canViewNotificationReceipts(viewer, notification) ? [notification.id] : [],
  );
}

/** A notification of the viewer's org for `node(id)`: the sender and admins, and its recipients. */
export async function findViewableNotification(em: EntityManager, viewer: Viewer, notification: Notification | null): Promise<Notification | null> {
  if (!notification) return null;
  if (canViewNotificationReceipts(viewer, notification)) return notification;
  const member = viewer.member;
  if (!member) return null;
  const [row] = await em.execute<Array<{ found: number }>>(
    'select 1 as found from notification_deliveries d where d.notification_id = ? and d.recipient_id = ?',
    [notification.id, member.id],
  );
  return row ? notification : null;
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createNotificationLoaders> {}
}
