import { Entity, Enum, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

export enum OutboxChannel {
  SMS = 'SMS',
  EMAIL = 'EMAIL',
}

export enum OutboxStatus {
  PENDING = 'PENDING',
  SENT = 'SENT',
  FAILED = 'FAILED',
}

/**
 * An outbound SMS or email, written in the transaction of the change that caused it and sent later by the dispatcher.
 * The dispatcher's own columns (`next_attempt_at`, `claim_token`, `failing_since`) are left to their defaults here and
 * written only in its SQL.
 */
@Entity({ tableName: 'outbox_messages' })
export class OutboxMessage {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid', nullable: true })
  orgId: string | null = null;

  @Enum({ items: () => OutboxChannel, type: 'text' })
  channel!: OutboxChannel;

  @Property({ type: 'text' })
  recipient!: string;

  /** What kind of message, e.g. `PHONE_VERIFICATION`; adapters render it. */
  @Property({ type: 'text' })
  template!: string;

  @Property({ type: 'json' })
  payload: Opt<Record<string, unknown>> = {};

  @Enum({ items: () => OutboxStatus, type: 'text' })
  status: Opt<OutboxStatus> = OutboxStatus.PENDING;

  @Property({ type: 'integer' })
  attempts: Opt<number> = 0;

  @Property({ type: 'text', nullable: true })
  lastError: string | null = null;

  @Property({ type: 'timestamptz' })
  createdAt: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  sentAt: Date | null = null;

  /** The invitation this message delivers: when the dispatcher gives up on it, the invitation becomes FAILED. */
  @Property({ type: 'uuid', nullable: true })
  invitationId: string | null = null;
}
