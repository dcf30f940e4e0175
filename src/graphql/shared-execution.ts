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
  return `${viewer.org.id}#${viewer.member.status}#${grantsId}`;
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

/** One shared execution: the result, its serialised `payload` (null when it has errors), who it asked about. */
interface SharedResult {
  result: ExecutionResult;
  /** Member ids an identity rule asked about; their subscribers execute on their own. */
  probed: Set<string>;
}

/**
 * Serialised shared results: the payload JSON, stringified once per class and event, and the complete `next`
 * messages built from it per subscription id (clients mostly number their subscriptions alike: one or two ids cover
 * thousands of sockets), encoded once, so each socket is handed the same bytes.
 */
interface Serialized {
  payload: string;
  messages: Map<string, Buffer>;
}
const serialized = new WeakMap<ExecutionResult, Serialized>();
/** Distinct subscription ids whose message is kept per shared result; rarer ids are encoded per socket. */
const MAX_MESSAGES_PER_RESULT = 8;


/**
 * The registry of shared executions of one process. `subscribe` replaces graphql's `subscribe` for graphql-ws: the
 * same source stream (the subscription field's `subscribe`), then each event's result is looked up here first.
 */
export class SharedExecutions {
  private readonly entries = new Map<string, { at: number; value: Promise<SharedResult> }>();
  private readonly documentIds = new WeakMap<DocumentNode, { id: number; variables: string[] }>();
  private nextDocumentId = 1;

  /**
   * @param eventContext the context an event is executed in, made from the subscriber's and the viewer the event is
   *   delivered to, or the class viewer (no EntityManager until a field needs one).
   * @param stats counters to keep (the event hub's, for tests and metrics).
   */
  constructor(
    private readonly eventContext: (subscriber: GraphQLContext, viewer: Viewer) => GraphQLContext,
    readonly stats: SharedExecutionStats = { shared: 0, served: 0, individual: 0 },
  ) {}

  /** graphql-ws's `subscribe` option. */
  async subscribe(args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
    const stream = await createSourceEventStream(args);
    if (!isAsyncIterable(stream)) return stream as ExecutionResult;
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<unknown>;
    const next = async (): Promise<IteratorResult<ExecutionResult>> => {
      const step = await iterator.next();
      if (step.done) return { done: true, value: undefined };
      return { done: false, value: await this.resultFor(args, step.value) };
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

  private async resultFor(args: ExecutionArgs, root: unknown): Promise<ExecutionResult> {
    const subscriber = args.contextValue as GraphQLContext;
    const delivered = resolvedViewerOf(root) ?? subscriber.viewer;
    const eventKey = typeof root === 'object' && root !== null ? (root as { [SHARE_KEY]?: string })[SHARE_KEY] : undefined;
    const viewerClass = eventKey ? visibilityClassOf(delivered) : null;
    if (!eventKey || !viewerClass) return this.executeAlone(args, root, delivered);
    const key = `${this.documentKeyOf(args)}\n${viewerClass}\n${eventKey}`;
    const now = performance.now();
    let entry = this.entries.get(key);
    if (!entry) {
      this.prune(now);
      const viewer = classViewerOf(delivered);
      const value = Promise.resolve(execute({ ...args, rootValue: root, contextValue: this.eventContext(subscriber, viewer) })).then((result) => {
        this.stats.shared++;
        if (!result.errors?.length) serialized.set(result, { payload: JSON.stringify(result), messages: new Map() });
        return { result, probed: viewer.identityProbe! };
      });
      entry = { at: now, value };
      this.entries.set(key, entry);
      value.catch(() => this.entries.delete(key));
    }
    const shared = await entry.value;
    if (shared.probed.has(delivered.member!.id)) return this.executeAlone(args, root, delivered);
    this.stats.served++;
    return shared.result;
  }

  private async executeAlone(args: ExecutionArgs, root: unknown, viewer: Viewer): Promise<ExecutionResult> {
    this.stats.individual++;
    return execute({ ...args, rootValue: root, contextValue: this.eventContext(args.contextValue as GraphQLContext, viewer) });
  }

  /** The document and the values of the variables its selection set uses below the root field. */
  private documentKeyOf(args: ExecutionArgs): string {
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
interface WritableSocket {
  readonly readyState: number;
  readonly OPEN: number;
  send(data: Buffer, options: { binary: boolean }): void;
}

/**
 * Wraps a subscription's results for graphql-ws: a result that has a serialised payload (a shared execution without
 * errors) is written to the socket here as a complete `next` message — the class's JSON spliced behind this
 * subscription's id — instead of being handed back to graphql-ws to stringify once per socket. Anything else
 * (errors, individual executions) goes the usual way, through `onNext` and its error formatting. graphql-ws asks for
 * the next result only after sending the previous one, so messages keep their order.
 */
export function writingSharedResults(
  source: AsyncIterableIterator<ExecutionResult>,
  socket: WritableSocket,
  id: string,
): AsyncIterableIterator<ExecutionResult> {
  const prefix = `{"id":${JSON.stringify(id)},"type":"next","payload":`;
  return {
    async next() {
      for (;;) {
        const step = await source.next();
        if (step.done) return step;
        const shared = serialized.get(step.value);
        if (shared === undefined) return step;
        if (socket.readyState !== socket.OPEN) continue;
        let message = shared.messages.get(id);
        if (!message) {
          message = Buffer.from(`${prefix}${shared.payload}}`);
          if (shared.messages.size < MAX_MESSAGES_PER_RESULT) shared.messages.set(id, message);
        }
        socket.send(message, { binary: false }); // a text frame, as graphql-ws sends
      }
    },
    return: (value?: unknown) => (source.return ? source.return(value) : Promise.resolve({ done: true, value: undefined })),
    throw: (error?: unknown) => (source.throw ? source.throw(error) : Promise.reject(error)),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
