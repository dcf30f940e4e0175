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
  /** The load each key was last asked in: a batch, shared by every key dispatched with it. */
  private readonly loads = new Map<string, Batch<V>>();
  /** The batch filling in this turn (dispatched on the next `setImmediate`). */
  private filling: Batch<V> | null = null;
  private lastPrune = performance.now();
  private pruneTimer: NodeJS.Timeout | null = null;

  constructor(private readonly batch: (keys: string[]) => Promise<Map<string, V>>, private readonly missing: V) {}

  load(key: string, notBefore: number): Promise<V> {
    const batch = this.batchFor(key, notBefore);
    return batch.found.then((found) => (found.has(key) ? found.get(key)! : this.missing));
  }

  /**
   * The values of `keys`, each as fresh as `load` would give it, behind one promise (one per distinct batch they fall
   * in, usually one): what a fan-out pass over thousands of subscribers waits on instead of a promise per key.
   */
  loadMany(keys: Iterable<string>, notBefore: number): Promise<(key: string) => V> {
    const batches = new Set<Batch<V>>();
    const of = new Map<string, Batch<V>>();
    for (const key of keys) {
      const batch = this.batchFor(key, notBefore);
      batches.add(batch);
      of.set(key, batch);
    }
    const missing = this.missing;
    const lookup = (found: ReadonlyMap<Batch<V>, Map<string, V>>) => (key: string) => {
      const map = found.get(of.get(key)!);
      return map !== undefined && map.has(key) ? map.get(key)! : missing;
    };
    if (batches.size === 1) {
      const [only] = batches;
      return only!.found.then((found) => lookup(new Map([[only!, found]])));
    }
    const list = [...batches];
    return Promise.all(list.map((batch) => batch.found)).then((maps) => lookup(new Map(list.map((batch, index) => [batch, maps[index]!]))));
  }

  private batchFor(key: string, notBefore: number): Batch<V> {
    const known = this.loads.get(key);
    if (known && known.startedAt >= notBefore) return known;
    let batch = this.filling;
    if (!batch) {
      let resolve!: (found: Map<string, V>) => void;
      let reject!: (error: unknown) => void;
      const found = new Promise<Map<string, V>>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      // Started now at the earliest: the query is sent when the batch is dispatched, later in this turn.
      const created: Batch<V> = { startedAt: performance.now(), keys: new Set(), found, resolve, reject };
      batch = this.filling = created;
      found.catch(() => {
        for (const failed of created.keys) if (this.loads.get(failed) === created) this.loads.delete(failed);
      });
      setImmediate(() => this.dispatch(created));
    }
    batch.keys.add(key);
    this.loads.set(key, batch);
    this.schedulePrune();
    return batch;
  }

  private dispatch(batch: Batch<V>): void {
    if (this.filling === batch) this.filling = null;
    this.prune();
    const keys = [...batch.keys];
    const chunks: Array<Promise<Map<string, V>>> = [];
    for (let start = 0; start < keys.length; start += MAX_BATCH) chunks.push(this.batch(keys.slice(start, start + MAX_BATCH)));
    (chunks.length === 1 ? chunks[0]! : Promise.all(chunks).then((maps) => new Map(maps.flatMap((map) => [...map])))).then(batch.resolve, batch.reject);
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

/** One batched load: the keys dispatched together and their values. */
interface Batch<V> {
  startedAt: number;
  keys: Set<string>;
  found: Promise<Map<string, V>>;
  resolve: (found: Map<string, V>) => void;
  reject: (error: unknown) => void;
}
