import type { EntityManager } from '@mikro-orm/postgresql';
import { replicaConnectionsOf } from '../../db/read-routing';
import { badInput, errorMessage, forbidden } from '../../errors';
import { MAX_PAGE_SIZE } from '../../graphql/relay';
import type { Contributions } from '../../contributions';
import type { Reader } from '../../graphql/loaders';
import { readOrgEventsOfKinds } from '../../realtime/event-log';
import { EventTopic, type OrgEvent } from '../../realtime/events';
import { parseOrgCursor } from '../../realtime/org-event-feed';
import { changePayloadOf, type ChangePayload } from './change-event';
import { audienceRulesOf, type ChangeToJudge } from './change-audience';
import { OrgEventType, orgEventTypeOf } from './org-event-type';

/** The log topics partners mirror: what `orgEvents` watches. */
export const MIRRORED_TOPICS: EventTopic[] = [
  EventTopic.DEPARTMENT,
  EventTopic.MEMBER,
  EventTopic.ROLE,
  EventTopic.ORG,
  EventTopic.INVITATION,
  EventTopic.CONTACT,
  EventTopic.TAG,
  EventTopic.CONTACT_GROUP,
  EventTopic.EXTERNAL_GROUP,
];

/** Most changes one `orgChanges` page holds: the page size every `first` of the API has (operation cost analysis enforces it first). */
export const ORG_CHANGES_PAGE_MAX = MAX_PAGE_SIZE;

/** A change as `orgChanges` and `orgEvents` hand it out. */
export interface ReceivedChange {
  event: OrgEvent;
  type: OrgEventType;
  change: ChangePayload;
}

export interface OrgChangesPage {
  changes: ReceivedChange[];
  /** Pass as `after` to read on: the last event this page covered (also those it withheld or filtered out). */
  endCursor: string;
  /** True when more changes of the requested types follow `endCursor` already. */
  hasMore: boolean;
}

/** The changes among `events` the reader may receive, in log order: each topic's rule judges its events in one call. */
export async function receivableChanges(reader: Reader, contributions: Contributions, events: readonly OrgEvent[], types: ReadonlySet<OrgEventType> | null): Promise<ReceivedChange[]> {
  const candidates: Array<ChangeToJudge & { type: OrgEventType }> = [];
  for (const event of events) {
    const type = orgEventTypeOf(event.topic, event.type);
    if (!type || (types && !types.has(type))) continue;
    const change = changePayloadOf(event);
    if (change) candidates.push({ event, change, type });
  }
  const byTopic = new Map<string, typeof candidates>();
  for (const candidate of candidates) {
    const list = byTopic.get(candidate.event.topic) ?? [];
    list.push(candidate);
    byTopic.set(candidate.event.topic, list);
  }
  const rules = audienceRulesOf(contributions);
  const allowed = new Set<string>();
  await Promise.all(
    [...byTopic].map(async ([topic, list]) => {
      const rule = rules[topic];
      if (!rule) return;
      for (const id of await rule(reader, list)) allowed.add(id);
    }),
  );
  return candidates.filter(({ event }) => allowed.has(event.id)).map(({ event, change, type }) => ({ event, change, type }));
}

function kindsOf(types: readonly OrgEventType[] | null | undefined): OrgEventType[] {
  return types?.length ? [...new Set(types)] : Object.values(OrgEventType);
}

/**
 * `orgChanges`: up to `first` changes after `after` (the start of the log when omitted), in log order, of the kinds
 * asked for, those the reader may not receive left out. The end cursor covers everything read (a page may hold fewer
 * than `first` changes while `hasMore` is true); once the log is read to its end it is the org's newest event id, so
 * an idle poller's cursor stays current.
 */
export async function readOrgChanges(
  reader: Reader,
  contributions: Contributions,
  args: { after?: string | null; first: number; types?: OrgEventType[] | null },
): Promise<OrgChangesPage> {
  const { viewer, em } = reader;
  const orgId = viewer.requireOrg().id;
  if (!Number.isInteger(args.first) || args.first < 1 || args.first > ORG_CHANGES_PAGE_MAX) {
    throw badInput(errorMessage('between', { field: 'first', min: 1, max: String(ORG_CHANGES_PAGE_MAX) }), 'first');
  }
  const after = parseOrgCursor(args.after) ?? 0;
  const kinds = kindsOf(args.types);
  const read = await readOrgEventsOfKinds(em, orgId, after, kinds, args.first + 1);
  if (!read) throw forbidden(errorMessage('noCurrentOrg'));
  if (after > read.lastId) throw badInput(errorMessage('cursorAhead'), 'after');
  const hasMore = read.events.length > args.first;
  const events = hasMore ? read.events.slice(0, args.first) : read.events;
  const endCursor = hasMore ? events[events.length - 1]!.id : String(Math.max(read.lastId, after));
  const types = args.types?.length ? new Set(args.types) : null;
  return { changes: await receivableChanges(reader, contributions, events, types), endCursor, hasMore };
}

/**
 * `syncCursor`: the newest event id of the org that every database node has, the primary and each streaming replica
 * (the least of their `orgs.last_event_id`). Per-org ids commit in order and a replica replays whole commits in
 * order, so every change up to the cursor is visible on every node; a node's position only grows, so a directory
 * read that starts after this call sees at least everything up to the cursor wherever it is routed (a lagging
 * replica included), and the feed from the cursor replays whatever the read may have missed (some changes twice,
 * none never). Without replicas: the primary's position.
 */
export async function currentSyncCursor(em: EntityManager, orgId: string): Promise<string> {
  const query = 'select last_event_id::text as last from orgs where id = ?';
  const [primary, ...replicas] = await Promise.all(
    [em.getConnection('write'), ...replicaConnectionsOf(em)].map((connection) => connection.execute<Array<{ last: string }>>(query, [orgId])),
  );
  const [row] = primary!;
  if (!row) throw forbidden(errorMessage('noCurrentOrg'));
  let least = BigInt(row.last);
  for (const [replica] of replicas) {
    // An org a replica has not received yet: it has none of its changes.
    const position = replica ? BigInt(replica.last) : 0n;
    if (position < least) least = position;
  }
  return least.toString();
}
