import type { EntityManager } from '@mikro-orm/postgresql';
import { badInput, errorMessage } from '../errors';
import type { Recipient } from './event-bus';
import type { EventHub, RecipientListener } from './event-hub';
import { currentSnapshot, readRecipientEvents, type SnapshotPosition } from './event-log';
import { readUntilDone } from './retry';
import type { EventTopic, ReceivedEvent } from './events';

const PAGE_SIZE = 100;
const SNAPSHOT = /^\d+:\d+:(\d+(,\d+)*)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The opaque cursor of a cross-org stream: base64url of `{"s": snapshot, "p": {orgId: eventId}}`
 * (see `SnapshotPosition`).
 */
export function encodeSnapshotCursor(position: SnapshotPosition): string {
  return Buffer.from(JSON.stringify({ s: position.snapshot, p: position.positions })).toString('base64url');
}

export function decodeSnapshotCursor(cursor: string): SnapshotPosition {
  try {
    const { s, p } = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; p?: unknown };
    if (typeof s === 'string' && SNAPSHOT.test(s) && p && typeof p === 'object' && !Array.isArray(p)) {
      const positions: Record<string, number> = {};
      for (const [orgId, id] of Object.entries(p)) {
        if (!UUID.test(orgId) || !Number.isSafeInteger(id) || (id as number) < 0) throw new Error('bad position');
        positions[orgId] = id as number;
      }
      return { snapshot: s, positions };
    }
  } catch {
    // fall through
  }
  throw badInput(errorMessage('cursorLastEvent'), 'after');
}

/** An event with the cursor that resumes right after it. */
export interface PositionedEvent {
  event: ReceivedEvent;
  cursor: string;
}

/**
 * One subscription to the events addressed to a person (their verified phone and email), across every org.
 * There is no common sequence across orgs, so live messages only nudge the feed, which then reads the log from its
 * position: a Postgres snapshot plus per-org ids (see `SnapshotPosition`). Each read returns exactly what the
 * position does not cover, so nothing is missed or repeated, however transactions of different orgs interleave.
 */
export class RecipientFeed implements RecipientListener {
  private position: SnapshotPosition;
  private pending: ReceivedEvent[] = [];
  /** The snapshot of the read `pending` came from, once all of that read's events are in `pending`. */
  private pendingSnapshot: string | null = null;
  private dirty = true;
  private wake: (() => void) | null = null;
  private closed = false;
  private unwatch: (() => void) | null = null;

  private constructor(
    private readonly hub: EventHub,
    private readonly em: EntityManager,
    private readonly recipients: Recipient[],
    private readonly topic: EventTopic,
    from: SnapshotPosition,
  ) {
    this.position = from;
  }

  /** Opens a feed after `after` (a cursor), or from now. */
  static async open(hub: EventHub, em: EntityManager, recipients: Recipient[], topic: EventTopic, after: SnapshotPosition | null): Promise<RecipientFeed> {
    const feed = new RecipientFeed(hub, em, recipients, topic, after ?? { snapshot: '', positions: {} });
    feed.unwatch = await hub.watchRecipients(recipients, feed);
    // Taken after the channels are watched: what commits later is published to us or read by the first query.
    try {
      if (!after) feed.position = { snapshot: await currentSnapshot(em), positions: {} };
    } catch (error) {
      feed.close();
      throw error;
    }
    return feed;
  }

  onHint(): void {
    this.dirty = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async next(): Promise<PositionedEvent | null> {
    for (;;) {
      if (this.closed) return null;
      const head = this.pending.shift();
      if (head) {
        if (!this.pending.length && this.pendingSnapshot) {
          this.position = { snapshot: this.pendingSnapshot, positions: {} };
        } else {
          this.position = { snapshot: this.position.snapshot, positions: { ...this.position.positions, [head.orgId]: Number(head.id) } };
        }
        return { event: head, cursor: encodeSnapshotCursor(this.position) };
      }
      if (this.dirty) {
        this.dirty = false;
        const from = this.position;
        const read = await readUntilDone(() => readRecipientEvents(this.em, this.recipients, this.topic, from, PAGE_SIZE), () => this.closed, this.hub.logger);
        if (!read || this.closed) return null;
        const { events, snapshot } = read;
        if (events.length === PAGE_SIZE) {
          this.pendingSnapshot = null; // more to read under the same position
          this.dirty = true;
        } else {
          this.pendingSnapshot = snapshot;
        }
        if (events.length) this.pending = events;
        else if (this.pendingSnapshot) this.position = { snapshot: this.pendingSnapshot, positions: {} };
        continue;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.unwatch?.();
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
