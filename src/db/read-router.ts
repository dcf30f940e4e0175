import type { OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import { credentialKey, type Credential } from '../auth/jwt';
import type { RedisClient } from '../redis';
import { allowReplicaReads, insideReadRoute, pinReadsToPrimary } from './read-routing';

export interface ReadRouterOptions {
  /** False without `DATABASE_REPLICA_URLS`: everything reads from the primary and nothing is tracked. */
  replicas: boolean;
  /** How long after a caller's mutation (or a fresh token) its queries stay on the primary. */
  readYourWritesMs: number;
  /** Redis key prefix of the read-your-writes marks (shared by instances like the rate-limit counters). */
  prefix: string;
}

/** Who made a request, as far as read-your-writes is concerned. */
export interface ReadCaller {
  credential?: Credential | null;
  clientAddress: string | null;
}

const REDIS_TIMEOUT_MS = 250;

/**
 * Decides, per HTTP GraphQL operation, whether its reads may go to a streaming replica, so that a caller always sees
 * its own writes although replicas lag:
 * - mutations (and everything in their transactions) read and write on the primary, and pin the rest of the request;
 * - after a mutation, the caller's queries stay on the primary for `readYourWritesMs`: the mutation leaves a mark in
 *   Redis (`<prefix>:user:<id>`, `<prefix>:client:<id>`, or `<prefix>:addr:<address>` for a caller without a token)
 *   before its response is sent, so it holds on every instance;
 * - a token issued less than `readYourWritesMs` ago (sign-up, log-in, an API token) reads from the primary, so the
 *   account or client it was just issued for is found;
 * - when Redis does not answer, queries read from the primary (never a stale read because Redis is down).
 * Anything else (a query by a caller with no recent write) reads from a replica.
 */
export class ReadRouter {
  constructor(
    /** Null without Redis: then every read stays on the primary (the marks would not be shared). */
    private readonly redis: RedisClient | null,
    private readonly logger: Logger,
    readonly options: ReadRouterOptions,
  ) {}

  /** Routes the reads of the operation about to run (before the viewer is loaded). */
  async routeOperation(caller: ReadCaller, operation: OperationDefinitionNode): Promise<void> {
    if (!this.options.replicas || !insideReadRoute()) return; // socket operations read from the primary
    if (operation.operation !== 'query') {
      pinReadsToPrimary();
      return;
    }
    if (await this.mustReadOwnWrites(caller)) return;
    allowReplicaReads();
  }

  /** Records that `caller` just wrote; awaited before the mutation's response goes out. */
  async recordWrite(caller: ReadCaller): Promise<void> {
    if (!this.options.replicas || !this.redis) return;
    const key = this.markKey(caller);
    if (!key) return;
    try {
      await withTimeout(this.redis.set(key, '1', 'PX', this.options.readYourWritesMs));
    } catch (error) {
      // Lost mark: the caller may read a lagging replica within the window. Logged, not fatal.
      this.logger.warn({ err: error }, 'read-your-writes mark not recorded');
    }
  }

  private async mustReadOwnWrites(caller: ReadCaller): Promise<boolean> {
    const issuedAt = caller.credential?.issuedAt;
    if (issuedAt !== undefined && Date.now() - issuedAt * 1000 < this.options.readYourWritesMs + 1000) return true;
    const key = this.markKey(caller);
    if (!key) return false;
    if (!this.redis || this.redis.status !== 'ready') return true;
    try {
      return (await withTimeout(this.redis.exists(key))) === 1;
    } catch {
      return true;
    }
  }

  private markKey(caller: ReadCaller): string | null {
    if (caller.credential) return `${this.options.prefix}:${credentialKey(caller.credential)}`;
    return caller.clientAddress ? `${this.options.prefix}:addr:${caller.clientAddress}` : null;
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis timeout')), REDIS_TIMEOUT_MS).unref()),
  ]);
}
