import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { assertAudienceInScope, notificationSendScope } from '../../auth/policy';
import { badInput, errorMessage } from '../../errors';
import type { Viewer } from '../../auth/viewer';
import { toGlobalIds } from '../../graphql/relay';
import { EventTopic, recordEvent, recordedEventsHooks, recordEvents, withEvents, type NewOrgEvent, type OrgEvent, type RecordedEventsHook } from '../../realtime/events';
import type { AuditActionName } from '../audit/audit-action';
import { recordAudit } from '../audit/audit.service';
import { requireText } from '../common/validate';
import { afterTransaction } from './after-transaction';
import { findNamedTargets, parseAudience, writeMemberDeliveries } from './notification-audience';
import { Notification, NotificationKind, NotificationPriority, type StoredAudience } from './notification.entity';
import { BODY_MAX, TITLE_MAX, type NotificationAudienceInput, type PublishAnnouncementInput, type SendNotificationInput } from './notifications.inputs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The NOTIFICATION event that announces a notification to live subscribers: one per notification, not per recipient. */
export function notificationSentEvent(orgId: string, notificationId: string): NewOrgEvent {
  return { orgId, topic: EventTopic.NOTIFICATION, type: 'SENT', payload: { notificationId } };
}

/** What sending uses of the gateway: the event bus and the modules' hooks on recorded events. */
export type NotificationServices = Pick<AppServices, 'eventBus' | 'contributions'>;

interface Message {
  kind: NotificationKind.NOTIFICATION | NotificationKind.ANNOUNCEMENT;
  title: string;
  body: string;
  audience: NotificationAudienceInput;
  priority: NotificationPriority;
  pinned: boolean;
  expiresAt: Date | null;
}

/** `sendNotification`: a work notification to an audience, within the sender's scope. */
export function sendNotification(em: EntityManager, viewer: Viewer, input: SendNotificationInput, services: NotificationServices): Promise<Notification> {
  return send(em, viewer, services, 'notification.send', {
    kind: NotificationKind.NOTIFICATION,
    title: input.title,
    body: input.body,
    audience: input.audience,
    priority: input.priority ?? NotificationPriority.NORMAL,
    pinned: false,
    expiresAt: null,
  });
}

/** `publishAnnouncement`: an announcement, optionally pinned and expiring, within the sender's scope. */
export function publishAnnouncement(em: EntityManager, viewer: Viewer, input: PublishAnnouncementInput, services: NotificationServices): Promise<Notification> {
  if (input.expiresAt != null && !(input.expiresAt.getTime() > Date.now())) throw badInput(errorMessage('expiresAtInFuture'), 'expiresAt');
  return send(em, viewer, services, 'announcement.publish', {
    kind: NotificationKind.ANNOUNCEMENT,
    title: input.title,
    body: input.body,
    audience: input.audience,
    priority: NotificationPriority.NORMAL,
    pinned: input.pinned === true,
    expiresAt: input.expiresAt ?? null,
  });
}

/**
 * One transaction: the deliveries (one set-based statement, before the org's event counter is locked, so the slow part
 * does not hold up the org's other writers), the NOTIFICATION event, the notification row and the audit entry. Any
 * refusal rolls all of it back: nothing is half-sent. Live subscribers get the event once it has committed (`withEvents`
 * publishes without waiting for the fan-out).
 */
async function send(em: EntityManager, viewer: Viewer, services: NotificationServices, action: AuditActionName, message: Message): Promise<Notification> {
  const { org, member } = viewer.requireMember();
  const scope = notificationSendScope(viewer);
  const title = requireText(message.title, 'title', TITLE_MAX);
  const body = requireText(message.body, 'body', BODY_MAX);
  const audience = parseAudience(message.audience);
  const id = randomUUID();
  const sentAt = new Date();

  return withEvents(em, services, async (tx, emit) => {
    const departments = await findNamedTargets(tx, org.id, audience);
    // Refuse `everyone` and foreign departments before resolving anything.
    assertAudienceInScope(scope, { everyone: audience.everyone, departments, membersOutside: 0 });
    const { total, outside } = await writeMemberDeliveries(tx, {
      notificationId: id,
      orgId: org.id,
      deliveredAt: sentAt,
      audience,
      departmentPaths: departments.map((department) => department.path),
      scope,
    });
    assertAudienceInScope(scope, { everyone: audience.everyone, departments, membersOutside: outside });
    if (total === 0) throw badInput(errorMessage('nobodyToNotify'), 'audience');
    const event = await emit(notificationSentEvent(org.id, id));
    const notification = await insertNotification(tx, {
      id,
      orgId: org.id,
      kind: message.kind,
      title,
      body,
      priority: message.priority,
      pinned: message.pinned,
      expiresAt: message.expiresAt,
      audience,
      data: {},
      senderMemberId: member.id,
      eventId: event.id,
      recipientCount: total,
      createdAt: sentAt,
    });
    recordAudit(tx, viewer, action, { type: 'Notification', id }, {
      kind: message.kind,
      title,
      recipientCount: total,
      audience: {
        memberIds: toGlobalIds('Member', audience.memberIds),
        departmentIds: toGlobalIds('Department', audience.departmentIds),
        roleIds: toGlobalIds('Role', audience.roleIds),
        everyone: audience.everyone,
      },
      ...(message.kind === NotificationKind.NOTIFICATION ? { priority: message.priority } : { pinned: message.pinned, expiresAt: message.expiresAt?.toISOString() ?? null }),
    });
    await tx.flush();
    return notification;
  });
}

interface NotificationRow {
  id: string;
  orgId: string;
  kind: NotificationKind;
  title: string;
  body: string;
  priority: NotificationPriority;
  pinned: boolean;
  expiresAt: Date | null;
  audience: StoredAudience;
  data: Record<string, unknown>;
  senderMemberId: string | null;
  eventId: string;
  recipientCount: number;
  createdAt: Date;
}

/** Inserts the notification row with SQL, so a caller's unit of work (`notifyMembers`) is not flushed along with it. */
async function insertNotification(tx: EntityManager, row: NotificationRow): Promise<Notification> {
  const [inserted] = await tx.execute<Array<Record<string, unknown>>>(
    `insert into notifications (id, org_id, kind, title, body, priority, pinned, expires_at, audience, data, sender_member_id, event_id, recipient_count, created_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?, ?)
     returning *`,
    [
      row.id,
      row.orgId,
      row.kind,
      row.title,
      row.body,
      row.priority,
      row.pinned,
      row.expiresAt?.toISOString() ?? null,
      JSON.stringify(row.audience),
      JSON.stringify(row.data),
      row.senderMemberId,
      row.eventId,
      row.recipientCount,
      row.createdAt.toISOString(),
    ],
  );
  return tx.map(Notification, inserted!);
}

/** The kinds of notification the system sends (not an admin). */
const SYSTEM_KINDS = new Set<NotificationKind>([NotificationKind.CONTACT_TRANSFER, NotificationKind.FOLLOW_UP, NotificationKind.WEBHOOK_DISABLED]);

/** What another module notifies members of (see `notifyMembers`). */
export interface SystemNotification {
  orgId: string;
  kind: NotificationKind.CONTACT_TRANSFER | NotificationKind.FOLLOW_UP | NotificationKind.WEBHOOK_DISABLED;
  /** Cut to 200 characters. */
  title: string;
  /** Cut to 20,000 characters. */
  body: string;
  /** Raw member ids of the org; only ACTIVE members receive it, each once. */
  memberIds: string[];
  /** Shown to the recipients as `Notification.data`: plain JSON, with global ids (e.g. `{contactIds: [...]}`). */
  data?: Record<string, unknown>;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/**
 * A system notification to some members of an org (contacts transferred to them, a follow-up falling due [001]), written
 * inside the caller's transaction `tx`: the deliveries (set-based), a NOTIFICATION event and the notification row, so
 * they land with the caller's change or not at all. Live subscribers are told once the outermost transaction has committed.
 * No audit entry: the caller audits its own operation.
 *
 * Returns the notification, or null when none of `memberIds` is an active member of the org (nothing is written).
 */
export async function notifyMembers(tx: EntityManager, app: AppServices, input: SystemNotification): Promise<Notification | null> {
  if (!SYSTEM_KINDS.has(input.kind)) {
    throw new Error(`notifyMembers sends system notifications only, not ${String(input.kind)}`);
  }
  const malformed = input.memberIds.find((id) => !UUID.test(id));
  if (malformed !== undefined) throw new Error(`notifyMembers takes raw member ids, got ${malformed}`);
  const memberIds = [...new Set(input.memberIds)];
  if (memberIds.length === 0) return null;
  const id = randomUUID();
  const sentAt = new Date();
  const audience: StoredAudience = { memberIds, departmentIds: [], roleIds: [], everyone: false };
  const { total } = await writeMemberDeliveries(tx, {
    notificationId: id,
    orgId: input.orgId,
    deliveredAt: sentAt,
    audience,
    departmentPaths: [],
    scope: { orgWide: true, scopePaths: [] },
  });
  if (total === 0) return null;
  const event = await recordEvent(tx, app.contributions.of(recordedEventsHooks), notificationSentEvent(input.orgId, id));
  const notification = await insertNotification(tx, {
    id,
    orgId: input.orgId,
    kind: input.kind,
    title: cut(input.title.trim() || input.kind, TITLE_MAX),
    body: cut(input.body, BODY_MAX),
    priority: NotificationPriority.NORMAL,
    pinned: false,
    expiresAt: null,
    audience,
    data: input.data ?? {},
    senderMemberId: null,
    eventId: event.id,
    recipientCount: total,
    createdAt: sentAt,
  });
  // Published only if the caller's transaction committed: a rolled-back event id is reused by the next event, and a
  // subscriber that saw the first would skip the second. Lost or refused, the event is still in the log for the sweep.
  afterTransaction(tx, async () => {
    const [committed] = await app.orm.em.fork().execute('select 1 from notifications where id = ?', [id]);
    if (committed) app.eventBus.publish([event]);
  });
  return notification;
}

/** One system notification to one member (see `notifyEachMember`). */
export interface SingleSystemNotification extends Omit<SystemNotification, 'memberIds'> {
  /** Raw member id; skipped unless an ACTIVE member of `orgId`. */
  memberId: string;
}

/**
 * Many system notifications, each to one member (the follow-up sweep: one reminder per follow-up fallen due), written
 * set-based inside the caller's transaction `tx`: one lookup of the recipients, one batch of NOTIFICATION events per org
 * (orgs in id order, so concurrent writers lock the orgs' event counters in one order), and ONE statement for all the
 * notification rows and their deliveries, whatever their number. Recipients who are not ACTIVE members are skipped.
 *
 * Returns the events: the caller owns the transaction and publishes them (`app.eventBus.publish`) once it has committed.
 */
export async function notifyEachMember(
  tx: EntityManager,
  hooks: readonly RecordedEventsHook[],
  notifications: SingleSystemNotification[],
): Promise<OrgEvent[]> {
  for (const item of notifications) {
    if (!SYSTEM_KINDS.has(item.kind)) {
      throw new Error(`notifyEachMember sends system notifications only, not ${String(item.kind)}`);
    }
    if (!UUID.test(item.memberId) || !UUID.test(item.orgId)) throw new Error(`notifyEachMember takes raw ids, got ${item.orgId}/${item.memberId}`);
  }
  if (!notifications.length) return [];
  const active = new Set(
    (
      await tx.execute<Array<{ id: string; org_id: string }>>(
        `select id, org_id from members where id = any(?::uuid[]) and status = 'ACTIVE'`,
        [`{${[...new Set(notifications.map((item) => item.memberId))].join(',')}}`],
      )
    ).map((row) => `${row.org_id}:${row.id}`),
  );
  const rows = notifications
    .filter((item) => active.has(`${item.orgId}:${item.memberId}`))
    .map((item) => ({ ...item, id: randomUUID(), eventId: '' }))
    .sort((a, b) => a.orgId.localeCompare(b.orgId));
  if (!rows.length) return [];
  const events: OrgEvent[] = [];
  for (const orgId of [...new Set(rows.map((row) => row.orgId))]) {
    const ofOrg = rows.filter((row) => row.orgId === orgId);
    const recorded = await recordEvents(tx, hooks, orgId, ofOrg.map((row) => {
      const { orgId: _orgId, ...event } = notificationSentEvent(orgId, row.id);
      return event;
    }));
    ofOrg.forEach((row, index) => (row.eventId = recorded[index]!.id));
    events.push(...recorded);
  }
  const sentAt = new Date().toISOString();
  await tx.execute(
    `with input as materialized (
       select * from jsonb_to_recordset(?::jsonb)
         as r(id uuid, org_id uuid, kind text, title text, body text, data jsonb, audience jsonb, event_id bigint, member_id uuid)
     ),
     notified as (
       insert into notifications (id, org_id, kind, title, body, audience, data, event_id, recipient_count, created_at)
       select id, org_id, kind, title, body, audience, data, event_id, 1, ?::timestamptz from input
     )
     insert into notification_deliveries (notification_id, recipient_id, recipient_type, org_id, id, created_at)
     select id, member_id, 'MEMBER', org_id, gen_random_uuid(), ?::timestamptz from input order by id`,
    [
      JSON.stringify(
        rows.map((row) => ({
          id: row.id,
          org_id: row.orgId,
          kind: row.kind,
          title: cut(row.title.trim() || row.kind, TITLE_MAX),
          body: cut(row.body, BODY_MAX),
          data: row.data ?? {},
          audience: { memberIds: [row.memberId], departmentIds: [], roleIds: [], everyone: false } satisfies StoredAudience,
          event_id: row.eventId,
          member_id: row.memberId,
        })),
      ),
      sentAt,
      sentAt,
    ],
  );
  return events;
}
