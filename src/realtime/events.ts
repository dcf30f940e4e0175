import type { EntityManager } from '@mikro-orm/postgresql';
import { ContributionKind, type Contributions } from '../contributions';
import { nativeQuery } from '../db/native-sql';

/** Streams of the org event log; subscriptions are keyed by them. */
export enum EventTopic {
  INVITATION = 'INVITATION',
  MEMBER = 'MEMBER',
  IMPORT = 'IMPORT',
  /** One event per notification sent (payload `{notificationId}`), whatever its number of recipients. */
  NOTIFICATION = 'NOTIFICATION',
  DEPARTMENT = 'DEPARTMENT',
  /** Roles, role groups and grants (assignments, revocations, scope changes). */
  ROLE = 'ROLE',
  /** The org's settings. */
  ORG = 'ORG',
  CONTACT = 'CONTACT',
  /** Contact tags and tag groups. */
  TAG = 'TAG',
  CONTACT_GROUP = 'CONTACT_GROUP',
  EXTERNAL_GROUP = 'EXTERNAL_GROUP',
}

export interface NewOrgEvent {
  orgId: string;
  topic: EventTopic;
  /** e.g. `SENT`, `ACCEPTED`, `JOINED`. */
  type: string;
  /** Plain JSON: raw ids and ISO dates. */
  payload: Record<string, unknown>;
  /** Departments the event concerns: a SUB_ADMIN receives it only when one is in scope. Empty: org-wide. */
  departmentIds?: string[];
  /** For events addressed to a person (their invitation): delivered to the user who verified this phone or email. */
  recipientPhone?: string | null;
  recipientEmail?: string | null;
}

export interface OrgEvent extends Required<NewOrgEvent> {
  /** Increases by one per org, in commit order (see `recordEvent`). */
  id: string;
  createdAt: string;
}

/**
 * An event as a gateway process got it (from Redis or from the log), with the local monotonic time
 * (`performance.now()`) when it did: it had committed by then, so anything read after that is at least as fresh.
 */
export interface ReceivedEvent extends OrgEvent {
  receivedAt: number;
}

/**
 * Runs inside the transaction that recorded `events`, right after they were appended: lets another module react to
 * events atomically (the notifications module turns INVITATION SENT events into notifications for the invitee).
 * Throwing aborts the transaction.
 */
export type RecordedEventsHook = (tx: EntityManager, events: OrgEvent[]) => Promise<void>;

/** The modules' `RecordedEventsHook`s (see `src/modules.ts`): whoever records events passes them along. */
export const recordedEventsHooks = new ContributionKind<RecordedEventsHook>('recordedEventsHooks');

async function runRecordedEventsHooks(tx: EntityManager, hooks: readonly RecordedEventsHook[], events: OrgEvent[]): Promise<void> {
  for (const hook of hooks) await hook(tx, events);
}

/**
 * Appends an event to the org's log inside the caller's transaction. The per-org counter row stays locked until
 * commit, so events of one org commit in id order: a subscriber resuming `after: n` can never miss an event that
 * commits later with a smaller id.
 */
export async function recordEvent(tx: EntityManager, hooks: readonly RecordedEventsHook[], event: NewOrgEvent): Promise<OrgEvent> {
  const connection = tx.getConnection();
  const context = tx.getTransactionContext();
  if (!context) throw new Error('recordEvent must run inside a transaction');
  const [row] = await connection.execute<Array<{ id: string; created_at: Date }>>(
    `with next as (update orgs set last_event_id = last_event_id + 1 where id = ? returning id as org_id, last_event_id as id)
     insert into org_events (org_id, id, topic, type, payload, department_ids, recipient_phone, recipient_email)
     select next.org_id, next.id, ?, ?, ?::jsonb, ?::jsonb, ?, ? from next
     returning id::text as id, created_at`,
    [
      event.orgId,
      event.topic,
      event.type,
      JSON.stringify(event.payload),
      JSON.stringify(event.departmentIds ?? []),
      event.recipientPhone ?? null,
      event.recipientEmail ?? null,
    ],
    'all',
    context,
  );
  if (!row) throw new Error(`org ${event.orgId} not found for event`);
  const stored: OrgEvent = {
    departmentIds: [],
    recipientPhone: null,
    recipientEmail: null,
    ...event,
    id: row.id,
    createdAt: new Date(row.created_at).toISOString(),
  };
  await runRecordedEventsHooks(tx, hooks, [stored]);
  return stored;
}

/**
 * Appends many events in one statement (bulk imports): ids are reserved from the org counter in one step, so they
 * stay contiguous and in commit order like `recordEvent`'s.
 */
export async function recordEvents(
  tx: EntityManager,
  hooks: readonly RecordedEventsHook[],
  orgId: string,
  events: Array<Omit<NewOrgEvent, 'orgId'>>,
): Promise<OrgEvent[]> {
  if (events.length === 0) return [];
  const context = tx.getTransactionContext();
  if (!context) throw new Error('recordEvents must run inside a transaction');
  // Parameters apart from the text: a bulk import records a thousand events at once.
  const rows = await nativeQuery<{ id: string; created_at: Date }>(
    tx,
    `with reserved as (update orgs set last_event_id = last_event_id + $1 where id = $2 returning last_event_id - $1 as base),
          input as (select * from jsonb_array_elements($3::jsonb) with ordinality as e(value, n))
     insert into org_events (org_id, id, topic, type, payload, department_ids, recipient_phone, recipient_email)
     select $2, reserved.base + input.n, input.value->>'topic', input.value->>'type', input.value->'payload',
            coalesce(input.value->'departmentIds', '[]'::jsonb), input.value->>'recipientPhone', input.value->>'recipientEmail'
       from reserved, input
     returning id::text as id, created_at`,
    [events.length, orgId, JSON.stringify(events)],
  );
  if (rows.length !== events.length) throw new Error(`org ${orgId} not found for events`);
  const byOrder = rows.sort((a, b) => Number(a.id) - Number(b.id));
  const stored = events.map((event, index) => ({
    departmentIds: [],
    recipientPhone: null,
    recipientEmail: null,
    ...event,
    orgId,
    id: byOrder[index]!.id,
    createdAt: new Date(byOrder[index]!.created_at).toISOString(),
  }));
  await runRecordedEventsHooks(tx, hooks, stored);
  return stored;
}

/** What `withEvents` needs of the gateway: the bus to publish on, and the modules' hooks. */
export interface EventServices {
  eventBus: { publish(events: OrgEvent[]): void };
  contributions: Contributions;
}

/** Records an event in the transaction of `withEvents`; it is published once that transaction commits. */
export type EmitEvent = (event: NewOrgEvent) => Promise<OrgEvent>;

/**
 * Runs `work` in one transaction with an `emit` that records events in it; once the transaction has committed,
 * the events are published for live delivery. A failed publish loses nothing: the log is the source of truth and
 * subscribers catch up from it.
 */
export async function withEvents<T>(
  em: EntityManager,
  app: EventServices,
  work: (tx: EntityManager, emit: EmitEvent) => Promise<T>,
): Promise<T> {
  const recorded: OrgEvent[] = [];
  const result = await em.transactional((tx) =>
    work(tx, async (event) => {
      const stored = await recordEvent(tx, app.contributions.of(recordedEventsHooks), event);
      recorded.push(stored);
      return stored;
    }),
  );
  if (recorded.length) app.eventBus.publish(recorded);
  return result;
}
