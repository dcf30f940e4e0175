import type { EntityManager } from '@mikro-orm/postgresql';
import type { EventTopic, ReceivedEvent } from './events';
import type { Recipient } from './event-bus';

interface EventRow {
  org_id: string;
  id: string;
  topic: string;
  type: string;
  payload: Record<string, unknown>;
  department_ids: string[];
  recipient_phone: string | null;
  recipient_email: string | null;
  created_at: Date;
}

const EVENT_COLUMNS = 'e.org_id, e.id::text as id, e.topic, e.type, e.payload, e.department_ids, e.recipient_phone, e.recipient_email, e.created_at';

function toEvent(row: EventRow, receivedAt: number): ReceivedEvent {
  return {
    receivedAt,
    orgId: row.org_id,
    id: row.id,
    topic: row.topic as EventTopic,
    type: row.type,
    payload: row.payload,
    departmentIds: row.department_ids,
    recipientPhone: row.recipient_phone,
    recipientEmail: row.recipient_email,
    createdAt: new Date(row.created_at).toISOString(),
  };
}

/** The newest committed event id of each org (one query, for the periodic sweep). */
export async function lastOrgEventIds(em: EntityManager, orgIds: string[]): Promise<Map<string, number>> {
  if (orgIds.length === 0) return new Map();
  const rows = await em
    .getConnection()
    .execute<Array<{ id: string; last: string }>>('select id, last_event_id::text as last from orgs where id = any(array[?]::uuid[])', [orgIds]);
  return new Map(rows.map((row) => [row.id, Number(row.last)]));
}

/**
 * Up to `limit` events of `topics` with id > `after`, in id order, and the org's newest committed id, both read
 * in one statement (one snapshot): when fewer than `limit` come back, every event up to `lastId` has been seen.
 */
export async function readOrgEvents(
  em: EntityManager,
  orgId: string,
  after: number,
  topics: EventTopic[],
  limit: number,
): Promise<{ events: ReceivedEvent[]; lastId: number }> {
  const rows = await em.getConnection().execute<Array<EventRow & { last_id: string }>>(
    `select o.last_event_id::text as last_id, ${EVENT_COLUMNS}
       from orgs o
       left join lateral (
         select * from org_events x
          where x.org_id = o.id and x.id > ? and x.topic = any(array[?]::text[])
          order by x.id limit ?
       ) e on true
      where o.id = ?
      order by e.id`,
    [after, topics, limit, orgId],
  );
  const lastId = rows[0] ? Number(rows[0].last_id) : after;
  const readAt = performance.now();
  return { events: rows.filter((row) => row.id !== null).map((row) => toEvent(row, readAt)), lastId };
}

/**
 * Up to `limit` events whose `<topic>_<type>` is one of `kinds`, with id > `after`, in id order, and the org's newest
 * committed id, both in one statement (one snapshot), as `readOrgEvents`. Null for an unknown org.
 */
export async function readOrgEventsOfKinds(
  em: EntityManager,
  orgId: string,
  after: number,
  kinds: readonly string[],
  limit: number,
): Promise<{ events: ReceivedEvent[]; lastId: number } | null> {
  const rows = await em.getConnection().execute<Array<EventRow & { last_id: string }>>(
    `select o.last_event_id::text as last_id, ${EVENT_COLUMNS}
       from orgs o
       left join lateral (
         select * from org_events x
          where x.org_id = o.id and x.id > ? and (x.topic || '_' || x.type) = any(array[?]::text[])
          order by x.id limit ?
       ) e on true
      where o.id = ?
      order by e.id`,
    [after, [...kinds], limit, orgId],
  );
  if (!rows[0]) return null;
  const readAt = performance.now();
  return { events: rows.filter((row) => row.id !== null).map((row) => toEvent(row, readAt)), lastId: Number(rows[0].last_id) };
}

/**
 * Where a cross-org stream stands: every event visible in the Postgres snapshot `snapshot` has been delivered,
 * and so has, for each org in `positions`, every event up to that id. Per-org ids commit in order, so what a
 * snapshot sees of one org is a prefix of its ids, and `positions` extends that prefix exactly.
 */
export interface SnapshotPosition {
  snapshot: string;
  positions: Record<string, number>;
}

/** The current snapshot (`xmin:xmax:xip,...`): "everything committed so far". */
export async function currentSnapshot(em: EntityManager): Promise<string> {
  const [row] = await em.getConnection().execute<Array<{ snapshot: string }>>('select pg_current_snapshot()::text as snapshot');
  return row!.snapshot;
}

function recipientValues(recipients: Recipient[]): { phones: string[]; emails: string[] } {
  return {
    phones: recipients.filter((r) => r.kind === 'phone').map((r) => r.value),
    emails: recipients.filter((r) => r.kind === 'email').map((r) => r.value.toLowerCase()),
  };
}

/**
 * Events of `topic` addressed to any of `recipients` that `from` has not covered, up to `limit`, ordered by org
 * then id (so per-org positions stay prefixes), with the snapshot they were read in: once all of them are
 * delivered, `{ snapshot, positions: {} }` describes the stream exactly.
 */
export async function readRecipientEvents(
  em: EntityManager,
  recipients: Recipient[],
  topic: EventTopic,
  from: SnapshotPosition,
  limit: number,
): Promise<{ events: ReceivedEvent[]; snapshot: string }> {
  const { phones, emails } = recipientValues(recipients);
  const rows = await em.getConnection().execute<Array<EventRow & { snapshot: string }>>(
    `with snap as (select pg_current_snapshot() as s)
     select snap.s::text as snapshot, e.*
       from snap
       left join lateral (
         select ${EVENT_COLUMNS}
           from org_events e
          where (e.recipient_phone = any(array[?]::text[]) or lower(e.recipient_email) = any(array[?]::text[]))
            and e.topic = ?
            and e.tx_id >= pg_snapshot_xmin(?::pg_snapshot)
            and not pg_visible_in_snapshot(e.tx_id, ?::pg_snapshot)
            and e.id > coalesce((?::jsonb ->> e.org_id::text)::bigint, 0)
          order by e.org_id, e.id
          limit ?
       ) e on true`,
    [phones, emails, topic, from.snapshot, from.snapshot, JSON.stringify(from.positions), limit],
  );
  const readAt = performance.now();
  return { events: rows.filter((row) => row.id !== null).map((row) => toEvent(row, readAt)), snapshot: rows[0]!.snapshot };
}

/**
 * Which of `recipients` received events committed after `since` (a snapshot), and the current snapshot: one query
 * per sweep, so a publish lost on the way to Redis still reaches `myInvitations` subscribers.
 */
export async function recipientsWithEventsSince(
  em: EntityManager,
  recipients: Recipient[],
  since: string,
): Promise<{ hits: Recipient[]; snapshot: string }> {
  const { phones, emails } = recipientValues(recipients);
  const rows = await em.getConnection().execute<Array<{ snapshot: string; phone: string | null; email: string | null }>>(
    `with snap as (select pg_current_snapshot() as s)
     select snap.s::text as snapshot, hit.phone, hit.email
       from snap
       left join lateral (
         select distinct e.recipient_phone as phone, lower(e.recipient_email) as email
           from org_events e
          where (e.recipient_phone = any(array[?]::text[]) or lower(e.recipient_email) = any(array[?]::text[]))
            and e.tx_id >= pg_snapshot_xmin(?::pg_snapshot)
            and not pg_visible_in_snapshot(e.tx_id, ?::pg_snapshot)
       ) hit on true`,
    [phones, emails, since, since],
  );
  const hits: Recipient[] = [];
  for (const row of rows) {
    if (row.phone) hits.push({ kind: 'phone', value: row.phone });
    if (row.email) hits.push({ kind: 'email', value: row.email });
  }
  return { hits, snapshot: rows[0]!.snapshot };
}
