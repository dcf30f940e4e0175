import type { EntityManager } from '@mikro-orm/postgresql';
import PgBoss from 'pg-boss';
import type { AppServices } from '../../app';
import type { WebhookSettings } from '../../config';
import { translate, type Locale } from '../../i18n';
import { memberPreferences } from '../accounts/recipient-preferences';
import type { OrgEventType } from '../changes/org-event-type';
import { NotificationKind, notifyMembers } from '../notifications';
import type { CreateLoaders } from '../../graphql/loaders';
import type { EventTopic, OrgEvent } from '../../realtime/events';
import { changesForEndpoint, type EndpointCreator } from './webhook-audience';
import { messageBody, messageIdOf } from './webhook-message';
import { postWebhook, type AttemptResult } from './webhook-http';
import { signedHeaders } from './webhook-signature';

const QUEUE = 'webhook-endpoint';
/** Most deliveries one job makes before it hands the endpoint back to the queue (other endpoints get their turn). */
const DELIVERIES_PER_JOB = 500;
/** Events of the log read per scan. */
const SCAN_BATCH = 200;

/** Where a retry after the n-th failed attempt falls: `min(max, base * 2^(n-1))`, half fixed and half random. */
export function retryDelayMs(settings: Pick<WebhookSettings, 'retryBaseMs' | 'retryMaxMs'>, failedAttempts: number): number {
  const full = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** Math.max(0, failedAttempts - 1));
  return Math.round(full / 2 + Math.random() * (full / 2));
}

/** The endpoint as its lease holder sees it, read again before each delivery (an admin may change it meanwhile). */
interface LeasedEndpoint {
  id: string;
  orgId: string;
  url: string;
  eventTypes: OrgEventType[];
  secrets: string[];
  scannedEventId: string;
  token: string;
  /** Whose view of the org it receives (`webhook-audience.ts`). */
  creator: EndpointCreator;
}

interface PendingDelivery {
  id: string;
  messageId: string;
  eventType: string;
  body: string;
  attemptCount: number;
  nextAttemptAt: Date | null;
  firstAttemptAt: Date | null;
}

/**
 * Delivers the org event log to webhook endpoints, in each process where `WEBHOOK_DELIVERY` is on.
 *
 * - The queue is pg-boss's (`webhook-endpoint`, policy `stately`: per endpoint at most one job waiting and one
 *   running). Every `pollMs` each process sends a job for each enabled endpoint with something to do (events past
 *   its scan position, or a retry due) that no worker holds.
 * - A job first claims its endpoint with a fenced lease: `lease_token` goes up by one and `lease_until` is set a
 *   timeout plus a margin ahead, only if no live lease exists. Every write of the job (new deliveries, an attempt's
 *   result, the scan position) is conditional on its token, so a worker that stalled past its lease and lost it to
 *   another writes nothing more. An event is thus sent twice to one endpoint only when an attempt's outcome was
 *   never recorded (a crash, a lost lease): a retry after an unknown outcome, which receivers drop by `webhook-id`.
 * - In order: the job sends the endpoint's oldest PENDING delivery and nothing after it until it SUCCEEDED or was
 *   given up (FAILED, after `retryWindowMs` of failures; the endpoint is then DISABLED and the org's owners and
 *   admins notified).
 */
export class WebhookWorker {
  private boss: PgBoss | null = null;
  private readonly workerIds: string[] = [];
  private sweepTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly app: AppServices,
    /** The loaders the endpoint creator's audience rules read with (those of an operation). */
    private readonly createLoaders: CreateLoaders,
    private readonly settings: WebhookSettings = app.config.webhooks,
  ) {}

  /** A lease outlives the longest attempt (bounded by the timeout) with room for the writes around it. */
  private get leaseMs(): number {
    return this.settings.timeoutMs * 2 + 5_000;
  }

  async start(): Promise<void> {
    const knex = this.app.orm.em.getConnection().getKnex();
    const client = knex.client as { acquireConnection(): Promise<{ query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> }>; releaseConnection(c: unknown): Promise<void> };
    // pg-boss runs its SQL on the gateway's own pool (also the one connection of the embedded database).
    const db = {
      executeSql: async (text: string, values?: unknown[]) => {
        const connection = await client.acquireConnection();
        try {
          return await connection.query(text, values?.length ? values : undefined);
        } finally {
          await client.releaseConnection(connection);
        }
      },
    };
    const boss = await startBoss(() => {
      // Maintenance (one instance at a time) fails the jobs of a process that died mid-job once they expire; the
      // queue lets no other job of that endpoint run before, so it runs every lease, not every 2 minutes.
      const boss = new PgBoss({ db, schema: 'pgboss', schedule: false, supervise: true, migrate: true, maintenanceIntervalSeconds: Math.max(1, Math.ceil(this.leaseMs / 1000)) });
      boss.on('error', (error) => this.app.logger.warn({ err: error }, 'webhook queue error'));
      return boss;
    });
    if (!(await boss.getQueue(QUEUE))) {
      await boss
        .createQueue(QUEUE, { name: QUEUE, policy: 'stately', retryLimit: 0, expireInSeconds: Math.ceil((this.leaseMs * 2) / 1000) })
        .catch(async (error: unknown) => {
          if (!(await boss.getQueue(QUEUE))) throw error; // another instance created it meanwhile
        });
    }
    this.boss = boss;
    this.stopped = false;
    for (let i = 0; i < this.settings.concurrency; i++) {
      this.workerIds.push(
        await boss.work<{ endpointId: string }>(QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
          if (job) await this.serve(job.data.endpointId);
        }),
      );
    }
    this.scheduleSweep(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.sweepTimer);
    await this.sweeping;
    await this.boss?.stop({ graceful: true, wait: true, close: false, timeout: this.settings.timeoutMs + 5_000 });
    this.boss = null;
  }

  private scheduleSweep(delayMs: number): void {
    if (this.stopped) return;
    this.sweepTimer = setTimeout(() => {
      this.sweeping = this.sweep()
        .then(() => undefined, (error: unknown) => this.app.logger.warn({ err: error }, 'webhook sweep failed'))
        .finally(() => this.scheduleSweep(this.settings.pollMs));
    }, delayMs).unref();
  }

  /** Sends a job for each enabled endpoint with work and no live lease; wakes this process's workers. */
  async sweep(): Promise<number> {
    const boss = this.boss;
    if (!boss) return 0;
    const rows = await this.app.orm.em.fork().getConnection().execute<Array<{ id: string }>>(
      `select w.id from webhook_endpoints w join orgs o on o.id = w.org_id
        where w.status = 'ENABLED' and (w.lease_until is null or w.lease_until < now())
          and (o.last_event_id > w.scanned_event_id
               or exists (select 1 from webhook_deliveries d
                           where d.endpoint_id = w.id and d.status = 'PENDING' and not d.manual
                             and (d.next_attempt_at is null or d.next_attempt_at <= now())))
        limit 1000`,
    );
    let sent = 0;
    for (const { id } of rows) {
      if (await boss.send(QUEUE, { endpointId: id }, { singletonKey: id, retryLimit: 0 })) sent++;
    }
    if (sent) for (const workerId of this.workerIds) boss.notifyWorker(workerId);
    return sent;
  }

  /** One job: claims the endpoint and delivers its events in order until none is due, then lets it go. */
  async serve(endpointId: string): Promise<void> {
    const em = this.app.orm.em.fork();
    const token = await this.claim(em, endpointId);
    if (!token) return;
    let more = false;
    try {
      for (let sent = 0; ; sent++) {
        const endpoint = await this.leased(em, endpointId, token);
        if (!endpoint) return;
        const head = await this.head(em, endpoint);
        if (!head || (head.nextAttemptAt && head.nextAttemptAt.getTime() > Date.now())) return;
        if (sent >= DELIVERIES_PER_JOB) {
          more = true;
          return;
        }
        const result = await postWebhook(
          { url: endpoint.url, headers: signedHeaders(head.messageId, head.body, endpoint.secrets), body: head.body },
          this.settings,
        );
        if (!(await this.record(em, endpoint, head, result)) || !result.succeeded) return;
      }
    } finally {
      await em.getConnection().execute('update webhook_endpoints set lease_until = null where id = ? and lease_token = ?', [endpointId, token]);
      if (more && this.boss) await this.boss.send(QUEUE, { endpointId }, { singletonKey: endpointId, retryLimit: 0 });
    }
  }

  private async claim(em: EntityManager, endpointId: string): Promise<string | null> {
    const [row] = await em.getConnection().execute<Array<{ token: string }>>(
      `update webhook_endpoints set lease_token = lease_token + 1, lease_until = now() + make_interval(secs => ?)
        where id = ? and status = 'ENABLED' and (lease_until is null or lease_until < now())
        returning lease_token::text as token`,
      [this.leaseMs / 1000, endpointId],
    );
    return row?.token ?? null;
  }

  /** The endpoint if this lease still holds it (and renews it), else null. */
  private async leased(em: EntityManager, endpointId: string, token: string): Promise<LeasedEndpoint | null> {
    const [row] = await em.getConnection().execute<
      Array<{
        id: string;
        org_id: string;
        url: string;
        event_types: OrgEventType[];
        secret: string;
        previous_secret: string | null;
        previous_valid: boolean;
        scanned: string;
        created_by_member_id: string | null;
        created_by_api_client_id: string | null;
      }>
    >(
      `update webhook_endpoints set lease_until = now() + make_interval(secs => ?)
        where id = ? and lease_token = ? and status = 'ENABLED'
        returning id, org_id, url, event_types, secret, previous_secret, coalesce(previous_secret_expires_at > now(), false) as previous_valid,
                  scanned_event_id::text as scanned, created_by_member_id, created_by_api_client_id`,
      [this.leaseMs / 1000, endpointId, token],
    );
    if (!row) return null;
    const secrets = [row.secret, ...(row.previous_secret && row.previous_valid ? [row.previous_secret] : [])];
    return {
      id: row.id,
      orgId: row.org_id,
      url: row.url,
      eventTypes: row.event_types,
      secrets,
      scannedEventId: row.scanned,
      token,
      creator: { orgId: row.org_id, memberId: row.created_by_member_id, apiClientId: row.created_by_api_client_id },
    };
  }

  /** The oldest PENDING delivery of the endpoint's stream, turning further events of the log into deliveries as needed. */
  private async head(em: EntityManager, endpoint: LeasedEndpoint): Promise<PendingDelivery | null> {
    let scanned = endpoint.scannedEventId;
    for (;;) {
      const [pending] = await em.getConnection().execute<
        Array<{ id: string; message_id: string; event_type: string; body: string; attempt_count: number; next_attempt_at: Date | null; first_attempt_at: Date | null }>
      >(
        `select id, message_id, event_type, body, attempt_count, next_attempt_at, first_attempt_at from webhook_deliveries
          where endpoint_id = ? and status = 'PENDING' and not manual order by event_id limit 1`,
        [endpoint.id],
      );
      if (pending) {
        return {
          id: pending.id,
          messageId: pending.message_id,
          eventType: pending.event_type,
          body: pending.body,
          attemptCount: pending.attempt_count,
          nextAttemptAt: pending.next_attempt_at ? new Date(pending.next_attempt_at) : null,
          firstAttemptAt: pending.first_attempt_at ? new Date(pending.first_attempt_at) : null,
        };
      }
      const next = await this.scan(em, endpoint, scanned);
      if (next === null) return null;
      scanned = next;
    }
  }

  /**
   * Turns the next events of the log after `after` into deliveries of the endpoint (those of its types that its
   * creator may receive through `orgChanges`, judged once for the batch) and moves its scan position past them all,
   * the withheld ones too, in one transaction under the lease. Null when the log has nothing further.
   */
  private async scan(em: EntityManager, endpoint: LeasedEndpoint, after: string): Promise<string | null> {
    const rows = await em.getConnection().execute<Array<{ id: string; topic: EventTopic; type: string; payload: Record<string, unknown>; department_ids: string[]; created_at: Date }>>(
      // Ordered by the bigint, not by the text it is selected as.
      `select e.id::text as id, e.topic, e.type, e.payload, e.department_ids, e.created_at from org_events e
        where e.org_id = ? and e.id > ? order by e.id limit ?`,
      [endpoint.orgId, after, SCAN_BATCH],
    );
    if (rows.length === 0) return null;
    const events: OrgEvent[] = rows.map((row) => ({
      orgId: endpoint.orgId,
      id: row.id,
      topic: row.topic,
      type: row.type,
      payload: row.payload,
      departmentIds: row.department_ids,
      recipientPhone: null,
      recipientEmail: null,
      createdAt: new Date(row.created_at).toISOString(),
    }));
    // A fresh EntityManager: the creator's rows and grants as they are now, not as an earlier scan of this job read them.
    const received = await changesForEndpoint(this.app.orm.em.fork(), this.app.contributions, this.createLoaders, endpoint.creator, events, new Set(endpoint.eventTypes));
    const deliveries = received.flatMap(({ event }) => {
      const message = messageBody(event);
      return message ? [{ eventId: event.id, messageId: messageIdOf(endpoint.orgId, event.id), type: message.type, body: message.body }] : [];
    });
    const last = rows.at(-1)!.id;
    const moved = await em.transactional(async (tx) => {
      const [fenced] = await tx.getConnection().execute<Array<{ id: string }>>(
        'update webhook_endpoints set scanned_event_id = ? where id = ? and lease_token = ? and scanned_event_id = ? returning id',
        [last, endpoint.id, endpoint.token, after],
        'all',
        tx.getTransactionContext(),
      );
      if (!fenced) return false;
      if (deliveries.length) {
        await tx.getConnection().execute(
          `insert into webhook_deliveries (id, org_id, endpoint_id, event_id, message_id, event_type, body)
           select gen_random_uuid(), ?, ?, d.event_id, d.message_id, d.event_type, d.body
             from jsonb_to_recordset(?::jsonb) as d(event_id bigint, message_id text, event_type text, body text)
           on conflict (endpoint_id, event_id) where not manual do nothing`,
          [endpoint.orgId, endpoint.id, JSON.stringify(deliveries.map((d) => ({ event_id: d.eventId, message_id: d.messageId, event_type: d.type, body: d.body })))],
          'all',
          tx.getTransactionContext(),
        );
      }
      return true;
    });
    return moved ? last : null;
  }

  /**
   * Records an attempt and what follows from it, under the lease: SUCCEEDED; or PENDING with the next attempt's time;
   * or, past the retry window, FAILED with the endpoint DISABLED and its org's owners and admins notified. False
   * when the lease was lost (nothing is written: the new holder sends the delivery again).
   */
  private async record(em: EntityManager, endpoint: LeasedEndpoint, delivery: PendingDelivery, result: AttemptResult): Promise<boolean> {
    const firstAttemptAt = delivery.firstAttemptAt ?? result.attemptedAt;
    const attempts = delivery.attemptCount + 1;
    const givenUp = !result.succeeded && Date.now() - firstAttemptAt.getTime() >= this.settings.retryWindowMs;
    const status = result.succeeded ? 'SUCCEEDED' : givenUp ? 'FAILED' : 'PENDING';
    const nextAttemptAt = status === 'PENDING' ? new Date(Date.now() + retryDelayMs(this.settings, attempts)) : null;
    if (!givenUp) {
      // The common case in one statement (atomic as a transaction, one round trip): fence, attempt, delivery.
      const [row] = await em.getConnection().execute<Array<{ fenced: number }>>(
        `with fence as (
           update webhook_endpoints set lease_until = now() + make_interval(secs => ?) where id = ? and lease_token = ? returning id
         ), attempt as (
           insert into webhook_attempts (id, org_id, delivery_id, attempted_at, succeeded, latency_ms, response_status, response_body, error)
           select gen_random_uuid(), ?::uuid, ?::uuid, ?::timestamptz, ?::boolean, ?::int, ?::int, ?::text, ?::text from fence
         ), delivery as (
           update webhook_deliveries set status = ?, attempt_count = ?, first_attempt_at = ?, last_attempt_at = ?, next_attempt_at = ?
            where id = ? and exists (select 1 from fence)
         )
         select count(*)::int as fenced from fence`,
        [
          this.leaseMs / 1000,
          endpoint.id,
          endpoint.token,
          endpoint.orgId,
          delivery.id,
          result.attemptedAt,
          result.succeeded,
          result.latencyMs,
          result.responseStatus,
          result.responseBody?.replace(/\u0000/g, '') ?? null,
          result.error,
          status,
          attempts,
          firstAttemptAt,
          result.attemptedAt,
          nextAttemptAt,
          delivery.id,
        ],
      );
      return row!.fenced === 1;
    }
    return em.transactional(async (tx) => {
      const connection = tx.getConnection();
      const context = tx.getTransactionContext();
      const [fenced] = await connection.execute<Array<{ id: string }>>(
        `update webhook_endpoints set lease_until = now() + make_interval(secs => ?)${givenUp ? `, status = 'DISABLED', disabled_at = now(), disabled_reason = ?, updated_at = now()` : ''}
          where id = ? and lease_token = ? returning id`,
        givenUp
          ? [this.leaseMs / 1000, `${delivery.eventType} event ${delivery.messageId} failed for the whole retry window: ${result.error ?? 'no 2xx'}`.slice(0, 500), endpoint.id, endpoint.token]
          : [this.leaseMs / 1000, endpoint.id, endpoint.token],
        'all',
        context,
      );
      if (!fenced) return false;
      await insertAttempt(tx, endpoint.orgId, delivery.id, result);
      await connection.execute(
        `update webhook_deliveries set status = ?, attempt_count = ?, first_attempt_at = ?, last_attempt_at = ?, next_attempt_at = ? where id = ?`,
        [status, attempts, firstAttemptAt, result.attemptedAt, nextAttemptAt, delivery.id],
        'all',
        context,
      );
      if (givenUp) await this.notifyDisabled(tx, endpoint, delivery);
      return true;
    });
  }

  private async notifyDisabled(tx: EntityManager, endpoint: LeasedEndpoint, delivery: PendingDelivery): Promise<void> {
    const admins = await tx.getConnection().execute<Array<{ id: string }>>(
      `select distinct m.id from members m join member_roles mr on mr.member_id = m.id join roles r on r.id = mr.role_id
        where m.org_id = ? and m.status = 'ACTIVE' and r.builtin in ('OWNER', 'ADMIN')`,
      [endpoint.orgId],
      'all',
      tx.getTransactionContext(),
    );
    this.app.logger.warn({ endpointId: endpoint.id, orgId: endpoint.orgId, messageId: delivery.messageId }, 'webhook endpoint disabled after its retry window');
    // One notification per language the admins read (their saved locale, else the org's).
    const preferences = await memberPreferences(tx, endpoint.orgId, admins.map((row) => row.id));
    const byLocale = new Map<Locale, string[]>();
    for (const { id } of admins) {
      const locale = preferences.get(id)?.locale ?? 'en';
      byLocale.set(locale, [...(byLocale.get(locale) ?? []), id]);
    }
    for (const [locale, memberIds] of byLocale) {
      await notifyMembers(tx, this.app, {
        orgId: endpoint.orgId,
        kind: NotificationKind.WEBHOOK_DISABLED,
        title: translate(locale, 'notifications.webhookDisabled.title'),
        body: translate(locale, 'notifications.webhookDisabled.body', { url: endpoint.url }),
        memberIds,
        data: { webhookEndpointId: Buffer.from(`WebhookEndpoint:${endpoint.id}`).toString('base64url'), messageId: delivery.messageId },
      });
    }
  }
}

/**
 * Starts pg-boss. Instances starting together on a new database both try to create its schema and one fails;
 * a fresh instance (a failed start cannot be retried) then finds the schema made.
 */
async function startBoss(make: () => PgBoss): Promise<PgBoss> {
  for (let attempt = 1; ; attempt++) {
    const boss = make();
    try {
      await boss.start();
      return boss;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200 * attempt + Math.random() * 300));
    }
  }
}

/** Writes one attempt's row (inside the caller's transaction). */
export async function insertAttempt(tx: EntityManager, orgId: string, deliveryId: string, result: AttemptResult): Promise<void> {
  await tx.getConnection().execute(
    `insert into webhook_attempts (id, org_id, delivery_id, attempted_at, succeeded, latency_ms, response_status, response_body, error)
     values (gen_random_uuid(), ?, ?, ?, ?, ?, ?, ?, ?)`,
    [orgId, deliveryId, result.attemptedAt, result.succeeded, result.latencyMs, result.responseStatus, result.responseBody?.replace(/\u0000/g, '') ?? null, result.error],
    'all',
    tx.getTransactionContext(),
  );
}
