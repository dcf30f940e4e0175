import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { Orm } from '../../db/orm';
import type { EventBus } from '../../realtime/event-bus';
import { recordEvent, type NewOrgEvent, type OrgEvent } from '../../realtime/events';

export interface OutboundMessage {
  id: string;
  channel: 'SMS' | 'EMAIL';
  recipient: string;
  template: string;
  payload: Record<string, unknown>;
}

/** Sends one message; throws to mark it FAILED with the error's message. */
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

/** A message the dispatcher gave up on (its last attempt failed). */
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
 * Runs in the dispatcher's transaction, in a savepoint: throwing undoes only the hook's own writes (and is logged).
 * `emit` appends to the org event log; the events are published after the dispatcher's commit.
 */
export type DeliveryFailureHook = (tx: EntityManager, failure: DeliveryFailure, emit: (event: NewOrgEvent) => Promise<OrgEvent>) => Promise<void>;

const failureHooks: DeliveryFailureHook[] = [];

/** Lets a module react when a message it queued is given up on (e.g. invitations become FAILED). Register at module load. */
export function onDeliveryFailure(hook: DeliveryFailureHook): void {
  failureHooks.push(hook);
}

export const MAX_DELIVERY_ATTEMPTS = 5;
const BATCH = 100;

interface ClaimedMessage extends OutboundMessage {
  org_id: string | null;
  invitation_id: string | null;
}

/**
 * Drains the outbox after commit. Rows are claimed with `for update skip locked`, so several gateway
 * instances can run dispatchers side by side without sending a message twice.
 */
export class OutboxDispatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly orm: Orm,
    private readonly logger: Logger,
    private readonly pollMs: number,
    private readonly adapter: DeliveryAdapter = new LogDeliveryAdapter(logger),
    /** Publishes the events failure hooks emit; without it they are only in the log (subscribers replay them). */
    private readonly eventBus?: EventBus,
  ) {}

  start(): void {
    if (this.pollMs <= 0) return;
    const tick = () => {
      this.running = this.drainOnce()
        .then(() => undefined)
        .catch((error) => this.logger.warn({ err: error }, 'outbox drain failed'))
        .finally(() => {
          if (this.timer) this.timer = setTimeout(tick, this.pollMs).unref();
        });
    };
    this.timer = setTimeout(tick, this.pollMs).unref();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Sends up to one batch of pending messages; returns how many were handled. */
  async drainOnce(): Promise<number> {
    const em = this.orm.em.fork();
    const events: OrgEvent[] = [];
    const handled = await em.transactional(async (tx) => {
      const connection = tx.getConnection();
      const rows: ClaimedMessage[] = await connection.execute(
        `select id, channel, recipient, template, payload, org_id, invitation_id from outbox_messages
          where status = 'PENDING' order by id limit ${BATCH} for update skip locked`,
        [],
        'all',
        tx.getTransactionContext(),
      );
      for (const { org_id, invitation_id, ...message } of rows) {
        try {
          await this.adapter.deliver(message);
          await connection.execute(
            `update outbox_messages set status = 'SENT', sent_at = now(), attempts = attempts + 1 where id = ?`,
            [message.id], 'run', tx.getTransactionContext(),
          );
        } catch (error) {
          const reason = String((error as Error)?.message ?? error);
          const [updated] = await connection.execute<Array<{ status: string }>>(
            `update outbox_messages set attempts = attempts + 1, last_error = ?,
                    status = case when attempts + 1 >= ${MAX_DELIVERY_ATTEMPTS} then 'FAILED' else 'PENDING' end
              where id = ? returning status`,
            [reason, message.id], 'all', tx.getTransactionContext(),
          );
          if (updated?.status === 'FAILED') {
            await this.runFailureHooks(tx, { ...message, messageId: message.id, orgId: org_id, invitationId: invitation_id, error: reason }, events);
          }
        }
      }
      return rows.length;
    });
    if (events.length) this.eventBus?.publish(events);
    return handled;
  }

  private async runFailureHooks(tx: EntityManager, failure: DeliveryFailure, events: OrgEvent[]): Promise<void> {
    for (const hook of failureHooks) {
      const emitted: OrgEvent[] = [];
      try {
        await tx.transactional((inner) =>
          hook(inner, failure, async (event) => {
            const stored = await recordEvent(inner, event);
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
