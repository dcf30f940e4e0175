import type { AppServices } from '../../app';
import { badInput, forbidden, unauthenticated, errorMessage } from '../../errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Credential } from '../../auth/jwt';
import type { Viewer } from '../../auth/viewer';
import { FreshLoader } from '../../realtime/fresh-loader';
import { DeliveryStream, type EventSource } from '../../realtime/delivery-stream';
import { verifiedRecipients } from '../../realtime/event-bus';
import type { EventHub } from '../../realtime/event-hub';
import { currentSnapshot } from '../../realtime/event-log';
import { EventTopic, type ReceivedEvent } from '../../realtime/events';
import { OrgEventFeed } from '../../realtime/org-event-feed';
import { currentMemberViewer, deliverAs } from '../../graphql/subscriptions';
import { decodeSnapshotCursor, encodeSnapshotCursor, RecipientFeed, type PositionedEvent } from '../../realtime/recipient-feed';
import { pgArray } from './notification-audience';
import { Notification, NotificationDelivery, type DeliveryRow } from './notification.entity';
import { inboxOf } from './notifications.inbox';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Process-wide lookups for live delivery, batched across every subscriber of the process (see `FreshLoader`): when one
 * NOTIFICATION event reaches 1,000 local subscribers, "which of them has a delivery" is one query on the deliveries'
 * primary key, and the notification itself is loaded once.
 */
class NotificationDeliveryLoaders {
  private readonly memberDeliveries: FreshLoader<DeliveryRow | null>;
  private readonly userDeliveries: FreshLoader<DeliveryRow | null>;
  private readonly notifications: FreshLoader<Notification | null>;

  constructor(app: AppServices) {
    const { orm } = app;
    this.memberDeliveries = new FreshLoader(async (keys) => {
      const pairs = keys.map((key) => key.split(':'));
      const rows = await orm.em.fork().execute<DeliveryRow[]>(
        `select d.* from unnest(?::uuid[], ?::uuid[]) as k(notification_id, recipient_id)
           join notification_deliveries d on d.notification_id = k.notification_id and d.recipient_id = k.recipient_id`,
        [pgArray(pairs.map((pair) => pair[0]!)), pgArray(pairs.map((pair) => pair[1]!))],
      );
      return new Map(rows.map((row) => [`${row.notification_id}:${row.recipient_id}`, row]));
    }, null);
    this.userDeliveries = new FreshLoader(async (keys) => {
      const triples = keys.map((key) => key.split(':'));
      const rows = await orm.em.fork().execute<Array<DeliveryRow & { event_id: string }>>(
        `select d.*, n.event_id::text as event_id from unnest(?::uuid[], ?::bigint[], ?::uuid[]) as k(org_id, event_id, user_id)
           join notifications n on n.org_id = k.org_id and n.event_id = k.event_id and n.kind = 'INVITATION'
           join notification_deliveries d on d.notification_id = n.id and d.recipient_id = k.user_id`,
        [pgArray(triples.map((t) => t[0]!)), pgArray(triples.map((t) => t[1]!)), pgArray(triples.map((t) => t[2]!))],
      );
      return new Map(rows.map(({ event_id, ...row }) => [`${row.org_id}:${event_id}:${row.recipient_id}`, row]));
    }, null);
    this.notifications = new FreshLoader(async (keys) => {
      const pairs = keys.map((key) => key.split(':'));
      const rows = await orm.em.fork().find(Notification, {
        orgId: { $in: [...new Set(pairs.map((pair) => pair[0]!))] },
        id: { $in: [...new Set(pairs.map((pair) => pair[1]!))] },
      });
      return new Map(rows.map((row) => [`${row.orgId}:${row.id}`, row]));
    }, null);
  }

  memberDelivery(notificationId: string, memberId: string, notBefore: number): Promise<DeliveryRow | null> {
    return this.memberDeliveries.load(`${notificationId}:${memberId}`, notBefore);
  }

  /** The delivery to `userId` of the invitation notification announced by event `eventId` of the org. */
  userDelivery(orgId: string, eventId: string, userId: string, notBefore: number): Promise<DeliveryRow | null> {
    return this.userDeliveries.load(`${orgId}:${eventId}:${userId}`, notBefore);
  }

  notification(orgId: string, id: string, notBefore: number): Promise<Notification | null> {
    return this.notifications.load(`${orgId}:${id}`, notBefore);
  }
}

const loadersByHub = new WeakMap<EventHub, NotificationDeliveryLoaders>();

function deliveryLoaders(app: AppServices): NotificationDeliveryLoaders {
  let loaders = loadersByHub.get(app.realtime);
  if (!loaders) loadersByHub.set(app.realtime, (loaders = new NotificationDeliveryLoaders(app)));
  return loaders;
}

/**
 * Where a `notificationReceived` stream stands: the id of the last NOTIFICATION event of the member's org it has passed
 * (org event ids are contiguous and commit in order), and the position of the user's invitation stream (a snapshot
 * cursor, see recipient-feed.ts). Sent to clients as one opaque cursor.
 */
interface StreamPosition {
  org: { orgId: string; eventId: number } | null;
  user: string | null;
}

function encodeStreamCursor(position: StreamPosition): string {
  return Buffer.from(JSON.stringify({ o: position.org ? [position.org.orgId, position.org.eventId] : null, u: position.user })).toString('base64url');
}

function decodeStreamCursor(cursor: string): StreamPosition {
  const invalid = () => badInput(errorMessage('invalidStreamCursor'), 'after');
  let parsed: { o?: unknown; u?: unknown };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown; u?: unknown };
  } catch {
    throw invalid();
  }
  if (!parsed || typeof parsed !== 'object') throw invalid();
  const { o, u } = parsed;
  let org: StreamPosition['org'] = null;
  if (o != null) {
    if (!Array.isArray(o) || o.length !== 2 || typeof o[0] !== 'string' || !UUID.test(o[0]) || !Number.isSafeInteger(o[1]) || o[1] < 0) throw invalid();
    org = { orgId: o[0], eventId: o[1] as number };
  }
  if (u != null && typeof u !== 'string') throw invalid();
  if (typeof u === 'string') decodeSnapshotCursor(u); // validates
  return { org, user: (u as string | null | undefined) ?? null };
}

type StreamItem = { part: 'org'; event: ReceivedEvent } | { part: 'user'; positioned: PositionedEvent };

/** Several feeds read as one: whichever has an event first. One caller at a time, like the feeds themselves. */
class MergedSource<T> implements EventSource<T> {
  private readonly waiting = new Map<EventSource<T>, Promise<{ source: EventSource<T>; item: T | null }>>();
  private closed = false;

  constructor(private readonly sources: Array<EventSource<T>>) {}

  async next(): Promise<T | null> {
    if (this.closed) return null;
    for (const source of this.sources) {
      if (!this.waiting.has(source)) this.waiting.set(source, source.next().then((item) => ({ source, item })));
    }
    const { source, item } = await Promise.race(this.waiting.values());
    this.waiting.delete(source);
    if (item === null) {
      this.close(); // a feed ends only when closed
      return null;
    }
    return item;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const source of this.sources) source.close();
  }
}

function mapSource<E, T>(source: EventSource<E>, map: (event: E) => T): EventSource<T> {
  return {
    next: async () => {
      const event = await source.next();
      return event === null ? null : map(event);
    },
    close: () => source.close(),
  };
}

function isExpired(notification: Notification): boolean {
  return notification.expiresAt !== null && notification.expiresAt.getTime() <= Date.now();
}

/**
 * `notificationReceived`: the signed-in member's deliveries as they are sent, plus the invitation notifications addressed
 * to the user, resumable with `after` (each delivery's `cursor`) without gap or duplicate.
 *
 * Built from the realtime machinery as it is. The member part is an `OrgEventFeed` on the NOTIFICATION topic: one event
 * per notification (not per recipient), fanned out across gateway instances through the org's Redis channel, replayed
 * from the log on resume. Each event is kept only if the subscriber has a delivery of it: one lookup batched across the
 * process's subscribers. The user part is a `RecipientFeed` on the INVITATION SENT events addressed to the user's
 * verified phone or email, each matched to the user's delivery of it. The membership is re-checked before each delivery
 * and at each MEMBER event about the subscriber (removed, disabled), not for the events that are not theirs.
 */
export async function subscribeNotificationReceived(
  em: EntityManager,
  subscribed: Viewer,
  credential: Credential | null | undefined,
  args: { after?: string | null },
  app: AppServices,
): Promise<AsyncIterableIterator<NotificationDelivery>> {
  const user = subscribed.requireUser();
  const inbox = inboxOf(subscribed);
  const recipients = verifiedRecipients(user);
  if (!inbox.member && recipients.length === 0) {
    throw forbidden(errorMessage('nothingToReceive'));
  }
  const from = args.after != null ? decodeStreamCursor(args.after) : null;
  const member = inbox.member;
  if (member && from?.org && from.org.orgId !== member.orgId) {
    throw badInput(errorMessage('cursorOfAnotherOrg'), 'after');
  }
  const hub = app.realtime;
  const loaders = deliveryLoaders(app);
  const position: StreamPosition = { org: null, user: null };
  const sources: Array<EventSource<StreamItem>> = [];
  try {
    if (member) {
      // Read before the feed opens; the feed then reads from the log whatever committed meanwhile.
      const start = from?.org?.eventId ?? (await hub.lastEventId(member.orgId, performance.now())) ?? 0;
      const feed = await OrgEventFeed.open(hub, em, member.orgId, [EventTopic.NOTIFICATION, EventTopic.MEMBER], start);
      sources.push(mapSource(feed, (event): StreamItem => ({ part: 'org', event })));
      position.org = { orgId: member.orgId, eventId: start };
    }
    if (recipients.length) {
      const start = from?.user ? decodeSnapshotCursor(from.user) : { snapshot: await currentSnapshot(em), positions: {} };
      const feed = await RecipientFeed.open(hub, app.orm.em.fork(), recipients, EventTopic.INVITATION, start);
      sources.push(mapSource(feed, (positioned): StreamItem => ({ part: 'user', positioned })));
      position.user = encodeSnapshotCursor(start);
    }
  } catch (error) {
    for (const source of sources) source.close();
    throw error;
  }

  return new DeliveryStream(new MergedSource(sources), async (item) => {
    if (item.part === 'org') {
      const { event } = item;
      position.org = { orgId: event.orgId, eventId: Number(event.id) };
      if (event.topic === EventTopic.MEMBER) {
        // The subscriber removed or disabled: the stream ends now rather than at their next notification.
        if (event.payload.memberId === member!.id) await currentMemberViewer(app, subscribed, credential, event);
        return null;
      }
      const notificationId = event.payload.notificationId;
      if (event.type !== 'SENT' || typeof notificationId !== 'string' || !UUID.test(notificationId)) return null;
      // Both batched with every other subscriber this event reaches; most of them find no delivery and stop here.
      const [row, notification] = await Promise.all([
        loaders.memberDelivery(notificationId, member!.id, event.receivedAt),
        loaders.notification(event.orgId, notificationId, event.receivedAt),
      ]);
      if (!row || !notification || isExpired(notification)) return null;
      const current = await currentMemberViewer(app, subscribed, credential, event);
      return deliverAs(NotificationDelivery.fromRow(row, notification, encodeStreamCursor(position)), current);
    }
    const { event, cursor } = item.positioned;
    position.user = cursor;
    if (event.type !== 'SENT') return null;
    const [row, current] = await Promise.all([
      loaders.userDelivery(event.orgId, event.id, user.id, event.receivedAt),
      app.subscribers.user(user.id, event.receivedAt),
    ]);
    if (!current) throw unauthenticated();
    if (!row) return null;
    const notification = await loaders.notification(event.orgId, row.notification_id, event.receivedAt);
    if (!notification) return null;
    return NotificationDelivery.fromRow(row, notification, encodeStreamCursor(position));
  });
}
