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
  /**
   * Raised by every invalidation. A load that started before an invalidation of its org or user is not stored (it may
   * have read the old rows); invalidations of other orgs and users leave it alone, or a busy instance (a write a
   * second somewhere) would seldom store anything. The generations of the orgs and users dropped meanwhile are kept
   * while a load is in flight, and forgotten when none is.
   */
  private generation = 0;
  private clearedAt = 0;
  private readonly droppedOrgs = new Map<string, number>();
  private readonly droppedUsers = new Map<string, number>();
  private loading = 0;
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
    const started = this.generation;
    this.loading++;
    let viewer: Viewer;
    try {
      viewer = await load();
    } finally {
      this.loading--;
    }
    const orgId = viewer.org?.id ?? credential.org ?? null;
    const userId = viewer.user?.id ?? (credential.kind === 'user' ? credential.sub : null);
    if (this.serving && !this.droppedSince(started, orgId, userId)) {
      if (this.entries.size >= this.options.maxEntries) this.evict(now);
      this.entries.delete(key); // re-inserted last: the Map's order is the eviction order
      this.entries.set(key, { viewer, orgId, userId, expiresAt: now + this.options.ttlMs });
    }
    if (this.loading === 0) {
      this.droppedOrgs.clear();
      this.droppedUsers.clear();
    }
    return viewer;
  }

  private droppedSince(generation: number, orgId: string | null, userId: string | null): boolean {
    return (
      this.clearedAt > generation ||
      (orgId !== null && (this.droppedOrgs.get(orgId) ?? 0) > generation) ||
      (userId !== null && (this.droppedUsers.get(userId) ?? 0) > generation)
    );
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
    if (this.loading > 0) {
      if (orgId) this.droppedOrgs.set(orgId, this.generation);
      if (userId) this.droppedUsers.set(userId, this.generation);
    }
    for (const [key, entry] of this.entries) {
      if ((orgId && entry.orgId === orgId) || (userId && entry.userId === userId)) this.entries.delete(key);
    }
  }

  private clear(): void {
    this.clearedAt = ++this.generation;
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
