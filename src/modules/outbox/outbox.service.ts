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
  },
): OutboxMessage {
  const row = em.create(OutboxMessage, { ...message, orgId: message.orgId ?? null, invitationId: message.invitationId ?? null, createdAt: new Date() });
  em.persist(row);
  return row;
}
