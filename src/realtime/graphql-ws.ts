import { randomUUID } from 'node:crypto';
import { getOperationAST, GraphQLError, parse, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { decodeJwt } from 'jose';
import type { Logger } from 'pino';
import type { WebSocketServer } from 'ws';
import type { AppServices } from '../app';
import type { TokenClaims } from '../auth/jwt';
import { Viewer } from '../auth/viewer';
import type { GraphQLContext } from '../graphql/context';
import { assertPasswordChangeAllows, createErrorFormatter } from '../graphql/plugins';
import { useLazyLoaders } from './realtime.service';

/** What a connection keeps between messages: the claims of the token verified at `connection_init`. */
type SocketExtra = {
  claims?: TokenClaims;
  /** When the token expires (ms since the epoch); a subscribe after that is unauthenticated. */
  expiresAt?: number;
};

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}

/** Parsed and validated documents by query text: dashboards subscribe with the same few queries. */
const DOCUMENT_CACHE_SIZE = 500;

/**
 * graphql-ws on the gateway's port (path /graphql).
 *
 * - `connection_init` carries the token (`authorization: "Bearer …"` or `token`): none closes with 4401, an invalid
 *   one or an unknown user with 4403.
 * - Every subscribe gets a context of its own: one EntityManager fork, and the viewer loaded afresh (batched with
 *   the other subscribes of the same moment), so a socket opened before a demotion does not subscribe with old
 *   rights. A token that has expired since the socket opened subscribes as nobody (UNAUTHENTICATED).
 * - Holders of an initial enterprise password get PASSWORD_CHANGE_REQUIRED, as over HTTP.
 */
export function startGraphQLWs(wsServer: WebSocketServer, schema: GraphQLSchema, app: AppServices, logger: Logger) {
  const documents = new Map<string, DocumentNode>();

  const documentFor = (query: string): DocumentNode | readonly GraphQLError[] => {
    const cached = documents.get(query);
    if (cached) return cached;
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch (error) {
      return [withCode(error instanceof GraphQLError ? error : new GraphQLError('Invalid query'), 'GRAPHQL_PARSE_FAILED')];
    }
    const errors = validate(schema, document);
    if (errors.length) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
    if (documents.size >= DOCUMENT_CACHE_SIZE) documents.delete(documents.keys().next().value!);
    documents.set(query, document);
    return document;
  };

  const viewerFor = async (extra: SocketExtra): Promise<Viewer> => {
    const { claims, expiresAt } = extra;
    if (!claims || (expiresAt !== undefined && expiresAt <= Date.now())) return Viewer.anonymous();
    const now = performance.now();
    if (claims.org) return (await app.realtime.loaders.viewer(claims.sub, claims.org, now)) ?? Viewer.anonymous();
    const user = await app.realtime.loaders.user(claims.sub, now);
    return user ? new Viewer(user) : Viewer.anonymous();
  };

  // The same error policy as over HTTP: our codes as they are, anything unexpected hidden and logged.
  const formatError = createErrorFormatter(logger);
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));

  return useServer<Record<string, unknown>, SocketExtra>(
    {
      schema,
      onConnect: async (ctx) => {
        const raw = ctx.connectionParams?.authorization ?? ctx.connectionParams?.token;
        if (typeof raw !== 'string' || !raw) {
          ctx.extra.socket.close(CloseCode.Unauthorized, 'Unauthorized');
          return false;
        }
        const token = raw.replace(/^Bearer\s+/i, '').trim();
        const claims = await app.tokens.verify(token);
        if (!claims || !(await app.realtime.loaders.user(claims.sub, performance.now()))) return false; // 4403 Forbidden
        const { exp } = decodeJwt(token);
        ctx.extra.claims = claims;
        ctx.extra.expiresAt = typeof exp === 'number' ? exp * 1000 : undefined;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const document = documentFor(payload.query);
        if (!('kind' in document)) return [...document];
        const viewer = await viewerFor(ctx.extra);
        const operation = getOperationAST(document, payload.operationName);
        try {
          assertPasswordChangeAllows(viewer, operation);
        } catch (error) {
          return [error as GraphQLError];
        }
        // Socket operations read from the primary; a mutation sent here still sends its caller's next HTTP queries there.
        if (operation?.operation === 'mutation' && ctx.extra.claims) {
          await app.readRouter.recordWrite({ credential: { kind: 'user', ...ctx.extra.claims }, clientAddress: null });
        }
        const contextValue = {
          em: app.orm.em.fork(),
          viewer,
          app,
          requestId: randomUUID(),
          clientAddress: ctx.extra.request.socket.remoteAddress ?? null,
        } as GraphQLContext;
        useLazyLoaders(contextValue);
        return { schema, document, operationName: payload.operationName, variableValues: payload.variables, contextValue };
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors?.length ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wsServer,
  );
}
