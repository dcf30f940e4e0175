import { EventEmitter } from 'node:events';
import type { Cluster, Redis } from 'ioredis';
import { createRedisClient, createSubscriberClient, usesRedisCluster, type RedisClient, type RedisConfig } from '../redis';
import type { Logger } from 'pino';

/**
 * The subscriber side of a broker, as the event hub uses it: the part of an ioredis client in subscriber mode it
 * needs. `ready` fires on every (re)connection; the hub then subscribes whatever it watches and reads the log.
 */
export interface PubSubSubscriber {
  /** `ready` while messages flow. */
  readonly status: string;
  connect(): Promise<unknown>;
  disconnect(): void;
  subscribe(...channels: string[]): Promise<unknown>;
  unsubscribe(...channels: string[]): Promise<unknown>;
  on(event: 'ready', listener: () => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  on(event: 'message', listener: (channel: string, message: string) => void): this;
}

/** Carries committed events between gateway processes (Redis) or within the one process there is (in-process). */
export interface PubSub {
  readonly kind: 'redis' | 'in-process';
  /** The Redis server or cluster of the rate limiter and the read router, null when there is no Redis. */
  readonly redis: RedisClient | null;
  /** False while a publish would fail at once (Redis away: no offline queue). */
  readonly ready: boolean;
  /** Called on every (re)connection, to publish what was held meanwhile. */
  onReady(listener: () => void): void;
  publish(channel: string, message: string): Promise<unknown>;
  /** A subscriber connection of its own (one per event hub). */
  createSubscriber(): PubSubSubscriber;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): void;
}

/**
 * Pub/sub through Redis: every instance connected to the same Redis receives every publish. On a Redis Cluster the
 * channels are shard channels (SPUBLISH / SSUBSCRIBE): each is served by the master of its slot instead of being
 * broadcast to every node.
 */
export class RedisPubSub implements PubSub {
  readonly kind = 'redis';
  readonly redis: RedisClient;
  private readonly sharded: boolean;

  constructor(private readonly config: RedisConfig, private readonly logger: Logger) {
    this.sharded = usesRedisCluster(config);
    this.redis = createRedisClient(config);
    let down = false; // one warning per outage, not one per reconnect attempt
    this.redis.on('error', (error) => {
      if (!down) logger.warn({ err: error }, 'redis error; reconnecting');
      down = true;
    });
    this.redis.on('ready', () => {
      if (down) logger.info('redis reconnected');
      down = false;
    });
  }

  /** Connects the publishing client; when Redis is down it keeps retrying and the gateway starts anyway. */
  async connect(): Promise<void> {
    await this.redis.connect().catch((error) => this.logger.warn({ err: error }, 'redis unavailable at start'));
  }

  get ready(): boolean {
    return this.redis.status === 'ready';
  }

  onReady(listener: () => void): void {
    this.redis.on('ready', listener);
  }

  publish(channel: string, message: string): Promise<unknown> {
    if (this.sharded) return this.redis.spublish(channel, message);
    return new Promise((resolve, reject) => {
      this.queued.push({ channel, message, resolve, reject });
      if (this.queued.length === 1) queueMicrotask(() => this.sendQueued());
    });
  }

  /** Publishes waiting to go out together. */
  private queued: Array<{ channel: string; message: string; resolve: (value: unknown) => void; reject: (error: unknown) => void }> = [];

  /**
   * The publishes of one tick (a batch's thousand events: two publishes each) as one pipeline: one write and one read
   * for all of them instead of one each. Each publish still settles on its own. Not on a cluster, where the channels
   * of one pipeline would span slots.
   */
  private sendQueued(): void {
    const queued = this.queued;
    this.queued = [];
    if (queued.length === 1) {
      const [only] = queued;
      this.redis.publish(only!.channel, only!.message).then(only!.resolve, only!.reject);
      return;
    }
    const pipeline = (this.redis as Redis).pipeline();
    for (const { channel, message } of queued) pipeline.publish(channel, message);
    pipeline.exec().then(
      (results) => queued.forEach(({ resolve, reject }, index) => {
        const [error, value] = results?.[index] ?? [new Error('redis pipeline answered nothing'), null];
        if (error) reject(error);
        else resolve(value);
      }),
      (error: unknown) => queued.forEach(({ reject }) => reject(error)),
    );
  }

  createSubscriber(): PubSubSubscriber {
    const subscriber = createSubscriberClient(this.config);
    subscriber.on('error', (error) => this.logger.debug({ err: error }, 'redis subscriber error'));
    return this.sharded ? new ShardedSubscriber(subscriber as Cluster) : (subscriber as Redis as unknown as PubSubSubscriber);
  }

  ping(): Promise<boolean> {
    return this.redis.ping().then((answer) => answer === 'PONG');
  }

  close(): void {
    this.redis.disconnect();
  }
}

/**
 * A Redis Cluster subscriber seen as a plain one: SSUBSCRIBE one channel at a time (a call may only name channels of
 * one slot); channels handed to ioredis while ready are resubscribed by ioredis itself after a reconnect or a slot move.
 */
class ShardedSubscriber extends EventEmitter implements PubSubSubscriber {
  private readonly handedToCluster = new Set<string>();

  constructor(private readonly cluster: Cluster) {
    super();
    cluster.on('ready', () => this.emit('ready'));
    cluster.on('error', (error) => this.emit('error', error));
    cluster.on('smessage', (channel: string, message: string) => this.emit('message', channel, message));
  }

  get status(): string {
    return this.cluster.status;
  }

  connect(): Promise<unknown> {
    return this.cluster.connect();
  }

  disconnect(): void {
    this.cluster.disconnect();
  }

  subscribe(...channels: string[]): Promise<unknown> {
    const fresh = channels.filter((channel) => !this.handedToCluster.has(channel));
    for (const channel of fresh) this.handedToCluster.add(channel);
    return Promise.all(fresh.map((channel) => this.cluster.ssubscribe(channel)));
  }

  unsubscribe(...channels: string[]): Promise<unknown> {
    for (const channel of channels) this.handedToCluster.delete(channel);
    return Promise.all(channels.map((channel) => this.cluster.sunsubscribe(channel)));
  }
}

/**
 * Pub/sub within one process, in place of Redis when none is configured: the same channels and messages, delivered
 * asynchronously (as Redis would) and in publish order, to this process's subscribers only. Nothing crosses to another
 * gateway process, so it serves exactly one instance.
 */
export class InProcessPubSub implements PubSub {
  readonly kind = 'in-process';
  readonly redis = null;
  readonly ready = true;
  private readonly subscribers = new Set<InProcessSubscriber>();

  publish(channel: string, message: string): Promise<number> {
    let receivers = 0;
    for (const subscriber of this.subscribers) if (subscriber.deliverLater(channel, message)) receivers++;
    return Promise.resolve(receivers);
  }

  createSubscriber(): PubSubSubscriber {
    return new InProcessSubscriber(this.subscribers);
  }

  onReady(): void {
    // always ready: nothing is ever held
  }

  ping(): Promise<boolean> {
    return Promise.resolve(true);
  }

  close(): void {
    for (const subscriber of this.subscribers) subscriber.disconnect();
  }
}

class InProcessSubscriber extends EventEmitter implements PubSubSubscriber {
  status: 'wait' | 'ready' | 'end' = 'wait';
  private readonly channels = new Set<string>();

  constructor(private readonly registry: Set<InProcessSubscriber>) {
    super();
  }

  connect(): Promise<void> {
    if (this.status === 'ready') return Promise.resolve();
    this.status = 'ready';
    this.registry.add(this);
    // After the caller's `await connect()`, like a client's 'ready' event.
    setImmediate(() => this.emit('ready'));
    return Promise.resolve();
  }

  disconnect(): void {
    this.status = 'end';
    this.channels.clear();
    this.registry.delete(this);
  }

  subscribe(...channels: string[]): Promise<number> {
    for (const channel of channels) this.channels.add(channel);
    return Promise.resolve(this.channels.size);
  }

  unsubscribe(...channels: string[]): Promise<number> {
    for (const channel of channels) this.channels.delete(channel);
    return Promise.resolve(this.channels.size);
  }

  /** Queues a message for a subscribed channel (a macrotask later, in order); false when not subscribed. */
  deliverLater(channel: string, message: string): boolean {
    if (!this.channels.has(channel)) return false;
    setImmediate(() => {
      if (this.status === 'ready' && this.channels.has(channel)) this.emit('message', channel, message);
    });
    return true;
  }
}
