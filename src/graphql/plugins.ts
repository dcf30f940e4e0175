import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError, OperationDefinitionNode } from 'graphql';
import type { Logger } from 'pino';
import type { ViewerInvalidation } from '../auth/viewer-cache';
import { sqlStatementsSoFar } from '../db/sql-counter';
import { AppError, ErrorCode, errorMessage, httpStatusOf, isServiceUnavailable, localizedMessage, serviceUnavailable } from '../errors';
import { translate, type Locale } from '../i18n';
import { actualCost } from '../limits/operation-cost';
import { rateLimitHeaders, type CostReport } from '../limits/operation-limits';
import type { GraphQLContext } from './context';
import { tooManyTokens, type OperationPipeline } from './operation-pipeline';
import { loadPendingViewer } from './request-context';
import { bindRequestLocale, requestLocale } from './request-locale';

/**
 * The HTTP adapter of the operation pipeline: every operation, once Apollo parsed (with the pipeline's token limit)
 * and validated it, is opened by `OperationPipeline.open` before any resolver runs; its refusals get their HTTP
 * status (400, 401, 403, 429 with Retry-After, 503), and every response carries `extensions.cost` and the caller's
 * budget as `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (also an answer refused before its
 * cost was charged, such as a document that does not validate: then the budget as it is, nothing charged).
 */
export function operationGatePlugin(pipeline: OperationPipeline): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart({ contextValue }) {
      // Apollo runs the operation with a copy of the context: that copy's viewer, once loaded, decides the language.
      bindRequestLocale(contextValue);
      let report: CostReport | undefined;
      let executed: OperationDefinitionNode | undefined;
      return {
        async didResolveOperation({ contextValue: ctx, document, operation, request }) {
          try {
            const opened = await pipeline.open({
              document,
              operation,
              variables: request.variables,
              caller: { credential: ctx.credential ?? null, clientAddress: ctx.clientAddress },
              loadViewer: async (op) => {
                await loadPendingViewer(ctx, { query: op.operation === 'query' });
                return ctx.viewer;
              },
              report: (given) => {
                report = given;
                ctx.costReport = given;
              },
            });
            executed = opened?.operation;
          } catch (error) {
            throw withHttpStatus(error);
          }
        },

        async willSendResponse({ response, document, schema, contextValue: ctx }) {
          const budget = report?.limit !== undefined ? report : await budgetOf(pipeline, ctx);
          for (const [name, value] of rateLimitHeaders(budget)) response.http.headers.set(name, value);
          if (!report || response.body.kind !== 'single') return;
          const result = response.body.singleResult;
          const cost: CostReport = { ...report };
          if (executed && document) cost.actual = actualCost(schema, document, executed, result.data as Record<string, unknown> | null | undefined);
          result.extensions = { ...result.extensions, cost };
        },
      };
    },
  };
}

/** The caller's budget, charging nothing; none when the limiter cannot say (the answer goes out without headers). */
async function budgetOf(pipeline: OperationPipeline, ctx: GraphQLContext | undefined): Promise<Pick<CostReport, 'limit' | 'remaining' | 'resetAt'> | undefined> {
  if (!ctx) return undefined;
  return pipeline.budgetNow({ credential: ctx.credential ?? null, clientAddress: ctx.clientAddress }).catch(() => undefined);
}

/** Statuses of whole-operation refusals (Apollo would answer 500 for an error thrown before execution). */
function withHttpStatus(error: unknown): unknown {
  if (!(error instanceof AppError) && isServiceUnavailable(error)) error = serviceUnavailable(); // the viewer could not be loaded
  if (!(error instanceof AppError) || error.extensions.http) return error;
  const status = httpStatusOf(String(error.extensions.code), 'graphql');
  if (!status) return error;
  return error.withExtensions({ http: { status, headers: new HeaderMap() } });
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

/**
 * The one error policy of both transports: our codes as they are, with their message in the reader's `locale`
 * (HTTP: the operation's, `requestLocale`); anything unexpected hidden and logged.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown, locale: Locale = requestLocale()): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof AppError) {
      const { http: _http, ...extensions } = original.extensions; // the HTTP status and headers, applied by Apollo
      return { ...formatted, message: localizedMessage(original, locale) ?? formatted.message, extensions };
    }
    const code = formatted.extensions?.code;
    // Apollo parses HTTP documents itself, with the pipeline's token limit; partners get the limit's own code.
    const tokens = code === 'GRAPHQL_PARSE_FAILED' ? tooManyTokens(formatted.message) : null;
    if (tokens) return { message: localizedMessage(tokens, locale) ?? tokens.message, extensions: tokens.extensions };
    if (typeof code === 'string' && PUBLIC_CODES.has(code) && code !== ErrorCode.Internal) {
      const { stacktrace: _stack, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    if (isServiceUnavailable(original)) {
      const unavailable = serviceUnavailable();
      return { message: localizedMessage(unavailable, locale) ?? unavailable.message, path: formatted.path, extensions: unavailable.extensions };
    }
    logger.error({ err: original, path: formatted.path }, 'unexpected error');
    const internal = errorMessage('internal');
    return { message: translate(locale, internal.key), path: formatted.path, extensions: { code: ErrorCode.Internal } };
  };
}
