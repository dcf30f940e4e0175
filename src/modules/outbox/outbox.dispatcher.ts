import type { Logger } from 'pino';
import type { Orm } from '../../db/orm';

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

const MAX_ATTEMPTS = 5;
const BATCH = 100;

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
    return em.transactional(async (tx) => {
      const connection = tx.getConnection();
      const rows: OutboundMessage[] = await connection.execute(
        `select id, channel, recipient, template, payload from outbox_messages
          where status = 'PENDING' order by id limit ${BATCH} for update skip locked`,
        [],
        'all',
        tx.getTransactionContext(),
      );
      for (const row of rows) {
        try {
          await this.adapter.deliver(row);
          await connection.execute(
            `update outbox_messages set status = 'SENT', sent_at = now(), attempts = attempts + 1 where id = ?`,
            [row.id], 'run', tx.getTransactionContext(),
          );
        } catch (error) {
          await connection.execute(
            `update outbox_messages set attempts = attempts + 1, last_error = ?,
                    status = case when attempts + 1 >= ${MAX_ATTEMPTS} then 'FAILED' else 'PENDING' end
              where id = ?`,
            [String((error as Error).message ?? error), row.id], 'run', tx.getTransactionContext(),
          );
        }
      }
      return rows.length;
    });
  }
}
