const neverLast = () => false;

/** Where a subscription's events come from: a feed, read one at a time. */
export interface EventSource<E> {
  /** The next event, or null once closed. */
  next(): Promise<E | null>;
  close(): void;
}

/**
 * The AsyncIterator a subscription field returns: takes events from its feed, lets `deliver` decide each one
 * (a value to send, null to skip it, or a throw that ends the subscription with that error, e.g. FORBIDDEN once
 * access is gone), and stops the feed as soon as the client completes or disconnects. Unlike an async generator,
 * `return()` takes effect at once even while waiting for the next event, so nothing stays subscribed behind.
 */
export class DeliveryStream<E, T> implements AsyncIterableIterator<T> {
  private finished = false;

  constructor(
    private readonly source: EventSource<E>,
    private readonly deliver: (event: E) => Promise<T | null>,
    /** True for the last value of a stream that ends by itself (an import's COMPLETED). */
    private readonly isLast: (value: T) => boolean = neverLast,
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
      try {
        value = await this.deliver(event);
      } catch (error) {
        this.stop();
        throw error;
      }
      if (value === null) continue;
      if (this.isLast(value)) this.stop();
      return value;
    }
    this.stop();
    return null;
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
