import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import type { Client } from 'graphql-ws';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds, polling; fails with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * One graphql-ws subscription of a test, recording what arrives: `results` (the data of each `next`), `errors`
 * (GraphQL errors, of a `next` or of the `error` message that ends it) and whether it ended.
 */
export class TestSubscription<T> {
  readonly results: T[] = [];
  readonly errors: GraphQLFormattedError[] = [];
  ended = false;
  private readonly unsubscribe: () => void;

  constructor(client: Client, query: string, variables: Record<string, unknown>) {
    this.unsubscribe = client.subscribe<T>(
      { query, variables },
      {
        next: (result) => {
          if (result.errors) this.errors.push(...result.errors);
          if (result.data) this.results.push(result.data as T);
        },
        error: (error) => {
          if (Array.isArray(error)) this.errors.push(...(error as GraphQLFormattedError[]));
          else this.errors.push({ message: `closed: ${(error as { code?: number }).code ?? String(error)}` });
          this.ended = true;
        },
        complete: () => {
          this.ended = true;
        },
      },
    );
  }

  /** The first `count` results, once they have arrived. */
  async take(count: number, timeoutMs?: number): Promise<T[]> {
    await waitUntil(() => this.results.length >= count || this.ended, `${count} events (got ${this.results.length})`, timeoutMs);
    if (this.results.length < count) throw new Error(`subscription ended after ${this.results.length} events: ${JSON.stringify(this.errors)}`);
    return this.results.slice(0, count);
  }

  /** The `extensions.code` of the error that ended the subscription, once it has. */
  async endedWith(timeoutMs?: number): Promise<string | undefined> {
    await waitUntil(() => this.ended, 'the subscription to end', timeoutMs);
    return this.errors[0]?.extensions?.code as string | undefined;
  }

  /**
   * Calls `produce` (which makes something happen that this subscription should see) every `everyMs` until
   * something arrives: proof that the subscription is live, since `memberEvents` without `after` starts from now.
   */
  async untilLive(produce: () => Promise<unknown>, everyMs = 150, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.results.length === 0) {
      if (this.ended) throw new Error(`subscription ended: ${JSON.stringify(this.errors)}`);
      if (Date.now() > deadline) throw new Error('subscription never went live');
      await produce();
      const until = Date.now() + everyMs;
      while (this.results.length === 0 && !this.ended && Date.now() < until) await sleep(10);
    }
  }

  /** Asserts that nothing more arrives within `ms` beyond the first `count` results. */
  async expectNoMoreThan(count: number, ms = 500): Promise<void> {
    await sleep(ms);
    if (this.results.length > count) throw new Error(`expected ${count} events, got ${this.results.length}: ${JSON.stringify(this.results.slice(count))}`);
  }

  dispose(): void {
    this.unsubscribe();
  }
}

/** Starts a typed subscription on a graphql-ws client. */
export function subscribeTo<T, V>(client: Client, document: TypedDocumentNode<T, V>, variables?: V): TestSubscription<T> {
  return new TestSubscription<T>(client, print(document), (variables ?? {}) as Record<string, unknown>);
}

export { sleep };
