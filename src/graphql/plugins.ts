import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import { Kind } from 'graphql';
import type { Logger } from 'pino';
import { passwordChangeRequired, type Viewer } from '../auth/viewer';
import type { ViewerInvalidation } from '../auth/viewer-cache';
import { sqlStatementsSoFar } from '../db/sql-counter';
import { AppError, ErrorCode, isServiceUnavailable, serviceUnavailable } from '../errors';
import type { GraphQLContext } from './context';

/** Operations a holder of an initial enterprise password may still run. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['changePassword', '__typename']);

/** Throws PASSWORD_CHANGE_REQUIRED when a holder of an initial enterprise password runs anything but `changePassword`. */
export function assertPasswordChangeAllows(viewer: Viewer, operation: OperationDefinitionNode | null | undefined): void {
  if (!viewer.user?.mustChangePassword || !operation) return;
  const fields = operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '*'));
  if (!fields.every((name) => ALLOWED_BEFORE_PASSWORD_CHANGE.has(name))) throw passwordChangeRequired();
}


/** Puts the count of SQL statements the operation ran into `extensions.sqlStatements`. */
export const sqlCountExtension: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const statements = sqlStatementsSoFar();
        if (response.body.kind === 'single' && statements !== undefined) {
          response.body.singleResult.extensions = { ...response.body.singleResult.extensions, sqlStatements: statements };
        }
      },
    };
  },
};

/** What a write by this caller may have changed among cached viewers: its org's and its user's. */
export function viewersChangedBy(ctx: Pick<GraphQLContext, 'viewer' | 'credential'>): ViewerInvalidation {
  const { viewer, credential } = ctx;
  return {
    orgId: viewer.org?.id ?? credential?.org ?? null,
    userId: viewer.user?.id ?? (credential?.kind === 'user' ? credential.sub : null),
  };
}

/**
 * After an HTTP mutation, before the response goes out: marks its caller for read-your-writes (`ReadRouter`), so the
 * caller's next queries, on any instance, read from the primary; and drops the cached viewers it may have changed.
 */
export const readYourWritesPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ operation, contextValue }) {
        if (operation?.operation !== 'mutation') return;
        await Promise.all([contextValue.app.readRouter.recordWrite(contextValue), contextValue.app.viewerCache.invalidate(viewersChangedBy(contextValue))]);
      },
    };
  },
};

/** Errors the client may see as they are: ours, and graphql-js/Apollo request errors. Anything else is hidden. */
const PUBLIC_CODES = new Set<string>([
  ...Object.values(ErrorCode),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      const { http: _http, ...extensions } = original.extensions; // the HTTP status and headers, applied by Apollo
      return { ...formatted, extensions };
    }
    const code = formatted.extensions?.code;
    // graphql-js `parse(..., { maxTokens })` refuses as a syntax error ("more that", sic, in graphql 16); partners get
    // the limit's own code.
    if (code === 'GRAPHQL_PARSE_FAILED' && /Document contains more th\w+ \d+ tokens/.test(formatted.message)) {
      const maxTokens = Number(/(\d+) tokens/.exec(formatted.message)?.[1]);
      return { message: `The document has more than ${maxTokens} tokens`, extensions: { code: ErrorCode.TooManyTokens, maxTokens } };
    }
    if (typeof code === 'string' && PUBLIC_CODES.has(code) && code !== ErrorCode.Internal) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    if (isServiceUnavailable(original)) {
      const unavailable = serviceUnavailable();
      return { message: unavailable.message, path: formatted.path, extensions: unavailable.extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    return { message: 'Internal server error', path: formatted.path, extensions: { code: ErrorCode.Internal } };
  };
}
