import type { SubscriberAccess, SubscriberDirectory } from '../auth/subscribers';

const neverLast = () => false;

/** Where a subscription's events come from: a feed, read one at a time. */
export interface EventSource<E> {
  /** The next event, or null once closed. */
  next(): Promise<E | null>;
  close(): void;
}

/** `PollableSource.poll`: nothing at hand yet (`park` to hear of it). */
export const IDLE = Symbol('idle');
/** `PollableSource.poll`: getting the next event needs a read (call `next`). */
export const READ = Symbol('read');

/** A source that can also be asked without waiting (the org feeds): what a fan-out pass takes events from. */
export interface PollableSource<E> extends EventSource<E> {
  /** The next event when one is at hand, `READ` or `IDLE` (see above), null once closed. */
  poll(): E | null | typeof IDLE | typeof READ;
  /** Calls `wake` once, synchronously, when `poll` may answer something other than `IDLE`. */
  park(wake: () => void): void;
}

/** Whose access an event's delivery re-checks: a member of an org, looked up in `directory`. */
export interface AccessCheck {
  directory: SubscriberDirectory;
  orgId: string;
  userId: string;
}

/**
 * A delivery in two synchronous halves around the subscriber's access re-check, so that a fan-out pass can re-check
 * every subscriber an event reaches in one batch (`SubscriberDirectory.accesses`) and deliver without a promise per
 * subscriber (`graphql/shared-execution.ts`). The same rules as the stream's `deliver`.
 */
export interface BatchDelivery<E, T> {
  /** Null to skip the event without a re-check (a type filter); else whose access to re-check. */
  check(event: E): AccessCheck | null;
  /** The value to send for the access as re-checked, null to skip; throws to end the subscription. */
  build(event: E, access: SubscriberAccess | null): T | null;
}

/**
 * The AsyncIterator a subscription field returns: takes events from its feed, lets `deliver` decide each one
 * (a value to send, null to skip it, or a throw that ends the subscription with that error, e.g. FORBIDDEN once
 * access is gone), and stops the feed as soon as the client completes or disconnects. Unlike an async generator,
 * `return()` takes effect at once even while waiting for the next event, so nothing stays subscribed behind.
 *
 * With a pollable source and a `batch` delivery, a consumer may also drive it without promises: `poll`, `park`,
 * `deliverWith` (the shared subscriptions' fan-out pass), `read` and `deliverOne` when an event needs waiting for.
 */
export class DeliveryStream<E, T> implements AsyncIterableIterator<T> {
  private finished = false;

  constructor(
    private readonly source: EventSource<E>,
    private readonly deliver: (event: E) => Promise<T | null>,
    /** True for the last value of a stream that ends by itself (an import's COMPLETED). */
    private readonly isLast: (value: T) => boolean = neverLast,
    /** The same delivery split around its access re-check (see `BatchDelivery`); only with a pollable source. */
    readonly batch?: BatchDelivery<E, T>,
  ) {}

  async next(): Promise<IteratorResult<T>> {
    const value = await this.take();
    return value === null ? { done: true, value: undefined } : { done: false, value };
  }

  /**
   * The next value, or null once the stream has ended: `next()` without the iterator result, for a consumer that
   * pulls values itself (shared subscription executions, `graphql/shared-execution.ts`).
   */
  async take(): Promise<T | null> {
    // Locals cleared before each wait: a suspended frame keeps them (and a skipped event) alive.
    let event: E | null | undefined;
    let value: T | null | undefined;
    while (!this.finished) {
      event = value = undefined;
      event = await this.source.next();
      if (event === null) break;
      value = await this.deliverOne(event);
      if (value === null) continue;
      return value;
    }
    this.stop();
    return null;
  }

  /** Can it be polled (a pollable source and a batch delivery)? */
  get pollable(): boolean {
    return this.batch !== undefined && typeof (this.source as Partial<PollableSource<E>>).poll === 'function';
  }

  /** The source's next event without waiting (see `PollableSource.poll`); null once ended. Only when `pollable`. */
  poll(): E | null | typeof IDLE | typeof READ {
    if (this.finished) return null;
    const polled = (this.source as PollableSource<E>).poll();
    if (polled === null) this.stop();
    return polled;
  }

  /** Calls `wake` once when `poll` may have something (see `PollableSource.park`). */
  park(wake: () => void): void {
    (this.source as PollableSource<E>).park(wake);
  }

  /** The source's next event, waiting (and reading) as needed; null once ended. */
  async read(): Promise<E | null> {
    if (this.finished) return null;
    const event = await this.source.next();
    if (event === null) this.stop();
    return event;
  }

  /** `deliver` for one event taken by `poll` or `read`: stops the stream when it throws or is the last value. */
  async deliverOne(event: E): Promise<T | null> {
    let value: T | null;
    try {
      value = await this.deliver(event);
    } catch (error) {
      this.stop();
      throw error;
    }
    return this.delivered(value);
  }

  /** `batch.build` for one polled event and its re-checked access, with the same endings as `deliverOne`. */
  deliverWith(event: E, access: SubscriberAccess | null): T | null {
    if (this.finished) return null;
    let value: T | null;
    try {
      value = this.batch!.build(event, access);
    } catch (error) {
      this.stop();
      throw error;
    }
    return this.delivered(value);
  }

  private delivered(value: T | null): T | null {
    if (value !== null && this.isLast(value)) this.stop();
    return value;
  }

  /** Has the stream ended (returned, failed, its source closed, or its last value taken)? */
  get ended(): boolean {
    return this.finished;
  }

  async return(): Promise<IteratorResult<T>> {
    this.stop();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.stop();
    throw error;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private stop(): void {
    this.finished = true;
    this.source.close();
  }
}
