import {
  createSourceEventStream,
  execute,
  Kind,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import type { RoleGrant } from '../auth/viewer';
import { Viewer } from '../auth/viewer';
import { MemberStatus } from '../auth/vocabulary';
import type { SubscriberAccess } from '../auth/subscribers';
import { DeliveryStream, IDLE, READ, type AccessCheck } from '../realtime/delivery-stream';
import type { SharedExecutionStats } from '../realtime/event-hub';
import { resolvedViewerOf, type GraphQLContext } from './context';

/**
 * Shared execution of subscription events.
 *
 * When one event reaches thousands of subscribers, most of them run the same document with the same variables and
 * see the same fields: what decides field-level visibility is not who they are but their rights (role grants and
 * their scopes) — their *visibility class*. So an event's selection set is executed once per
 * (document, variables used below the root field, visibility class, event) and the result, serialised once, is
 * written to every subscriber of that class.
 *
 * The one rule that does depend on identity is "the member themself" (a member sees their own phone). A class
 * execution runs as a stand-in member of the class (an id no row has), so it never matches; each check that asked
 * "is the viewer this member?" records the member id it asked about (`Viewer.identityProbe`, see
 * `isViewerMember` in policy.ts). A subscriber whose own member id was asked about gets an execution of its own,
 * with its own viewer: the shared result is never handed to someone it would have shown more or less to.
 *
 * Access is still re-checked for every subscriber at every event, before this runs (the modules' subscription resolvers): the
 * class is computed from the grants that re-check returned.
 */

/** A sentinel id for stand-in users and members: valid as a uuid, owned by no row. */
const NOBODY = '00000000-0000-0000-0000-000000000000';
/** Results kept for subscribers of the same event arriving a little later (a burst; a slow feed). */
const KEEP_MS = 2000;
const MAX_ENTRIES = 5000;

const SHARE_KEY = Symbol('shareKey');
const CLASS_ID = Symbol('visibilityClass');
const CLASS_OF = Symbol('visibilityClassOfViewer');

/** Marks a subscription's root value as shareable across subscribers: `eventKey` names the event (e.g. org + id). */
export function markShareable<T extends object>(root: T, eventKey: string): T {
  (root as { [SHARE_KEY]?: string })[SHARE_KEY] = eventKey;
  return root;
}

/** Visibility classes seen by this process, by fingerprint: a short id per class for the execution keys. */
const classIds = new Map<string, string>();
/** Never reused, even once `classIds` is cleared: a grants array keeps its id for as long as it lives. */
let lastClassId = 0;

/**
 * What decides a viewer's field-level visibility, as a string: the org and the grants (builtin role, permissions,
 * scope), in a stable order. Null for viewers that are not shared (API clients, people outside an org).
 */
export function visibilityClassOf(viewer: Viewer): string | null {
  if (viewer.apiClient || !viewer.member || !viewer.org || !viewer.user) return null;
  // Kept on the grants array: subscribers whose grants were loaded together with the same value share one array.
  const grants = viewer.grants as RoleGrant[] & { [CLASS_ID]?: string };
  let grantsId = grants[CLASS_ID];
  if (grantsId === undefined) {
    const fingerprint = grants
      .map((grant) =>
        JSON.stringify([grant.builtin, [...grant.permissions].sort(), [...grant.scopeDepartmentIds].sort(), [...grant.scopePaths].sort()]),
      )
      .sort()
      .join('|');
    grantsId = classIds.get(fingerprint);
    if (grantsId === undefined) {
      if (classIds.size >= 10_000) classIds.clear();
      classIds.set(fingerprint, (grantsId = `c${++lastClassId}`));
    }
    Object.defineProperty(grants, CLASS_ID, { value: grantsId, enumerable: false });
  }
  // The string itself kept on the viewer: a subscriber's viewer is reused while its grants stay the same.
  const known = (viewer as { [CLASS_OF]?: string })[CLASS_OF];
  if (known !== undefined) return known;
  const value = `${viewer.org.id}#${viewer.member.status}#${grantsId}`;
  Object.defineProperty(viewer, CLASS_OF, { value, enumerable: false });
  return value;
}

/** A viewer with the rights of `viewer` and no identity: what a class execution runs as. */
export function classViewerOf(viewer: Viewer): Viewer {
  const org = viewer.org!;
  const user = { id: NOBODY, mustChangePassword: false } as unknown as NonNullable<Viewer['user']>;
  const member = { id: NOBODY, orgId: org.id, userId: NOBODY, status: viewer.member?.status ?? MemberStatus.ACTIVE, name: '' } as unknown as NonNullable<Viewer['member']>;
  const stand = new Viewer(user, org, member, viewer.grants);
  stand.identityProbe = new Set();
  return stand;
}

/** One shared execution: the result (serialised in `serialized` when it has no errors), who it asked about. */
interface SharedResult {
  result: ExecutionResult;
  /** Member ids an identity rule asked about; their subscribers execute on their own. */
  probed: Set<string>;
}

/** A shared execution under way or done (`settled`), kept for `KEEP_MS`. */
interface SharedEntry {
  at: number;
  value: Promise<SharedResult>;
  settled: SharedResult | null;
}

/**
 * Serialised shared results: the payload JSON, stringified once per class and event, and the complete `next`
 * messages built from it per subscription id (clients mostly number their subscriptions alike: one or two ids cover
 * thousands of sockets), encoded and framed once, so each socket is handed the same bytes.
 */
interface Serialized {
  payload: string;
  messages: Map<string, SharedMessage>;
}

/** One `next` message: its UTF-8 bytes, and the same behind a WebSocket text frame's header (see `writeShared`). */
interface SharedMessage {
  data: Buffer;
  frame: Buffer;
}
const serialized = new WeakMap<ExecutionResult, Serialized>();
/** Distinct subscription ids whose message is kept per shared result; rarer ids are encoded per socket. */
const MAX_MESSAGES_PER_RESULT = 8;


/**
 * The registry of shared executions of one process. `subscribe` replaces graphql's `subscribe` for graphql-ws: the
 * same source stream (the subscription field's `subscribe`), then each event's result is looked up here first.
 */
export class SharedExecutions {
  /** The fan-out passes over the polled subscriptions of this process (see `FanoutPass`). */
  readonly fanout = new FanoutPass(this);
  private readonly entries = new Map<string, SharedEntry>();
  /** Per event, the entry `sharedEntryFor` found last, by its key's other parts (cleared with every prune). */
  private readonly lastEntries = new Map<string, { documentKey: string; viewerClass: string; entry: SharedEntry }>();
  private readonly documentIds = new WeakMap<DocumentNode, { id: number; variables: string[] }>();
  private nextDocumentId = 1;

  /**
   * @param eventContext the context an event is executed in, made from the subscriber's and the viewer the event is
   *   delivered to, or the class viewer (no EntityManager until a field needs one).
   * @param stats counters to keep (the event hub's, for tests and metrics).
   */
  constructor(
    private readonly eventContext: (subscriber: GraphQLContext, viewer: Viewer) => GraphQLContext,
    readonly stats: SharedExecutionStats = { shared: 0, served: 0, individual: 0, passDeliveries: 0 },
  ) {}

  /** graphql-ws's `subscribe` option. */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream as ExecutionResult;
    // The modules' subscriptions are delivery streams: one loop pulls their values and looks up each event's result.
    if (stream instanceof DeliveryStream) return new SharedSubscription(this, args, stream as DeliveryStream<unknown, unknown>);
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    const next = async (): Promise<IteratorResult<ExecutionResult>> => {
      const step = await iterator.next();
      if (step.done) return { done: true, value: undefined };
      return { done: false, value: await this.resultFor(args, this.documentKeyOf(args), step.value) };
    };
    return {
      next,
      return: async () => {
        await iterator.return?.();
        return { done: true, value: undefined };
      },
      throw: async (error?: unknown) => {
        await iterator.return?.();
        throw error;
      },
      [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
        return this as AsyncIterableIterator<ExecutionResult>;
      },
    };
  }

  /**
   * The result of the event `root` for the subscription of `args`: shared when it can be, and then, once the class's
   * execution has finished, without a promise (most subscribers of an event ask after it has).
   */
  resultFor(args: ExecutionArgs, documentKey: string, root: unknown): ExecutionResult | Promise<ExecutionResult> {
    const found = this.sharedEntryFor(args, documentKey, root);
    if (found === null) return this.executeAlone(args, root, resolvedViewerOf(root) ?? (args.contextValue as GraphQLContext).viewer);
    const { entry, delivered } = found;
    const member = delivered.member!.id;
    if (entry.settled) return this.served(args, root, delivered, member, entry.settled);
    return entry.value.then((shared) => this.served(args, root, delivered, member, shared));
  }

  /** The result of `root` once `entry` (from `sharedEntryFor`) has settled: shared, or executed for the subscriber alone. */
  resultOf(args: ExecutionArgs, root: unknown, delivered: Viewer, entry: SharedEntry): ExecutionResult | Promise<ExecutionResult> {
    if (!entry.settled) return entry.value.then((shared) => this.served(args, root, delivered, delivered.member!.id, shared));
    return this.served(args, root, delivered, delivered.member!.id, entry.settled);
  }

  /** The shared execution the event `root` of the subscription of `args` is served from (started here if new); null when not shareable. */
  sharedEntryFor(args: ExecutionArgs, documentKey: string, root: unknown): { entry: SharedEntry; delivered: Viewer } | null {
    const subscriber = args.contextValue as GraphQLContext;
    const delivered = resolvedViewerOf(root) ?? subscriber.viewer;
    const eventKey = typeof root === 'object' && root !== null ? (root as { [SHARE_KEY]?: string })[SHARE_KEY] : undefined;
    const viewerClass = eventKey ? visibilityClassOf(delivered) : null;
    if (!eventKey || !viewerClass) return null;
    // Subscribers of one pass mostly follow one another with the same document, class and event: no key to build.
    const memo = this.lastEntries.get(eventKey);
    if (memo && memo.viewerClass === viewerClass && memo.documentKey === documentKey) return { entry: memo.entry, delivered };
    const key = `${documentKey}\n${viewerClass}\n${eventKey}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const now = performance.now();
      this.prune(now);
      const viewer = classViewerOf(delivered);
      const created: SharedEntry = {
        at: now,
        settled: null,
        value: Promise.resolve(execute({ ...args, rootValue: root, contextValue: this.eventContext(subscriber, viewer) })).then((result) => {
          this.stats.shared++;
          if (!result.errors?.length) serialized.set(result, { payload: JSON.stringify(result), messages: new Map() });
          return (created.settled = { result, probed: viewer.identityProbe! });
        }),
      };
      entry = created;
      this.entries.set(key, entry);
      created.value.catch(() => {
        this.entries.delete(key);
        if (this.lastEntries.get(eventKey)?.entry === created) this.lastEntries.delete(eventKey);
      });
    }
    if (this.lastEntries.size >= MAX_ENTRIES) this.lastEntries.clear();
    this.lastEntries.set(eventKey, { documentKey, viewerClass, entry });
    return { entry, delivered };
  }

  private served(args: ExecutionArgs, root: unknown, delivered: Viewer, member: string, shared: SharedResult): ExecutionResult | Promise<ExecutionResult> {
    if (shared.probed.has(member)) return this.executeAlone(args, root, delivered);
    this.stats.served++;
    return shared.result;
  }

  private async executeAlone(args: ExecutionArgs, root: unknown, viewer: Viewer): Promise<ExecutionResult> {
    this.stats.individual++;
    return execute({ ...args, rootValue: root, contextValue: this.eventContext(args.contextValue as GraphQLContext, viewer) });
  }

  /** The document and the values of the variables its selection set uses below the root field. */
  documentKeyOf(args: ExecutionArgs): string {
    let known = this.documentIds.get(args.document);
    if (!known) {
      known = { id: this.nextDocumentId++, variables: variablesBelowRootFields(args.document, args.operationName ?? null) };
      this.documentIds.set(args.document, known);
    }
    const values = args.variableValues ?? {};
    const used = known.variables.map((name) => values[name]);
    return `${known.id}:${args.operationName ?? ''}:${used.length ? JSON.stringify(used) : ''}`;
  }

  private prune(now: number): void {
    this.lastEntries.clear();
    for (const [key, entry] of this.entries) {
      if (now - entry.at <= KEEP_MS && this.entries.size < MAX_ENTRIES) break; // insertion order: the rest are newer
      this.entries.delete(key);
    }
  }
}

/**
 * The variables the operation uses anywhere but in its root fields' own arguments (which only choose the stream:
 * `after`, `types`, a filter; the root resolvers return the event as it is). Fragments count whole.
 */
export function variablesBelowRootFields(document: DocumentNode, operationName: string | null): string[] {
  const names = new Set<string>();
  const collect = (node: Parameters<typeof visit>[0]) =>
    visit(node, {
      Variable(variable) {
        names.add(variable.name.value);
      },
    });
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) collect(definition);
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const operation = definition as OperationDefinitionNode;
    if (operationName && operation.name?.value !== operationName) continue;
    for (const directive of operation.directives ?? []) collect(directive);
    for (const selection of operation.selectionSet.selections) {
      if (selection.kind !== Kind.FIELD) {
        collect(selection);
        continue;
      }
      for (const directive of selection.directives ?? []) collect(directive);
      if (selection.selectionSet) collect(selection.selectionSet);
    }
  }
  return [...names].sort();
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

/** The part of a `ws` socket the writer needs. */
export interface WritableSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: Buffer, options: { binary: boolean }): void;
}

/**
 * One subscription of a delivery stream (the modules' subscriptions): a single loop takes each value the stream
 * delivers (the event, access re-checked), looks up its result (`SharedExecutions.resultFor`), and — once the
 * transport has attached a socket (`writeSharedTo`) — writes a result that has a serialised payload (a shared
 * execution without errors) to the socket itself, as a complete `next` message: the class's JSON spliced behind
 * this subscription's id, framed once per class and event. Anything else (errors, individual executions) is
 * handed back to graphql-ws the usual way, through `onNext` and its error formatting. graphql-ws asks for the next
 * result only after sending the previous one, so messages keep their order.
 *
 * A stream that can be polled (an org feed with a `BatchDelivery`) is driven without a promise per event: while its
 * feed has nothing, the subscription is parked (no suspended frame, only graphql-ws's pending `next`); an event that
 * wakes it joins the fan-out pass of that event (`FanoutPass`): one access re-check for every subscriber it reaches,
 * one wait per visibility class, then one synchronous loop writing to the sockets. A feed that must read the log
 * (a replay, a gap) is read the usual way, one event at a time, until it is caught up and parks again.
 *
 * One object and one loop per subscription instead of a wrapper per concern: a subscription is one of thousands
 * and each layer of async iteration costs every delivery a promise and every idle subscriber a suspended frame.
 */
export class SharedSubscription implements AsyncIterableIterator<ExecutionResult> {
  readonly documentKey: string;
  private socket: WritableSocket | null = null;
  private id = '';
  private onWritten: (() => void) | null = null;
  /** graphql-ws's pending `next()` (a polled stream), settled with what it must send, the end or an error. */
  private waiter: { resolve: (result: IteratorResult<ExecutionResult>) => void; reject: (error: unknown) => void } | null = null;
  private readonly wake = () => this.pump();
  /** Results of a pass not yet sent, behind one graphql-ws is sending (see `finishAll`). */
  private queued: Array<ExecutionResult | Promise<ExecutionResult> | PassFailure> | null = null;

  constructor(
    private readonly executions: SharedExecutions,
    readonly args: ExecutionArgs,
    readonly stream: DeliveryStream<unknown, unknown>,
  ) {
    this.documentKey = executions.documentKeyOf(args);
  }

  /** Writes shared results to `socket` as subscription `id`, calling `onWritten` for each (the metrics). */
  writeSharedTo(socket: WritableSocket, id: string, onWritten: () => void): void {
    this.socket = socket;
    this.id = id;
    this.onWritten = onWritten;
  }

  next(): Promise<IteratorResult<ExecutionResult>> {
    if (!this.stream.pollable) return this.nextTaken();
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
      this.pump();
    });
  }

  /** A stream that cannot be polled: one value at a time through `take`. */
  private async nextTaken(): Promise<IteratorResult<ExecutionResult>> {
    // Nothing of one event is left in a local while waiting for the next: a suspended frame keeps its locals alive.
    let result: ExecutionResult | Promise<ExecutionResult> | null | undefined;
    for (;;) {
      const root = await this.stream.take();
      result = root === null ? null : this.executions.resultFor(this.args, this.documentKey, root);
      if (result === null) return { done: true, value: undefined };
      if (result instanceof Promise) result = await result;
      if (!this.wroteShared(result)) return { done: false, value: result };
      result = undefined;
    }
  }

  /**
   * Takes the stream's next event without waiting: into the fan-out pass of that event (a socket attached), or
   * delivered on its own; parks when there is none; reads when the feed must. Called for graphql-ws's `next`, after
   * each shared write, and by the feed's wake.
   */
  pump(): void {
    if (!this.waiter) return; // graphql-ws is sending a result: it asks again when done
    if (this.queued) return this.drain();
    const polled = this.stream.poll();
    if (polled === null) return this.settle({ done: true, value: undefined });
    if (polled === IDLE) return this.stream.park(this.wake);
    if (polled === READ) return void this.readThenDeliver();
    if (!this.socket) return void this.deliverAlone(polled);
    // Everything the feed holds (a burst this process is behind on) goes into one pass: one re-check, one write.
    const events = [polled];
    for (let more = this.stream.poll(); events.length < MAX_EVENTS_PER_PASS && more !== null && more !== IDLE && more !== READ; ) {
      events.push(more);
      if (events.length < MAX_EVENTS_PER_PASS) more = this.stream.poll();
    }
    this.executions.fanout.add(this, events);
  }

  /** The feed must read the log: the next event the usual way. */
  private async readThenDeliver(): Promise<void> {
    try {
      const event = await this.stream.read();
      if (event === null) return this.settle({ done: true, value: undefined });
      await this.deliverAlone(event);
    } catch (error) {
      this.fail(error);
    }
  }

  private async deliverAlone(event: unknown): Promise<void> {
    try {
      const root = await this.stream.deliverOne(event);
      if (root === null) return this.pump();
      this.finish(await this.executions.resultFor(this.args, this.documentKey, root));
    } catch (error) {
      this.fail(error);
    }
  }

  /** A result for this subscription: written (then on to the next event), or handed to graphql-ws to send. */
  finish(result: ExecutionResult): void {
    if (this.wroteShared(result)) return this.pump();
    this.settle({ done: false, value: result });
  }

  /**
   * The results of a pass, in order, then `failure` if the re-check ended the subscription: shared ones written
   * together (the TCP socket corked: one write for all of them), the first other one handed to graphql-ws, the rest
   * kept until it asks again.
   */
  finishAll(results: Array<ExecutionResult | Promise<ExecutionResult>>, failure?: PassFailure): void {
    this.queued = failure ? [...results, failure] : results;
    this.drain();
  }

  private drain(): void {
    const queued = this.queued!;
    const tcp = queued.length > 1 ? (this.socket as unknown as WsInternals | null)?._socket : undefined;
    tcp?.cork();
    try {
      while (queued.length) {
        const head = queued[0]!;
        if (head instanceof Promise) {
          head.then(
            (result) => ((queued[0] = result), this.drain()),
            (error: unknown) => ((queued[0] = new PassFailure(error)), this.drain()),
          );
          return;
        }
        queued.shift();
        if (head instanceof PassFailure) {
          this.queued = null;
          return this.fail(head.error);
        }
        if (this.wroteShared(head)) continue;
        if (!queued.length) this.queued = null;
        return this.settle({ done: false, value: head });
      }
      this.queued = null;
    } finally {
      tcp?.uncork();
    }
    this.pump();
  }

  /** Ends the subscription with `error`, as a throw from the stream did. */
  fail(error: unknown): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.reject(error);
  }

  private settle(result: IteratorResult<ExecutionResult>): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.resolve(result);
  }

  /** Writes a shared result to the attached socket; false when it is for graphql-ws to send. */
  private wroteShared(result: ExecutionResult): boolean {
    const socket = this.socket;
    const shared = socket ? serialized.get(result) : undefined;
    if (!socket || shared === undefined) return false;
    // Closing (graphql-ws returns the subscription), or returned already (a polled stream's `next` was settled).
    if (socket.readyState !== socket.OPEN || (!this.waiter && this.stream.pollable)) return true;
    writeShared(socket, messageOf(shared, this.id));
    this.onWritten!();
    return true;
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    await this.stream.return();
    this.settle({ done: true, value: undefined });
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.settle({ done: true, value: undefined });
    return this.stream.throw(error) as Promise<IteratorResult<ExecutionResult>>;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ExecutionResult> {
    return this;
  }
}

/**
 * The fan-out passes of one process: the subscriptions an event wakes in the same turn are taken together, per event
 * (the same object for every feed of the org: parsed once by the hub, or read once from the log). For each event:
 * one access re-check for all of them (`SubscriberDirectory.accesses`: one promise, one statement), each value built
 * synchronously, one wait per distinct shared execution (one per visibility class), then one synchronous loop writing
 * the class's framed message to each socket. A subscriber whose re-check fails ends with that error; one an identity
 * rule asked about is executed on its own; each then takes its next event (the next pass, in order).
 */
export class FanoutPass {
  private waiting: Array<{ subscription: SharedSubscription; events: unknown[] }> | null = null;
  private readonly run = () => this.runAll();

  constructor(private readonly executions: SharedExecutions) {}

  /** Adds a subscription with the events its feed held (in order) to the pass of this turn. */
  add(subscription: SharedSubscription, events: unknown[]): void {
    if (!this.waiting) {
      this.waiting = [];
      queueMicrotask(this.run);
    }
    this.waiting.push({ subscription, events });
  }

  private runAll(): void {
    const waiting = this.waiting!;
    this.waiting = null;
    // Whose access to re-check, per directory and org (in practice one: the org of the events), as fresh as the
    // newest event of the pass requires (a re-check that fresh is fresh for every earlier event).
    const groups = new Map<string, PassGroup>();
    for (const { subscription, events } of waiting) {
      let check: AccessCheck | null = null;
      const wanted: unknown[] = [];
      let notBefore = 0;
      for (const event of events) {
        const asked = subscription.stream.batch!.check(event);
        if (asked === null) continue;
        check = asked;
        wanted.push(event);
        notBefore = Math.max(notBefore, (event as { receivedAt?: number }).receivedAt ?? performance.now());
      }
      if (check === null) {
        subscription.pump(); // all skipped: on to its next events
        continue;
      }
      let group = groups.get(check.orgId);
      if (group && group.check.directory !== check.directory) group = undefined; // another gateway in this process (tests)
      if (!group) groups.set(check.orgId, (group = { check, users: new Set(), members: [], notBefore: 0 }));
      group.users.add(check.userId);
      group.members.push({ subscription, events: wanted, userId: check.userId });
      group.notBefore = Math.max(group.notBefore, notBefore);
    }
    for (const group of groups.values()) void this.deliver(group);
  }

  private async deliver(group: PassGroup): Promise<void> {
    let lookup: (userId: string) => SubscriberAccess | null;
    try {
      lookup = await group.check.directory.accesses(group.users, group.check.orgId, group.notBefore);
    } catch (error) {
      for (const { subscription } of group.members) subscription.fail(error);
      return;
    }
    const planned: Array<{ subscription: SharedSubscription; items: PassItem[]; failure?: PassFailure }> = [];
    const unsettled = new Set<Promise<SharedResult>>();
    for (const { subscription, events, userId } of group.members) {
      const access = lookup(userId);
      const items: PassItem[] = [];
      let failure: PassFailure | undefined;
      for (const event of events) {
        let root: unknown;
        try {
          root = subscription.stream.deliverWith(event, access);
        } catch (error) {
          failure = new PassFailure(error);
          break;
        }
        if (root === null) continue;
        this.executions.stats.passDeliveries++;
        const found = this.executions.sharedEntryFor(subscription.args, subscription.documentKey, root);
        if (found && !found.entry.settled) unsettled.add(found.entry.value);
        items.push({ root, entry: found?.entry ?? null, delivered: found?.delivered ?? null });
      }
      planned.push({ subscription, items, failure });
    }
    // One wait for every class of the events; a failed execution fails its subscribers (in `resultOf`, in order).
    if (unsettled.size) await Promise.allSettled(unsettled);
    for (const { subscription, items, failure } of planned) {
      if (items.length === 0 && !failure) {
        subscription.pump();
        continue;
      }
      const results = items.map(({ root, entry, delivered }) =>
        entry ? this.executions.resultOf(subscription.args, root, delivered!, entry) : this.executions.resultFor(subscription.args, subscription.documentKey, root),
      );
      subscription.finishAll(results, failure);
    }
  }
}

/** What ended a subscription in a pass (its re-check refused it, an execution failed), after the results before it. */
class PassFailure {
  constructor(readonly error: unknown) {}
}

/** Most events one pass takes from a feed (a burst); the rest go into the next pass. */
const MAX_EVENTS_PER_PASS = 64;

/** The subscribers of one pass whose access is re-checked together (one directory, one org). */
interface PassGroup {
  check: AccessCheck;
  users: Set<string>;
  members: Array<{ subscription: SharedSubscription; events: unknown[]; userId: string }>;
  notBefore: number;
}

/** One event of a subscriber in a pass: its root and the shared execution serving it (null: executed alone). */
interface PassItem {
  root: unknown;
  entry: SharedEntry | null;
  delivered: Viewer | null;
}

/** The `next` message of subscription `id` carrying a shared result, made once per result for the common ids. */
function messageOf(shared: Serialized, id: string): SharedMessage {
  let message = shared.messages.get(id);
  if (!message) {
    const data = Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":${shared.payload}}`);
    message = { data, frame: textFrame(data) };
    if (shared.messages.size < MAX_MESSAGES_PER_RESULT) shared.messages.set(id, message);
  }
  return message;
}

/** `data` as one unmasked, final WebSocket text frame (RFC 6455 5.2), as a server sends it. */
function textFrame(data: Buffer): Buffer {
  const length = data.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  data.copy(frame, header);
  return frame;
}

/** What `writeShared` reads of a `ws` WebSocket's internals (ws 8). */
interface WsInternals {
  _socket?: { write(data: Buffer): boolean; writable: boolean; cork(): void; uncork(): void };
  _sender?: { _state: number; _queue: unknown[] };
  _extensions?: Record<string, unknown>;
}

/**
 * Writes a shared message: when nothing stands between the WebSocket and its TCP socket (no compression
 * negotiated, nothing queued in ws's sender), the pre-framed bytes go to the TCP socket in one write, which is what
 * `ws.send` would do in two (header and payload, corked) after framing the same bytes again for every socket.
 * Otherwise through `ws.send`.
 */
function writeShared(socket: WritableSocket, message: SharedMessage): void {
  const internals = socket as unknown as WsInternals;
  const tcp = internals._socket;
  const sender = internals._sender;
  if (tcp?.writable && sender && sender._state === 0 && sender._queue.length === 0 && internals._extensions && !internals._extensions['permessage-deflate']) {
    tcp.write(message.frame);
  } else {
    socket.send(message.data, { binary: false }); // a text frame, as graphql-ws sends
  }
}
