import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError, Kind, type ExecutionResult } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { AppServices } from '../app';
import type { Credential } from '../auth/jwt';
import { localeOfViewer, Viewer } from '../auth/viewer';
import type { Locale } from '../i18n';
import { clientAddressOf } from '../limits/client-address';
import type { CostReport } from '../limits/operation-limits';
import type { GraphQLContext } from './context';
import type { OperationPipeline } from './operation-pipeline';
import { viewersChangedBy, createErrorFormatter } from './plugins';
import type { OperationType } from '../observability/metrics';
import { ObservedSubscription } from '../observability/observed-subscription';
import { identityOf, outcomeOf, roundMs } from '../observability/operation-observer';
import type { CreateLoaders } from './loaders';
import { lazyContext } from './subscriptions';
import { SharedExecutions, SharedSubscription } from './shared-execution';

/** What a connection keeps between messages: the credential of the token verified at `connection_init`. */
type SocketExtra = {
  /** A person's session, or an API client's access token. */
  credential?: Credential;
  /** When the token expires (ms since the epoch); a subscribe after that is unauthenticated. */
  expiresAt?: number;
  /** The client's address, read from the upgrade request at `connection_init` (the request itself is not kept). */
  clientAddress?: string | null;
  /**
   * The languages the client asks for: the `acceptLanguage` (or `locale`) connection parameter, else the upgrade
   * request's `Accept-Language`. Messages go out in the viewer's saved locale first (`localeOfViewer`).
   */
  acceptLanguage?: string | null;
  /** The locale of each subscribe refused in `onSubscribe`, until `onError` writes its errors. */
  refusedLocales?: Map<string, Locale>;
};

/** What the metrics and the log line of one subscribe need, from `onSubscribe` to `onOperation`. */
interface OperationStart {
  startedAt: number;
  name: string | null;
  type: OperationType;
  /** The socket's token, for the log line when the viewer could not be loaded. */
  credential: GraphQLContext['credential'];
}

/**
 * graphql-ws on the gateway's port (path /graphql).
 *
 * - `connection_init` carries the token (`authorization: "Bearer …"` or `token`): none closes with 4401, an invalid
 *   one or an unknown user with 4403.
 * - Every subscribe gets a context of its own: one EntityManager fork, and the viewer loaded afresh (batched with
 *   the other subscribes of the same moment), so a socket opened before a demotion does not subscribe with old
 *   rights. A token that has expired since the socket opened subscribes as nobody (UNAUTHENTICATED).
 * - Holders of an initial enterprise password get PASSWORD_CHANGE_REQUIRED, as over HTTP.
 * - Each subscribe is one operation for the metrics and the log (`requestId` of its own): one line when it starts
 *   (or is refused), one when a subscription ends, with how long it ran and how many results it delivered.
 * - API clients connect with their access token; a subscribe needs `events:subscribe` and the read scopes of the
 *   types it selects (FORBIDDEN otherwise), as the HTTP gate decides.
 * - Every message is opened by the operation pipeline (`src/graphql/operation-pipeline.ts`), as HTTP operations are:
 *   token limit, validation, depth, aliases, directives, cost, the cost and guess budgets, then the viewer and an API
 *   client's scopes; a hostile operation is refused with the same codes as over HTTP. The socket server bounds each
 *   message to `MAX_OPERATION_BYTES` (a larger one closes the socket with 1009 before it is read).
 */
export function startGraphQLWs(wsServer: WebSocketServer, pipeline: OperationPipeline, app: AppServices, createLoaders: CreateLoaders, logger: Logger) {
  const schema = pipeline.schema;

  const viewerFor = async (extra: SocketExtra): Promise<Viewer> => {
    const { credential, expiresAt } = extra;
    if (!credential || (expiresAt !== undefined && expiresAt <= Date.now())) return Viewer.anonymous();
    if (credential.kind === 'apiClient') return app.loadViewer(app.orm.em.fork(), credential); // its row as it is now
    const now = performance.now();
    if (credential.org) return (await app.subscribers.viewer(credential.sub, credential.org, now)) ?? Viewer.anonymous();
    const user = await app.subscribers.user(credential.sub, now);
    return user ? new Viewer(user) : Viewer.anonymous();
  };

  // The same error policy as over HTTP: our codes as they are, anything unexpected hidden and logged.
  const formatError = createErrorFormatter(logger);
  const format = (errors: readonly GraphQLError[], locale: Locale) => errors.map((error) => formatError(error.toJSON(), error, locale));

  const starts = new WeakMap<GraphQLContext, OperationStart>();
  // Subscription events: executed once per visibility class, the result written to each socket of the class.
  // Each event runs in a context of its own (see `graphql/subscriptions.ts`); a class execution's has no credential.
  const shared = new SharedExecutions(
    (subscriber, viewer) =>
      lazyContext(
        {
          app,
          requestId: subscriber.requestId,
          clientAddress: subscriber.clientAddress,
          credential: viewer.identityProbe ? null : (subscriber.credential ?? null),
          createLoaders,
        },
        viewer,
      ),
    app.realtime.sharedExecutions,
  );

  // Logged with a `requestId` field rather than through a child logger: a subscription keeps nothing of its log.
  const record = (start: OperationStart, errors: readonly GraphQLError[] | undefined, viewer: Viewer, requestId: string) => {
    const durationMs = performance.now() - start.startedAt;
    const outcome = outcomeOf(errors);
    app.metrics.recordOperation({ operation: app.metrics.operationLabel(start.name), type: start.type, outcome, durationSeconds: durationMs / 1000 });
    app.logger.info(
      { requestId, operation: start.name?.slice(0, 100) ?? null, operationType: start.type, ...identityOf({ viewer, credential: start.credential }), outcome, durationMs: roundMs(durationMs), transport: 'ws' },
      'graphql operation',
    );
  };
  
  return useServer<Record<string, unknown>, SocketExtra>(
    {
      schema,
      subscribe: (args) => shared.subscribe(args),
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.token;
        if (typeof raw !== 'string' || !raw) {
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
        const token = raw.replace(/^Bearer\s+/i, '').trim();
        const credential = await app.tokens.verifyCredential(token);
        if (!credential) return false; // 4403 Forbidden
        if (credential.kind === 'user' && !(await app.subscribers.user(credential.sub, performance.now()))) return false;
        // A partner's token: the client must still exist, unrevoked and with this secret.
        if (credential.kind === 'apiClient' && !(await app.loadViewer(app.orm.em.fork(), credential)).apiClient) return false;
        const { exp } = decodeJwt(token);
        ctx.extra.credential = credential;
        ctx.extra.expiresAt = typeof exp === 'number' ? exp * 1000 : undefined;
        ctx.extra.clientAddress = clientAddressOf(ctx.extra.request, app.config.trustProxy);
        ctx.extra.acceptLanguage = acceptLanguageOf(ctx.connectionParams, ctx.extra.request.headers['accept-language']);
        delete (ctx.extra as { request?: unknown }).request; // a few KiB per socket, for as long as it stays open
        (ctx as { connectionParams?: unknown }).connectionParams = undefined; // the token, read: the credential has it
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const requestId = randomUUID();
        const start: OperationStart = { startedAt: performance.now(), name: payload.operationName ?? null, type: 'unknown', credential: ctx.extra.credential ?? null };
        const refuse = (errors: GraphQLError[], viewer = Viewer.anonymous()) => {
          record(start, errors, viewer, requestId);
          (ctx.extra.refusedLocales ??= new Map()).set(_id, localeOfViewer(viewer, ctx.extra.acceptLanguage));
          return errors;
        };
        const document = pipeline.parse(payload.query);
        if (!('kind' in document)) return refuse([...document]);
        const operation = getOperationAST(document, payload.operationName);
        start.type = operation?.operation ?? 'unknown';
        start.name = operation?.name?.value ?? start.name;
        const caller = { credential: ctx.extra.credential ?? null, clientAddress: ctx.extra.clientAddress ?? null };
        let viewer = Viewer.anonymous();
        let costReport: CostReport | undefined;
        try {
          await pipeline.open({
            document,
            operation,
            variables: payload.variables,
            caller,
            loadViewer: async () => (viewer = await viewerFor(ctx.extra)),
            report: (report) => (costReport = report),
          });
        } catch (error) {
          // Unexpected ones (the database down while loading the viewer) go through the error formatter like the rest.
          return refuse([error instanceof GraphQLError ? error : new GraphQLError('Internal server error', { originalError: error as Error })], viewer);
        }
        // Socket operations read from the primary; a mutation sent here still sends its caller's next HTTP queries there.
        if (operation?.operation === 'mutation' && caller.credential) {
          await app.readRouter.recordWrite({ credential: caller.credential, clientAddress: caller.clientAddress });
        }
        const contextValue = lazyContext({ app, requestId, createLoaders, ...caller, acceptLanguage: ctx.extra.acceptLanguage }, viewer);
        contextValue.costReport = costReport; // the `rateLimit` field, as over HTTP
        starts.set(contextValue, start);
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onOperation: (ctx, id, _payload, args, result) => {
        const contextValue = args.contextValue as GraphQLContext;
        const start = starts.get(contextValue);
        if (!start) return undefined;
        starts.delete(contextValue);
        if (!isAsyncIterator(result)) {
          // A query or mutation over the socket, or a subscription refused before its first event.
          record(start, (result as ExecutionResult).errors, contextValue.viewer, contextValue.requestId);
          if (start.type === 'mutation') void app.viewerCache.invalidate(viewersChangedBy(contextValue));
          return undefined;
        }
        record(start, undefined, contextValue.viewer, contextValue.requestId);
        const operation = getOperationAST(args.document, args.operationName);
        const root = operation?.selectionSet.selections[0];
        const field = root?.kind === Kind.FIELD ? root.name.value : 'unknown';
        const observed = new ObservedSubscription(result, field, app.metrics, ({ delivered, durationMs }) =>
          app.logger.info({ requestId: contextValue.requestId, operation: start.name?.slice(0, 100) ?? null, subscription: field, delivered, durationMs: roundMs(durationMs) }, 'subscription ended'),
        );
        // Shared results go straight to the socket; the rest (errors, individual executions) through graphql-ws.
        if (result instanceof SharedSubscription) result.writeSharedTo(ctx.extra.socket, id, () => observed.countDelivered());
        return observed;
      },
      onNext: (ctx, _id, _payload, args, result) =>
        result.errors?.length
          ? { ...result, errors: format(result.errors, localeOfViewer((args.contextValue as GraphQLContext).viewer, ctx.extra.acceptLanguage)) }
          : undefined,
      onError: (ctx, id, _payload, errors) => {
        const locale = ctx.extra.refusedLocales?.get(id) ?? localeOfViewer(Viewer.anonymous(), ctx.extra.acceptLanguage);
        ctx.extra.refusedLocales?.delete(id);
        return format(errors, locale);
      },
    },
    wsServer,
  );
}

/** The socket's language preference: a connection parameter (`acceptLanguage`, `locale`), else the upgrade header. */
function acceptLanguageOf(params: Readonly<Record<string, unknown>> | undefined, header: string | undefined): string | null {
  const given = params?.acceptLanguage ?? params?.['accept-language'] ?? params?.locale;
  return typeof given === 'string' && given ? given.slice(0, 200) : (header?.slice(0, 200) ?? null);
}

function isAsyncIterator(value: unknown): value is AsyncIterableIterator<ExecutionResult> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value && typeof (value as { next?: unknown }).next === 'function';
}
