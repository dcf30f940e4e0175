import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, errorMessage } from '../errors';
import type { EventHub, OrgEventListener } from './event-hub';
import { readOrgEvents } from './event-log';
import { readUntilDone } from './retry';
import type { EventTopic, ReceivedEvent } from './events';

/** Events read from the log per query while catching up. */
const PAGE_SIZE = 100;
/** Live events held for a subscriber that is behind; past this, it reads from the log instead. */
const LIVE_BUFFER_LIMIT = 1000;

type LogRead = { events: ReceivedEvent[]; lastId: number };

/**
 * Log reads under way, per hub, by org, position and topics. When a process falls behind (its event loop busy, a
 * sweep announcing ids whose messages are still queued), every feed of an org wakes to read the log at once, and
 * most stand at the same position: they share one query instead of each sending its own.
 */
const readsInFlight = new WeakMap<EventHub, Map<string, { startedAt: number; read: Promise<LogRead> }>>();

/** A read of the log after `from`, shared with feeds asking for the same that started no earlier than `notBefore`. */
function sharedLogRead(hub: EventHub, orgId: string, from: number, topics: EventTopic[], notBefore: number, read: () => Promise<LogRead>): Promise<LogRead> {
  let reads = readsInFlight.get(hub);
  if (!reads) readsInFlight.set(hub, (reads = new Map()));
  const key = `${orgId}:${from}:${topics.join(',')}`;
  const known = reads.get(key);
  if (known && known.startedAt >= notBefore) return known.read;
  const entry = { startedAt: performance.now(), read: read() };
  reads.set(key, entry);
  const forget = () => {
    if (reads.get(key) === entry) reads.delete(key);
  };
  entry.read.then(forget, forget);
  return entry.read;
}

/** Parses an org stream's `after` cursor: the per-org event id, as a string. */
export function parseOrgCursor(after: string | null | undefined): number | null {
  if (after == null) return null;
  if (!/^\d{1,15}$/.test(after)) throw badInput(errorMessage('cursorLastEvent'), 'after');
  return Number(after);
}

/**
 * One subscription's ordered view of one org's events of some topics: each event exactly once, in id order, with
 * no gap. Per-org ids are contiguous and commit in order, so the feed knows what it has not seen: it takes live
 * events while they follow on (`position + 1`), and reads the log whenever something is missing: a replay
 * (`after`), an event that overtook another on the way, a buffer overflow, a sweep after a Redis outage.
 *
 * Opening subscribes to Redis first and only then reads where the log stands, so nothing committed in between
 * falls through: it arrives live, or the log has it.
 */
export class OrgEventFeed implements OrgEventListener {
  /** Every event up to here has been handed out or skipped. -1 until opened. */
  private position = -1;
  /** The newest id known to exist (published or seen in the log). */
  private highWater = 0;
  /** Live events ahead of `position`, by id; null for another topic (kept only to see that the ids follow on). */
  private readonly live = new Map<number, ReceivedEvent | null>();
  private pending: ReceivedEvent[] = [];
  /** Where `position` stands once `pending` is handed out. */
  private pendingEnd = 0;
  private needsCatchUp = false;
  /** When the feed last learned of something to read (a higher id, a dropped buffer): older log reads may miss it. */
  private learnedAt = 0;
  private wake: (() => void) | null = null;
  private closed = false;
  private unwatch: (() => void) | null = null;

  private constructor(
    private readonly hub: EventHub,
    /** Read only when the feed reads the log (rarely, for a live subscription): a function, so nothing is forked before. */
    private readonly em: EntityManager | (() => EntityManager),
    readonly orgId: string,
    private readonly topics: EventTopic[],
  ) {}

  /** Opens a feed that starts after event `after`, or at the newest event when `after` is null. */
  static async open(hub: EventHub, em: EntityManager | (() => EntityManager), orgId: string, topics: EventTopic[], after: number | null): Promise<OrgEventFeed> {
    const feed = new OrgEventFeed(hub, em, orgId, topics);
    feed.unwatch = await hub.watchOrg(orgId, feed);
    try {
      // Read after the channel is subscribed (batched with the other subscriptions opening now).
      const last = (await hub.lastEventId(orgId, performance.now())) ?? 0;
      if (after !== null && after > last) throw badInput(errorMessage('cursorAhead'), 'after');
      feed.position = after ?? last;
      feed.highWater = Math.max(feed.highWater, last);
      feed.learnedAt = performance.now();
      feed.dropLiveUpToPosition();
    } catch (error) {
      feed.close();
      throw error;
    }
    return feed;
  }

  onEvent(event: ReceivedEvent): void {
    const id = Number(event.id);
    if (this.closed || id <= this.position || this.live.has(id)) return;
    if (this.live.size >= LIVE_BUFFER_LIMIT) {
      this.live.clear(); // the log has them all
      this.needsCatchUp = true;
      this.learnedAt = performance.now();
    } else {
      this.live.set(id, this.topics.includes(event.topic) ? event : null);
    }
    if (id > this.highWater) {
      this.highWater = id;
      this.learnedAt = performance.now();
    }
    this.wakeUp();
  }

  onHint(lastId: number): void {
    if (lastId <= this.highWater) return;
    this.highWater = lastId;
    this.learnedAt = performance.now();
    this.wakeUp();
  }

  /** The next event of the feed's topics, or null once closed. One caller at a time. */
  async next(): Promise<ReceivedEvent | null> {
    for (;;) {
      if (this.closed) return null;

      const head = this.pending.shift();
      if (head) {
        this.position = this.pending.length ? Number(head.id) : Math.max(Number(head.id), this.pendingEnd);
        if (!this.pending.length) this.dropLiveUpToPosition();
        return head;
      }

      const following = this.position + 1;
      if (this.live.has(following)) {
        const event = this.live.get(following)!;
        this.live.delete(following);
        this.position = following;
        if (event) return event;
        continue;
      }

      if (this.needsCatchUp || this.highWater > this.position) {
        await this.readLog();
        continue;
      }

      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private async readLog(): Promise<void> {
    this.needsCatchUp = false;
    const from = this.position;
    const notBefore = this.learnedAt;
    const read = await readUntilDone(
      () => sharedLogRead(this.hub, this.orgId, from, this.topics, notBefore, () => readOrgEvents(typeof this.em === 'function' ? this.em() : this.em, this.orgId, from, this.topics, PAGE_SIZE)),
      () => this.closed,
      this.hub.logger,
    );
    if (!read || this.closed) return;
    const { events, lastId } = read;
    this.highWater = Math.max(this.highWater, lastId);
    if (events.length === PAGE_SIZE) {
      this.pendingEnd = Number(events[events.length - 1]!.id);
      this.needsCatchUp = true;
    } else {
      this.pendingEnd = lastId;
    }
    if (events.length) {
      this.pending = events.slice(); // the read may be shared: the array is the feed's own, the events are not
      return;
    }
    this.position = Math.max(this.position, this.pendingEnd);
    this.dropLiveUpToPosition();
    // Announced ids the log does not have (a message from elsewhere): trust the log rather than spin.
    if (this.highWater > this.position && !this.live.has(this.position + 1)) this.highWater = this.position;
  }

  private dropLiveUpToPosition(): void {
    for (const id of this.live.keys()) if (id <= this.position) this.live.delete(id);
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.live.clear();
    this.pending = [];
    this.unwatch?.();
    this.wakeUp();
  }
}
