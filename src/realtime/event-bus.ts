import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { OrgEvent } from './events';
import type { PubSub } from './pubsub';

const ORG_CHANNEL_PREFIX = 'orggraph:org-events:';
const RECIPIENT_CHANNEL_PREFIX = 'orggraph:recipient-events:';

/** Redis channel carrying one org's committed events to every gateway instance. */
export function orgChannel(orgId: string): string {
  return `${ORG_CHANNEL_PREFIX}${orgId}`;
}

/** The org id of an `orgChannel`, or null for another channel. */
export function orgOfChannel(channel: string): string | null {
  return channel.startsWith(ORG_CHANNEL_PREFIX) ? channel.slice(ORG_CHANNEL_PREFIX.length) : null;
}

/** A verified phone (E.164) or email an event is addressed to. */
export interface Recipient {
  kind: 'phone' | 'email';
  value: string;
}

/**
 * Redis channel nudging the subscribers of one phone number or email address (`myInvitations`), whatever the org.
 * Hashed, so `PUBSUB CHANNELS` lists no personal data.
 */
export function recipientChannel(recipient: Recipient): string {
  const value = recipient.kind === 'email' ? recipient.value.toLowerCase() : recipient.value;
  return `${RECIPIENT_CHANNEL_PREFIX}${createHash('sha256').update(`${recipient.kind}:${value}`).digest('hex')}`;
}

export function isRecipientChannel(channel: string): boolean {
  return channel.startsWith(RECIPIENT_CHANNEL_PREFIX);
}

/** The recipients an event is addressed to (none for most events). */
export function recipientsOf(event: Pick<OrgEvent, 'recipientPhone' | 'recipientEmail'>): Recipient[] {
  const recipients: Recipient[] = [];
  if (event.recipientPhone) recipients.push({ kind: 'phone', value: event.recipientPhone });
  if (event.recipientEmail) recipients.push({ kind: 'email', value: event.recipientEmail });
  return recipients;
}

/**
 * Publishes committed events to Redis (or the in-process pub/sub) so any number of gateway instances deliver them:
 * each to its org's channel, and events addressed to a person also to that person's recipient channels.
 * Fire-and-forget: when Redis is down the events stay in the log and subscribers replay them on resume.
 */
export class EventBus {
  constructor(private readonly pubsub: Pick<PubSub, 'publish'>, private readonly logger: Logger) {}

  publish(events: OrgEvent[]): void {
    for (const event of events) {
      const message = JSON.stringify(event);
      const channels = [orgChannel(event.orgId), ...recipientsOf(event).map(recipientChannel)];
      for (const channel of channels) {
        this.pubsub.publish(channel, message).catch((error: unknown) => {
          this.logger.warn({ err: error, orgId: event.orgId, eventId: event.id }, 'event publish failed; subscribers will replay it from the log');
        });
      }
    }
  }
}
