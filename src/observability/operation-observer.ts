import type { ApolloServerPlugin } from '@apollo/server';
import type { GraphQLError, GraphQLFormattedError } from 'graphql';
import { sqlStatementsSoFar } from '../db/sql-counter';
import type { GraphQLContext } from '../graphql/context';
import type { OperationType } from './metrics';

/** Who ran an operation, for its log line: the loaded viewer, else what the verified token says. */
export function identityOf(ctx: Pick<GraphQLContext, 'viewer' | 'credential'>): { userId?: string; orgId?: string; apiClientId?: string } {
  const { viewer, credential } = ctx;
  const userId = viewer.user?.id ?? (credential?.kind === 'user' ? credential.sub : undefined);
  const apiClientId = viewer.apiClient?.id ?? (credential?.kind === 'apiClient' ? credential.clientId : undefined);
  const orgId = viewer.org?.id ?? credential?.org;
  return { userId, orgId, apiClientId };
}

/** `ok`, or the code of the first error (errors without one are internal). */
export function outcomeOf(errors: ReadonlyArray<GraphQLFormattedError | GraphQLError> | undefined): string {
  const first = errors?.[0];
  if (!first) return 'ok';
  const code = first.extensions?.code; // a resolver error's own extensions are copied onto its GraphQLError
  return typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
}

/** Milliseconds, to a tenth. */
export function roundMs(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/**
 * One log line and the metrics of every GraphQL operation over HTTP: operation name and type, outcome (`ok` or the
 * first error code answered), duration, SQL statements, and who ran it (user, org, API client), on the request's
 * child logger (which carries `requestId`). Requests refused before Apollo parses them (bad JSON, no query) have
 * neither.
 */
export const operationObserverPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    const startedAt = performance.now();
    return {
      async willSendResponse({ contextValue: ctx, response, operation, operationName, request }) {
        const durationMs = performance.now() - startedAt;
        const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
        const outcome = outcomeOf(errors);
        const type: OperationType = operation?.operation ?? 'unknown';
        const name = operationName ?? request.operationName ?? null;
        const sqlStatements = sqlStatementsSoFar();
        ctx.app.metrics.recordOperation({
          operation: ctx.app.metrics.operationLabel(name),
          type,
          outcome,
          durationSeconds: durationMs / 1000,
          sqlStatements,
        });
        ctx.logger.info(
          { operation: name?.slice(0, 100) ?? null, operationType: type, ...identityOf(ctx), outcome, durationMs: roundMs(durationMs), sqlStatements },
          'graphql operation',
        );
      },
    };
  },
};
