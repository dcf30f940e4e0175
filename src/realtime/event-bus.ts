import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ViewerUser } from '../auth/viewer';
import type { GatewayMetrics } from '../observability/metrics';
import type { PubSub } from './pubsub';
import type { OrgEvent } from './events';

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

/** The phone and email a user has verified: what events addressed to a person (their invitations) are matched against. */
export function verifiedRecipients(user: Pick<ViewerUser, 'phone' | 'phoneVerifiedAt' | 'email' | 'emailVerifiedAt'>): Recipient[] {
  const recipients: Recipient[] = [];
  if (user.phone && user.phoneVerifiedAt) recipients.push({ kind: 'phone', value: user.phone });
  if (user.email && user.emailVerifiedAt) recipients.push({ kind: 'email', value: user.email.toLowerCase() });
  return recipients;
}

/** Messages kept for re-publishing while Redis is away; past this the oldest are dropped (the event log has them). */
const MAX_HELD_MESSAGES = 10_000;

type PublishedEvent = Pick<OrgEvent, 'orgId' | 'id' | 'topic'>;

/**
 * Publishes committed events to Redis so any number of gateway instances deliver them: each to its org's channel,
 * and events addressed to a person also to that person's recipient channels. Never awaited by a request: when Redis
 * is away a publish fails at once (no offline queue), is logged once per outage and held, and the held messages are
 * published when Redis is ready again (subscribers take duplicates and out-of-order events). Events stay in the log
 * meanwhile, so subscribers that resume with `after`, and the periodic sweep, get them whatever happens here.
 * Within one process (the embedded mode) the in-process pub/sub is always ready.
 */
export class EventBus {
  private readonly held = new Map<string, { channel: string; message: string; countsEvent: boolean }>();
  private failing = false;

  constructor(
    private readonly pubsub: Pick<PubSub, 'publish' | 'ready' | 'onReady'>,
    private readonly logger: Logger,
    private readonly metrics?: GatewayMetrics,
  ) {
    pubsub.onReady(() => this.publishHeld());
  }

  publish(events: OrgEvent[]): void {
    for (const event of events) {
      const message = JSON.stringify(event);
      const channels = [orgChannel(event.orgId), ...recipientsOf(event).map(recipientChannel)];
      // Counted once per event, on its org channel: the one every instance listens to.
      channels.forEach((channel, index) => this.send(channel, message, event, index === 0));
    }
  }

  /** Messages waiting for Redis to come back. */
  get heldCount(): number {
    return this.held.size;
  }

  private send(channel: string, message: string, event: PublishedEvent, countsEvent: boolean): void {
    if (!this.pubsub.ready) return this.hold(channel, message, event, countsEvent, new Error('redis is not ready'));
    this.pubsub.publish(channel, message).then(
      () => countsEvent && this.metrics?.eventPublished(event.topic),
      (error: unknown) => this.hold(channel, message, event, countsEvent, error),
    );
  }

  private hold(channel: string, message: string, event: PublishedEvent, countsEvent: boolean, error: unknown): void {
    if (countsEvent) this.metrics?.eventPublishFailed(event.topic);
    if (!this.failing) {
      this.failing = true;
      this.logger.warn({ err: error, orgId: event.orgId, eventId: event.id }, 'event publish failed; held until Redis returns, and subscribers replay from the log');
    }
    const key = `${channel}\n${event.orgId}:${event.id}`;
    this.held.delete(key);
    this.held.set(key, { channel, message, countsEvent });
    if (this.held.size > MAX_HELD_MESSAGES) this.held.delete(this.held.keys().next().value!);
  }

  private publishHeld(): void {
    if (this.failing) this.logger.info({ held: this.held.size }, 'redis is back: publishing held events');
    this.failing = false;
    const held = [...this.held.values()];
    this.held.clear();
    for (const { channel, message, countsEvent } of held) {
      this.send(channel, message, JSON.parse(message) as PublishedEvent, countsEvent);
    }
  }
}
