import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { DEFAULT_OUTBOX_LEASE_MS, DEFAULT_OUTBOX_RETRY, type OutboxRetryPolicy } from '../../config';
import type { Orm } from '../../db/orm';
import { PeriodicJob } from '../../jobs/periodic-job';
import type { EventBus } from '../../realtime/event-bus';
import { ContributionKind, Contributions } from '../../contributions';
import { recordedEventsHooks, recordEvent, type NewOrgEvent, type OrgEvent } from '../../realtime/events';

export interface OutboundMessage {
  id: string;
  channel: 'SMS' | 'EMAIL';
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
}

/** Sends one message; throws when it could not (it is tried again later, see `OutboxRetryPolicy`). */
export interface DeliveryAdapter {
  deliver(message: OutboundMessage): Promise<void>;
}

/** The default adapter: writes each message to the log instead of sending it. */
export class LogDeliveryAdapter implements DeliveryAdapter {
  constructor(private readonly logger: Logger) {}

  async deliver(message: OutboundMessage): Promise<void> {
    this.logger.info({ outbox: message }, `outbound ${message.channel} to ${message.recipient}`);
  }
}

/** A message the dispatcher gave up on (its attempts kept failing for the retry horizon). */
export interface DeliveryFailure {
  messageId: string;
  orgId: string | null;
  invitationId: string | null;
  channel: 'SMS' | 'EMAIL';
  recipient: string;
  template: string;
  /** The adapter's error message of the last attempt. */
  error: string;
}

/**
 * Runs once per message given up on, in the transaction that marks it FAILED, in a savepoint: throwing undoes only the
 * hook's own writes (and is logged). `emit` appends to the org event log; the events are published after commit.
 */
export type DeliveryFailureHook = (tx: EntityManager, failure: DeliveryFailure, emit: (event: NewOrgEvent) => Promise<OrgEvent>) => Promise<void>;

/** How a module reacts when a message it queued is given up on (e.g. invitations become FAILED); see `src/modules.ts`. */
export const deliveryFailureHooks = new ContributionKind<DeliveryFailureHook>('deliveryFailureHooks');

const DEFAULT_BATCH = 20;

export interface OutboxDispatcherOptions {
  /** Pause between polls, ms; 0 or less: `start` does nothing (tests call `drainOnce`). */
  pollMs: number;
  /** Default: the log adapter. */
  adapter?: DeliveryAdapter;
  /** Publishes the events failure hooks emit; without it they are only in the log (subscribers replay them). */
  eventBus?: EventBus;
  /** Default `DEFAULT_OUTBOX_RETRY`: from 10 s, doubling to 30 min, given up on after 6 hours. */
  retry?: OutboxRetryPolicy;
  /** How long a claim on a batch lasts, ms (default 5 min); see `Config.outboxLeaseMs`. */
  leaseMs?: number;
  /** Most messages claimed at once (20). */
  batchSize?: number;
  /** Counts each attempt by outcome (`orggraph_outbox_attempts_total`). */
  metrics?: { outboxAttempts: { inc(labels: { channel: string; outcome: 'sent' | 'retry' | 'failed' }): void } };
  /** The modules' hooks: `deliveryFailureHooks` for each message given up on, and those of the events they record. None by default. */
  contributions?: Contributions;
}

interface ClaimedMessage extends OutboundMessage {
  org_id: string | null;
  invitation_id: string | null;
  /** This attempt included. */
  attempts: number;
}

/**
 * The pause before the next attempt after `failedAttempts` failures: `min(maxMs, baseMs * 2^(failedAttempts-1))`, half
 * of it fixed and half random ("equal jitter": the pauses still grow, and messages that failed together spread out).
 */
export function retryDelayMs(policy: OutboxRetryPolicy, failedAttempts: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(Math.max(failedAttempts - 1, 0), 40));
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * Drains the outbox after commit, claim-then-send, so that no transaction or row lock is held while a mail server
 * takes its time:
 *
 * 1. claim: one committed statement takes up to a batch of due PENDING messages (`for update skip locked`, so
 *    dispatchers on several instances take different rows), stamps them with a fresh `claim_token` and moves their
 *    `next_attempt_at` a lease ahead, so no other dispatcher takes them meanwhile;
 * 2. send, outside any transaction; no send is started in the second half of the lease (the rest is handed back);
 * 3. mark, only where `claim_token` is still this claim's: SENT, or PENDING again with a backed-off `next_attempt_at`,
 *    or FAILED once the message has been failing for the retry horizon, running the failure hooks in that same
 *    transaction. So each message is marked once and its hooks run once, whichever instances poll.
 *
 * Delivery is at least once: a process that dies (or stalls past its lease) between the send and the mark leaves the
 * message to be claimed and sent again when the lease runs out. SMTP offers nothing better.
 */
export class OutboxDispatcher {
  private readonly job: PeriodicJob;
  private readonly adapter: DeliveryAdapter;
  private readonly retry: OutboxRetryPolicy;
  private readonly leaseMs: number;
  private readonly batchSize: number;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
    private readonly options: OutboxDispatcherOptions,
  ) {
    this.adapter = options.adapter ?? new LogDeliveryAdapter(logger);
    this.retry = options.retry ?? DEFAULT_OUTBOX_RETRY;
    this.leaseMs = options.leaseMs ?? DEFAULT_OUTBOX_LEASE_MS;
    this.batchSize = options.batchSize ?? DEFAULT_BATCH;
    this.job = new PeriodicJob({
      name: 'outbox',
      intervalMs: options.pollMs,
      logger,
      // A full batch: more are probably due, so poll again at once.
      tick: async () => (await this.drainOnce()) >= this.batchSize,
    });
  }

  start(): void {
    this.job.start();
  }

  /** Stops polling; waits for the batch in flight (its sends and marks). */
  async stop(): Promise<void> {
    await this.job.stop();
  }

  /** Claims up to one batch of due messages and sends them; returns how many were claimed. */
  async drainOnce(): Promise<number> {
    const token = randomUUID();
    const claimedAt = Date.now();
    const rows = await this.claim(token);
    let handled = 0;
    try {
      for (const { org_id, invitation_id, attempts, ...message } of rows) {
        if (Date.now() - claimedAt > this.leaseMs / 2) break; // handed back below
        let error: unknown;
        try {
          await this.adapter.deliver(message);
        } catch (caught) {
          error = caught ?? new Error('delivery failed');
        }
        if (error === undefined) {
          await this.markSent(token, message.id);
          this.options.metrics?.outboxAttempts.inc({ channel: message.channel, outcome: 'sent' });
        } else {
          const reason = String((error as Error)?.message ?? error);
          const gaveUp = await this.markFailed(token, attempts, { ...message, messageId: message.id, orgId: org_id, invitationId: invitation_id, error: reason });
          this.options.metrics?.outboxAttempts.inc({ channel: message.channel, outcome: gaveUp ? 'failed' : 'retry' });
        }
        handled++;
      }
    } finally {
      if (handled < rows.length) await this.release(token);
    }
    return rows.length;
  }

  private async claim(token: string): Promise<ClaimedMessage[]> {
    const rows: ClaimedMessage[] = await this.orm.em.fork().getConnection().execute(
      `update outbox_messages m
          set claim_token = ?, attempts = m.attempts + 1, next_attempt_at = now() + ?::float8 * interval '1 millisecond'
         from (select id from outbox_messages
                where status = 'PENDING' and next_attempt_at <= now()
                order by next_attempt_at, id limit ? for update skip locked) due
        where m.id = due.id
        returning m.id, m.channel, m.recipient, m.template, m.payload, m.org_id, m.invitation_id, m.attempts`,
      [token, this.leaseMs, this.batchSize],
    );
    return rows.sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1));
  }

  private async markSent(token: string, id: string): Promise<void> {
    // Not conditional on PENDING: a message cancelled while it was being sent did go out, and says so.
    const result = await this.orm.em.fork().getConnection().execute<{ affectedRows: number }>(
      `update outbox_messages set status = 'SENT', sent_at = now(), claim_token = null where id = ? and claim_token = ?`,
      [id, token],
      'run',
    );
    if (result.affectedRows === 0) this.logger.warn({ messageId: id }, 'outbox message sent after its claim ran out: it may be sent twice');
  }

  /** True when the message is given up on (FAILED). */
  private async markFailed(token: string, attempts: number, failure: DeliveryFailure): Promise<boolean> {
    const events: OrgEvent[] = [];
    let gaveUp = false;
    const pauseMs = retryDelayMs(this.retry, attempts);
    await this.orm.em.fork().transactional(async (tx) => {
      // In SET every column reads its value before the update: `coalesce(failing_since, now())` is the first failure.
      const [updated] = await tx.getConnection().execute<Array<{ status: string }>>(
        `update outbox_messages
            set last_error = ?, claim_token = null, failing_since = coalesce(failing_since, now()),
                status = case when coalesce(failing_since, now()) + ?::float8 * interval '1 millisecond' <= now() then 'FAILED' else 'PENDING' end,
                next_attempt_at = least(now() + ?::float8 * interval '1 millisecond',
                                        coalesce(failing_since, now()) + ?::float8 * interval '1 millisecond')
          where id = ? and claim_token = ? and status = 'PENDING'
          returning status`,
        [failure.error, this.retry.horizonMs, pauseMs, this.retry.horizonMs, failure.messageId, token],
        'all',
        tx.getTransactionContext(),
      );
      gaveUp = updated?.status === 'FAILED';
      if (gaveUp) await this.runFailureHooks(tx, failure, events);
    });
    if (events.length) this.options.eventBus?.publish(events);
    return gaveUp;
  }

  /** Hands back what this claim did not get to (a batch cut short by its lease, or by an error): due again at once. */
  private async release(token: string): Promise<void> {
    try {
      await this.orm.em.fork().getConnection().execute(
        `update outbox_messages set claim_token = null, attempts = attempts - 1, next_attempt_at = now()
          where claim_token = ? and status = 'PENDING'`,
        [token],
        'run',
      );
    } catch (error) {
      // Postgres is unreachable, say: the messages come back when the lease runs out.
      this.logger.warn({ err: error }, 'outbox claim not handed back');
    }
  }

  private async runFailureHooks(tx: EntityManager, failure: DeliveryFailure, events: OrgEvent[]): Promise<void> {
    const contributions = this.options.contributions ?? new Contributions([]);
    for (const hook of contributions.of(deliveryFailureHooks)) {
      const emitted: OrgEvent[] = [];
      try {
        await tx.transactional((inner) =>
          hook(inner, failure, async (event) => {
            const stored = await recordEvent(inner, contributions.of(recordedEventsHooks), event);
            emitted.push(stored);
            return stored;
          }),
        );
        events.push(...emitted);
      } catch (error) {
        this.logger.error({ err: error, messageId: failure.messageId }, 'delivery failure hook failed');
      }
    }
  }
}
