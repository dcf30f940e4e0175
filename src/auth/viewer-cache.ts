import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Credential } from './jwt';
import type { Viewer } from './viewer';

/** The channel on which every gateway instance hears which cached viewers to drop. */
export const VIEWER_INVALIDATION_CHANNEL = 'orggraph:viewer-invalidation';

/** What a write may have changed about the viewers that are cached: one org's, one user's, or both. */
export interface ViewerInvalidation {
  orgId?: string | null;
  userId?: string | null;
}

/** The part of a pub/sub subscriber connection the cache listens on (a Redis subscriber or the in-process one). */
export interface InvalidationSubscriber {
  readonly status: string;
  connect(): Promise<unknown>;
  disconnect(): void;
  subscribe(...channels: string[]): Promise<unknown>;
  on(event: 'ready', listener: () => void): unknown;
  on(event: 'message', listener: (channel: string, message: string) => void): unknown;
}

export interface ViewerCacheOptions {
  /** How long an entry lives at most, even when no invalidation reaches this instance (0: no caching). */
  ttlMs: number;
  maxEntries: number;
}

interface Entry {
  viewer: Viewer;
  orgId: string | null;
  userId: string | null;
  expiresAt: number;
}

/**
 * The viewers of recent credentials, in this process's memory, so that a warm query learns who asks without a
 * statement. An entry is dropped on every instance by any write in its org or by its user (`invalidate`, published
 * after every mutation and import), and lives `ttlMs` at most. It serves only while this instance hears the
 * invalidations: while its subscriber connection is down nothing is served from it, and it is emptied when the
 * connection comes back (what was said meanwhile is lost). Mutations never use it: they load their viewer fresh.
 */
export class ViewerCache {
  private readonly entries = new Map<string, Entry>();
  /** Raised by every invalidation; a load that started before one is not stored (it may have read the old rows). */
  private generation = 0;
  /** Marks this instance's own invalidations on the channel. */
  private readonly instanceId = randomUUID();

  constructor(
    private readonly subscriber: InvalidationSubscriber | null,
    private readonly publish: (channel: string, message: string) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly options: ViewerCacheOptions,
  ) {}

  async start(): Promise<void> {
    if (!this.subscriber || this.options.ttlMs <= 0) return;
    this.subscriber.on('ready', () => {
      this.clear();
      this.subscriber!.subscribe(VIEWER_INVALIDATION_CHANNEL).catch((error: unknown) => this.logger.warn({ err: error }, 'viewer cache cannot subscribe'));
    });
    this.subscriber.on('message', (channel, message) => {
      if (channel !== VIEWER_INVALIDATION_CHANNEL) return;
      try {
        const change = JSON.parse(message) as ViewerInvalidation & { from?: string };
        // Our own invalidations were applied here when made; their echo, arriving later, would drop newer entries.
        if (change.from !== this.instanceId) this.drop(change);
      } catch {
        this.clear();
      }
    });
    await this.subscriber.connect().catch((error: unknown) => this.logger.warn({ err: error }, 'viewer cache subscriber unavailable'));
  }

  close(): void {
    this.subscriber?.disconnect();
    this.entries.clear();
  }

  /** Serving only while invalidations are heard (they are lost while the subscriber is away). */
  private get serving(): boolean {
    return this.options.ttlMs > 0 && this.subscriber?.status === 'ready';
  }

  /** The cached viewer of `credential`, else `load()`'s, kept for the next queries of the same credential. */
  async viewerFor(credential: Credential, load: () => Promise<Viewer>): Promise<Viewer> {
    if (!this.serving) return load();
    const key = cacheKey(credential);
    const now = Date.now();
    const cached = this.entries.get(key);
    if (cached && cached.expiresAt > now) return cached.viewer;
    const generation = this.generation;
    const viewer = await load();
    if (generation === this.generation && this.serving) {
      if (this.entries.size >= this.options.maxEntries) this.evict(now);
      this.entries.delete(key); // re-inserted last: the Map's order is the eviction order
      this.entries.set(key, {
        viewer,
        orgId: viewer.org?.id ?? credential.org ?? null,
        userId: viewer.user?.id ?? (credential.kind === 'user' ? credential.sub : null),
        expiresAt: now + this.options.ttlMs,
      });
    }
    return viewer;
  }

  /** Drops the affected viewers here at once, and on every other instance through pub/sub. */
  async invalidate(change: ViewerInvalidation): Promise<void> {
    if (!change.orgId && !change.userId) return;
    this.drop(change);
    if (!this.subscriber) return;
    try {
      await this.publish(VIEWER_INVALIDATION_CHANNEL, JSON.stringify({ ...change, from: this.instanceId }));
    } catch (error) {
      // The other instances' entries then live until their TTL or their next reconnection.
      this.logger.warn({ err: error }, 'viewer invalidation not published');
    }
  }

  get size(): number {
    return this.entries.size;
  }

  private drop({ orgId, userId }: ViewerInvalidation): void {
    this.generation++;
    for (const [key, entry] of this.entries) {
      if ((orgId && entry.orgId === orgId) || (userId && entry.userId === userId)) this.entries.delete(key);
    }
  }

  private clear(): void {
    this.generation++;
    this.entries.clear();
  }

  /** Expired entries first, then the oldest quarter. */
  private evict(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    let excess = this.entries.size - Math.floor(this.options.maxEntries * 0.75);
    for (const key of this.entries.keys()) {
      if (excess-- <= 0) break;
      this.entries.delete(key);
    }
  }
}

/** One entry per token's claims: the same user in another org, or a client's other secret generation, is another. */
function cacheKey(credential: Credential): string {
  return credential.kind === 'user' ? `user:${credential.sub}:${credential.org ?? ''}` : `client:${credential.clientId}:${credential.org}:${credential.generation}:${credential.scopes.join(' ')}`;
}
