import type { GatewayMetrics } from './metrics';

/**
 * Wraps a running subscription's results to keep `orggraph_subscriptions_active` and `orggraph_events_delivered_total`
 * for its field, and to report its end once (completed, failed, or returned when the client stopped or the socket
 * closed). `return()` is passed to the source at once, so closing is as prompt as the source makes it.
 */
export class ObservedSubscription<T> implements AsyncIterableIterator<T> {
  private delivered = 0;
  private ended = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly field: string,
    private readonly metrics: GatewayMetrics,
    private readonly onEnd: (summary: { delivered: number; durationMs: number }) => void,
  ) {
    metrics.subscriptionStarted(field);
  }

  async next(): Promise<IteratorResult<T>> {
    try {
      const result = await this.source.next();
      if (result.done) {
        this.end();
      } else {
        this.countDelivered();
      }
      return result;
    } catch (error) {
      this.end();
      throw error;
    }
  }

  async return(value?: unknown): Promise<IteratorResult<T>> {
    this.end();
    return this.source.return ? this.source.return(value) : { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<T>> {
    this.end();
    if (this.source.throw) return this.source.throw(error);
    throw error;
  }

  /** Counts a result delivered without passing through `next()` (written to the socket by the source itself). */
  countDelivered(): void {
    this.delivered++;
    this.metrics.eventDelivered(this.field);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.metrics.subscriptionEnded(this.field);
    this.onEnd({ delivered: this.delivered, durationMs: performance.now() - this.startedAt });
  }
}
