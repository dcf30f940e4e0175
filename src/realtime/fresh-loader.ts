/** Keys are `orgId:id` so that a lookup never crosses tenants. */
export function orgKey(orgId: string, id: string): string {
  return `${orgId}:${id}`;
}

export function splitKey(key: string): { orgId: string; id: string } {
  const separator = key.indexOf(':');
  return { orgId: key.slice(0, separator), id: key.slice(separator + 1) };
}

const MAX_BATCH = 2000;
/** Loads older than this are dropped from memory (they would not be fresh enough for a new event anyway). */
const KEEP_MS = 5000;

/**
 * Batches lookups made in the same event-loop turn into one query, and shares a load with every caller for whom
 * it is fresh enough: a load that started at or after `notBefore` (the moment this process received the event
 * being delivered, which is after that event committed) reflects every change committed before the event. So
 * when one event reaches thousands of local subscribers, their access re-checks cost one query per kind, and a
 * burst of events that arrived before the load started shares it too; a grant revoked before an event was
 * committed is always seen when that event is delivered.
 */
export class FreshLoader<V> {
  private readonly loads = new Map<string, { startedAt: number; value: Promise<V> }>();
  private queue: Array<{ key: string; resolve: (value: V) => void; reject: (error: unknown) => void }> = [];
  private lastPrune = performance.now();
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly batch: (keys: string[]) => Promise<Map<string, V>>, private readonly missing: V) {}

  load(key: string, notBefore: number): Promise<V> {
    const known = this.loads.get(key);
    if (known && known.startedAt >= notBefore) return known.value;
    const value = new Promise<V>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.dispatch());
      this.queue.push({ key, resolve, reject });
    });
    // Started now at the earliest: the query is sent when the batch is dispatched, later in this turn.
    const load = { startedAt: performance.now(), value };
    this.loads.set(key, load);
    this.schedulePrune();
    value.catch(() => {
      if (this.loads.get(key) === load) this.loads.delete(key);
    });
    return value;
  }

  private dispatch(): void {
    const queue = this.queue;
    this.queue = [];
    this.prune();
    for (let start = 0; start < queue.length; start += MAX_BATCH) {
      const chunk = queue.slice(start, start + MAX_BATCH);
      this.batch([...new Set(chunk.map((item) => item.key))]).then(
        (found) => {
          for (const item of chunk) item.resolve(found.has(item.key) ? found.get(item.key)! : this.missing);
        },
        (error) => {
          for (const item of chunk) item.reject(error);
        },
      );
    }
  }

  private prune(): void {
    const now = performance.now();
    if (now - this.lastPrune < KEEP_MS) return;
    this.lastPrune = now;
    for (const [key, load] of this.loads) if (now - load.startedAt > KEEP_MS) this.loads.delete(key);
    this.schedulePrune();
  }

  /**
   * Prunes again once what is kept has aged out, also when no load follows: the last loads of a quiet moment (every
   * subscriber's access, re-checked for the last event) would otherwise stay in memory until the next event.
   */
  private schedulePrune(): void {
    if (this.pruneTimer || this.loads.size === 0) return;
    this.pruneTimer = setTimeout(() => {
      this.pruneTimer = null;
      this.lastPrune = -Infinity;
      this.prune();
    }, KEEP_MS + 100);
    this.pruneTimer.unref();
  }
}
