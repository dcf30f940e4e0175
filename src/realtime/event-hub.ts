import type { Logger } from 'pino';
import type { Orm } from '../db/orm';
import { isRecipientChannel, orgChannel, orgOfChannel, recipientChannel, type Recipient } from './event-bus';
import { currentSnapshot, lastOrgEventIds, recipientsWithEventsSince } from './event-log';
import type { ReceivedEvent } from './events';
import type { PubSubSubscriber } from './pubsub';
import { FreshLoader } from './fresh-loader';

/** A live org stream (one subscription). Called synchronously from the Redis message handler: must not block. */
export interface OrgEventListener {
  /** A committed event of the org, as published (maybe out of order, maybe twice, maybe never). */
  onEvent(event: ReceivedEvent): void;
  /** The org's log holds events up to `lastId`: read what you have not seen. */
  onHint(lastId: number): void;
}

/** A live `myInvitations` stream: nudged when something may have been addressed to it. */
export interface RecipientListener {
  onHint(): void;
}

/** How subscription events of this process were executed (see `graphql/shared-execution.ts`). */
export interface SharedExecutionStats {
  /** Executions of an event's selection set run for a class and shared. */
  shared: number;
  /** Subscribers served from a shared execution (including the one that ran it). */
  served: number;
  /** Executions run for one subscriber (not shareable, or an identity rule asked about it). */
  individual: number;
  /** Deliveries made by a fan-out pass (one access re-check batch per event for all its subscribers). */
  passDeliveries: number;
}

export interface EventHubOptions {
  /** The hub's own subscriber connection (Redis, or the in-process pub/sub), not connected yet. */
  subscriber: PubSubSubscriber;
  /** How often to compare every watched org's newest event id with what was published (ms); 0 disables. */
  sweepMs: number;
  /** How long `watch*` waits for Redis to confirm a SUBSCRIBE before relying on the resync that follows a reconnect. */
  subscribeTimeoutMs?: number;
}

/**
 * The gateway process's side of real-time delivery: ONE Redis subscriber connection (apart from the publishing
 * client; on a Redis Cluster, one per master, with shard channels), subscribed to an org's channel while at least one
 * local subscription watches that org (refcounted), fanning each message out in-process to those subscriptions.
 *
 * Redis is only the fast path; the event log is the truth. After the subscriber (re)connects it subscribes every
 * watched channel again and sweeps: each watched org's newest committed id is handed to its listeners, which read
 * whatever they missed from the log. The same sweep runs every `sweepMs`, so even a publish lost between a commit
 * and Redis (a crashed process) is delivered within that time.
 */
export class EventHub {
  private readonly lastEventIds: FreshLoader<number | null>;
  /** Called with each event as it arrives, before its listeners: loads of what its fields will show start early. */
  private readonly prefetchers: Array<(event: ReceivedEvent) => void> = [];
  /** How subscription events of this process were executed (see shared-execution.ts). */
  readonly sharedExecutions: SharedExecutionStats = { shared: 0, served: 0, individual: 0, passDeliveries: 0 };
  private readonly subscriber: PubSubSubscriber;
  private readonly orgListeners = new Map<string, Set<OrgEventListener>>();
  private readonly recipientListeners = new Map<string, { recipient: Recipient; listeners: Set<RecipientListener> }>();
  /** Recipient listeners added while a sweep was reading: nudged when it ends, as its query may have missed them. */
  private joinedDuringSweep: Set<RecipientListener> | null = null;
  private sweepSnapshot: string | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private sweepAgain = false;
  private closed = false;

  constructor(private readonly orm: Orm, readonly logger: Logger, private readonly options: EventHubOptions) {
    this.lastEventIds = new FreshLoader((orgIds) => lastOrgEventIds(orm.em.fork(), orgIds), null);
    // Channel state is ours: on every 'ready' we subscribe what is watched, then sweep (see RedisPubSub's options).
    this.subscriber = options.subscriber;
    this.subscriber.on('ready', () => void this.onReady());
    this.subscriber.on('message', (channel: string, message: string) => this.onMessage(channel, message));
  }

  /** Connects (without failing when Redis is down: the client keeps retrying) and starts the periodic sweep. */
  async start(): Promise<void> {
    this.sweepSnapshot = await currentSnapshot(this.orm.em.fork());
    await this.subscriber.connect().catch((error) => this.logger.warn({ err: error }, 'redis subscriber unavailable at start; retrying'));
    if (this.options.sweepMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepMs);
      this.sweepTimer.unref();
    }
  }

  /** The id of the org's newest committed event, read no earlier than `notBefore`; null for an unknown org. */
  lastEventId(orgId: string, notBefore: number): Promise<number | null> {
    return this.lastEventIds.load(orgId, notBefore);
  }

  /** Adds what starts loading an arriving event's rows (see `prefetchers`). */
  onEventArriving(prefetch: (event: ReceivedEvent) => void): void {
    this.prefetchers.push(prefetch);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    await this.sweeping;
    this.subscriber.disconnect();
  }

  /** Watches an org's channel; resolves once Redis confirmed the subscription (or is down). Returns the unwatch. */
  async watchOrg(orgId: string, listener: OrgEventListener): Promise<() => void> {
    let listeners = this.orgListeners.get(orgId);
    const first = !listeners;
    if (!listeners) this.orgListeners.set(orgId, (listeners = new Set()));
    listeners.add(listener);
    if (first) await this.subscribeChannels([orgChannel(orgId)]);
    return () => {
      const current = this.orgListeners.get(orgId);
      if (!current?.delete(listener) || current.size > 0) return;
      this.orgListeners.delete(orgId);
      this.unsubscribeChannel(orgChannel(orgId));
    };
  }

  /** Watches the channels of a person's verified phone and email. Returns the unwatch. */
  async watchRecipients(recipients: Recipient[], listener: RecipientListener): Promise<() => void> {
    const added: string[] = [];
    const channels = recipients.map((recipient) => {
      const channel = recipientChannel(recipient);
      let entry = this.recipientListeners.get(channel);
      if (!entry) {
        this.recipientListeners.set(channel, (entry = { recipient, listeners: new Set() }));
        added.push(channel);
      }
      entry.listeners.add(listener);
      return channel;
    });
    this.joinedDuringSweep?.add(listener);
    if (added.length) await this.subscribeChannels(added);
    return () => {
      for (const channel of channels) {
        const entry = this.recipientListeners.get(channel);
        if (!entry?.listeners.delete(listener) || entry.listeners.size > 0) continue;
        this.recipientListeners.delete(channel);
        this.unsubscribeChannel(channel);
      }
    };
  }

  /** Local subscriptions per org, for tests and metrics. */
  get watchedOrgCount(): number {
    return this.orgListeners.size;
  }

  private async subscribeChannels(channels: string[]): Promise<void> {
    if (this.subscriber.status !== 'ready') return; // 'ready' subscribes everything watched, then sweeps
    const timeout = this.options.subscribeTimeoutMs ?? 2000;
    await Promise.race([
      this.subscriber.subscribe(...channels).catch((error) => this.logger.debug({ err: error }, 'subscribe failed; resync follows the reconnect')),
      new Promise((resolve) => setTimeout(resolve, timeout).unref()),
    ]);
  }

  private unsubscribeChannel(channel: string): void {
    if (this.subscriber.status !== 'ready') return; // on a cluster ioredis keeps the channel; its messages find no listener
    this.subscriber.unsubscribe(channel).catch(() => undefined);
  }

  private async onReady(): Promise<void> {
    const channels = [...[...this.orgListeners.keys()].map(orgChannel), ...this.recipientListeners.keys()];
    this.logger.info({ channels: channels.length }, 'pub/sub subscriber ready');
    // Confirmed before the sweep reads the log: anything committed after that read is published to a live channel.
    if (channels.length) await this.subscribeChannels(channels);
    await this.sweep();
  }

  private onMessage(channel: string, message: string): void {
    const orgId = orgOfChannel(channel);
    if (orgId) {
      const listeners = this.orgListeners.get(orgId);
      if (!listeners) return;
      let event: ReceivedEvent;
      try {
        event = { ...(JSON.parse(message) as ReceivedEvent), receivedAt: performance.now() };
      } catch {
        return;
      }
      if (event.orgId !== orgId) return;
      for (const prefetch of this.prefetchers) prefetch(event);
      for (const listener of listeners) listener.onEvent(event);
    } else if (isRecipientChannel(channel)) {
      for (const listener of this.recipientListeners.get(channel)?.listeners ?? []) listener.onHint();
    }
  }

  /**
   * Hands every watched org's newest committed id to its listeners, and nudges the recipients who received events
   * since the previous sweep. A sweep requested while one runs runs once more right after it.
   */
  sweep(): Promise<void> {
    if (this.sweeping) {
      this.sweepAgain = true;
      return this.sweeping;
    }
    this.sweeping = (async () => {
      do {
        this.sweepAgain = false;
        if (this.closed) break;
        await this.sweepOnce().catch((error) => this.logger.warn({ err: error }, 'event sweep failed'));
      } while (this.sweepAgain);
    })().finally(() => {
      this.sweeping = null;
    });
    return this.sweeping;
  }

  private async sweepOnce(): Promise<void> {
    const em = this.orm.em.fork();
    const orgIds = [...this.orgListeners.keys()];
    if (orgIds.length) {
      for (const [orgId, lastId] of await lastOrgEventIds(em, orgIds)) {
        for (const listener of this.orgListeners.get(orgId) ?? []) listener.onHint(lastId);
      }
    }
    const watched = [...this.recipientListeners.values()];
    const since = this.sweepSnapshot;
    if (!since) return;
    if (watched.length === 0) {
      this.sweepSnapshot = await currentSnapshot(em);
      return;
    }
    this.joinedDuringSweep = new Set();
    try {
      const { hits, snapshot } = await recipientsWithEventsSince(em, watched.map((entry) => entry.recipient), since);
      this.sweepSnapshot = snapshot;
      const nudged = new Set<RecipientListener>(this.joinedDuringSweep);
      for (const hit of hits) for (const listener of this.recipientListeners.get(recipientChannel(hit))?.listeners ?? []) nudged.add(listener);
      for (const listener of nudged) listener.onHint();
    } finally {
      this.joinedDuringSweep = null;
    }
  }
}
