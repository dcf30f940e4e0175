import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
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
  /** The Redis client of the rate limiter, null when there is no Redis. */
  readonly redis: Redis | null;
  publish(channel: string, message: string): Promise<unknown>;
  /** A subscriber connection of its own (one per event hub). */
  createSubscriber(): PubSubSubscriber;
  /** For /readyz. */
  ping(): Promise<boolean>;
  close(): void;
}

/** Pub/sub through Redis: every instance connected to the same Redis receives every publish. */
export class RedisPubSub implements PubSub {
  readonly kind = 'redis';
  readonly redis: Redis;

  constructor(private readonly url: string, private readonly logger: Logger) {
    this.redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: true });
    this.redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  }

  /** Connects the publishing client; when Redis is down it keeps retrying and the gateway starts anyway. */
  async connect(): Promise<void> {
    await this.redis.connect().catch((error) => this.logger.warn({ err: error }, 'redis unavailable at start'));
  }

  publish(channel: string, message: string): Promise<unknown> {
    return this.redis.publish(channel, message);
  }

  createSubscriber(): PubSubSubscriber {
    const subscriber = new Redis(this.url, {
      lazyConnect: true,
      // Channel state is the hub's: on every 'ready' it subscribes what is watched, then sweeps. Nothing queued or replayed.
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: null,
      retryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    });
    subscriber.on('error', (error) => this.logger.debug({ err: error }, 'redis subscriber error'));
    return subscriber;
  }

  ping(): Promise<boolean> {
    return this.redis.ping().then((answer) => answer === 'PONG');
  }

  close(): void {
    this.redis.disconnect();
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
  private readonly subscribers = new Set<InProcessSubscriber>();

  publish(channel: string, message: string): Promise<number> {
    let receivers = 0;
    for (const subscriber of this.subscribers) if (subscriber.deliverLater(channel, message)) receivers++;
    return Promise.resolve(receivers);
  }

  createSubscriber(): PubSubSubscriber {
    return new InProcessSubscriber(this.subscribers);
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
