import type { EntityManager } from '@mikro-orm/postgresql';
import { OutboxChannel, OutboxMessage } from './outbox-message.entity';

/**
 * Queues an SMS or email. Call inside the transaction of the change that caused it; the dispatcher
 * sends it after commit.
 */
export function enqueueMessage(
  em: EntityManager,
  message: {
    orgId?: string | null;
    channel: OutboxChannel;
    recipient: string;
    template: string;
    payload: Record<string, unknown>;
    /** The invitation the message delivers (see `onDeliveryFailure`). */
    invitationId?: string | null;
    /** The recipient's language and time zone, kept in the payload: the message is rendered in them when sent. */
    preferences?: { locale: string; timeZone: string };
  },
): OutboxMessage {
  const { preferences, ...fields } = message;
  const payload = preferences ? { ...message.payload, locale: preferences.locale, timeZone: preferences.timeZone } : message.payload;
  const row = em.create(OutboxMessage, { ...fields, payload, orgId: message.orgId ?? null, invitationId: message.invitationId ?? null, createdAt: new Date() });
  em.persist(row);
  return row;
}

/** Messages waiting for the dispatcher, and the age of the oldest (0 when none); both from the pending index. */
export async function outboxBacklog(em: EntityManager): Promise<{ pending: number; oldestPendingSeconds: number }> {
  const [row] = await em.getConnection().execute<Array<{ pending: string; oldest_seconds: number | null }>>(
    `select (select count(*) from outbox_messages where status = 'PENDING') as pending,
            extract(epoch from now() - (select created_at from outbox_messages where status = 'PENDING' order by id limit 1))::float8 as oldest_seconds`,
  );
  return { pending: Number(row?.pending ?? 0), oldestPendingSeconds: Math.max(0, row?.oldest_seconds ?? 0) };
}
