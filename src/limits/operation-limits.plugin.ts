import { HeaderMap, type ApolloServerPlugin, type GraphQLRequestContextDidResolveOperation } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { OperationLimits } from '../config';
import { credentialKey } from '../auth/jwt';
import { assertApiClientMayRead, canSubscribeToEvents } from '../auth/policy';
import { AppError, ErrorCode, forbidden, isServiceUnavailable, serviceUnavailable } from '../errors';
import type { GraphQLContext } from '../graphql/context';
import { assertPasswordChangeAllows } from '../graphql/plugins';
import { loadPendingViewer } from '../graphql/request-context';
import { normalizePhone } from '../modules/accounts/phone';
import { actualCost, analyzeOperation, type OperationAnalysis } from './operation-cost';
import type { Bucket, RateDecision } from './rate-limiter';

/** `extensions.cost` of every response, so a partner can pace itself. */
export interface CostReport {
  /** Computed before execution. */
  requested: number;
  /** By the same model on the data answered (lists at their real length); absent when nothing ran. */
  actual?: number;
  /** Largest cost one operation may have. */
  maxCost: number;
  /** Budget in cost points per window of the caller (the credential's, else the address's). */
  limit?: number;
  remaining?: number;
  /** ISO time at which the window restarts with the whole budget. */
  resetAt?: string;
}

/**
 * Every HTTP GraphQL operation, once parsed and validated and before any resolver or SQL runs:
 * 1. depth, aliases, directives and cost against `config.operationLimits` (400, DEPTH_LIMIT_EXCEEDED, TOO_MANY_ALIASES,
 *    TOO_MANY_DIRECTIVES, COST_LIMIT_EXCEEDED; page sizes outside 1..100: BAD_USER_INPUT);
 * 2. the cost charged to the credential's and the address's budgets, and attempts at guessable secrets (log-ins,
 *    verification codes, invitation tokens) to their own tighter budgets: over budget answers 429 RATE_LIMITED with
 *    `retryAfter` (seconds) and a Retry-After header;
 * 3. only then the viewer is loaded, an initial enterprise password is enforced, and an API client's scopes are
 *    checked against the types the operation reads (FORBIDDEN).
 * The response carries `extensions.cost`.
 */
export const operationLimitsPlugin: ApolloServerPlugin<GraphQLContext> = {
  async requestDidStart() {
    const state: GateState = {};
    return {
      async didResolveOperation(requestContext) {
        try {
          await gate(requestContext, state);
        } catch (error) {
          throw withHttpStatus(error);
        }
      },

      async willSendResponse({ response, document, schema }) {
        if (!state.report || response.body.kind !== 'single') return;
        const result = response.body.singleResult;
        const cost: CostReport = { ...state.report };
        if (state.executed && document) cost.actual = actualCost(schema, document, state.executed, result.data as Record<string, unknown> | null | undefined);
        result.extensions = { ...result.extensions, cost };
      },
    };
  },
};

interface GateState {
  report?: CostReport;
  /** Set once the operation passed every check (and so ran). */
  executed?: OperationDefinitionNode;
}

async function gate(
  { contextValue: ctx, document, operation, request, schema }: GraphQLRequestContextDidResolveOperation<GraphQLContext>,
  state: GateState,
): Promise<void> {
  if (!operation) return; // execution refuses it (unknown operation name) before any resolver
  const limits = ctx.app.config.operationLimits;
  const analysis = checkOperationLimits(schema, document, operation, request.variables, limits);
  state.report = { requested: analysis.cost, maxCost: limits.maxCost };
  const budgets = costBuckets(ctx, Math.max(1, analysis.cost));
  // An operation larger than the caller's whole budget could never run.
  const maxCost = Math.min(limits.maxCost, ...budgets.map((bucket) => bucket.limit));
  if (analysis.cost > maxCost) throw costRefusal(analysis.cost, maxCost);

  const decision = await ctx.app.rateLimiter.take([...budgets, ...attemptBuckets(ctx, operation, analysis)]);
  state.report = { ...state.report, ...budgetReport(decision, budgets) };
  if (!decision.allowed) {
    throw new AppError(ErrorCode.RateLimited, `Rate limit reached; retry in ${decision.retryAfterSeconds} seconds`, {
      retryAfter: decision.retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(decision.retryAfterSeconds)]]) },
    });
  }

  // Before the first read: a query may go to a replica, unless its caller must see its own recent write.
  await ctx.app.readRouter.routeOperation(ctx, operation);
  await loadPendingViewer(ctx, { query: operation.operation === 'query' });
  assertPasswordChangeAllows(ctx.viewer, operation);
  if (ctx.viewer.apiClient && operation.operation === 'subscription' && !canSubscribeToEvents(ctx.viewer)) {
    throw forbidden('No permission: subscriptions need the events:subscribe scope');
  }
  assertApiClientMayRead(ctx.viewer, analysis.types);
  state.executed = operation;
}

/** Statuses of whole-operation refusals (Apollo would answer 500 for an error thrown before execution). */
const STATUS_OF: Partial<Record<string, number>> = {
  [ErrorCode.BadUserInput]: 400,
  [ErrorCode.Unauthenticated]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.PasswordChangeRequired]: 403,
  [ErrorCode.ServiceUnavailable]: 503,
};

function withHttpStatus(error: unknown): unknown {
  if (!(error instanceof AppError) && isServiceUnavailable(error)) error = serviceUnavailable(); // the viewer could not be loaded
  if (!(error instanceof AppError) || error.extensions.http) return error;
  const status = STATUS_OF[String(error.extensions.code)];
  if (!status) return error;
  const { code, ...extensions } = error.extensions;
  return new AppError(code as ErrorCode, error.message, { ...extensions, http: { status, headers: new HeaderMap() } });
}

/**
 * Depth, aliases, directives and cost of one operation against the limits; throws the refusal (400) or returns the
 * analysis. Runs no resolver and reads nothing: for the HTTP plugin and for graphql-ws `onSubscribe`.
 */
export function checkOperationLimits(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  limits: OperationLimits,
): OperationAnalysis {
  const analysis = analyzeOperation(schema, document, operation, variables);
  if (analysis.depth > limits.maxDepth) {
    throw refusal(ErrorCode.DepthLimitExceeded, `The operation is ${analysis.depth} fields deep; at most ${limits.maxDepth}`, { depth: analysis.depth, maxDepth: limits.maxDepth });
  }
  if (analysis.aliases > limits.maxAliases) {
    throw refusal(ErrorCode.TooManyAliases, `The operation has ${analysis.aliases} aliases; at most ${limits.maxAliases}`, { aliases: analysis.aliases, maxAliases: limits.maxAliases });
  }
  if (analysis.directives > limits.maxDirectives) {
    throw refusal(ErrorCode.TooManyDirectives, `The operation uses ${analysis.directives} directives; at most ${limits.maxDirectives}`, {
      directives: analysis.directives,
      maxDirectives: limits.maxDirectives,
    });
  }
  if (analysis.cost > limits.maxCost) throw costRefusal(analysis.cost, limits.maxCost);
  return analysis;
}

function costRefusal(cost: number, maxCost: number): AppError {
  return refusal(ErrorCode.CostLimitExceeded, `The operation costs ${cost}; at most ${maxCost} (ask for smaller pages or fewer nested lists)`, { cost, maxCost });
}

function refusal(code: ErrorCode, message: string, details: Record<string, unknown>): AppError {
  return new AppError(code, message, { ...details, http: { status: 400, headers: new HeaderMap() } });
}

/** What one upload to `POST /imports` costs, charged before its body is read (like ten mutations). */
export const UPLOAD_COST = 100;

/** The caller's budgets in cost points: its user or API client, and its address. */
export function costBuckets(ctx: Pick<GraphQLContext, 'app' | 'credential' | 'clientAddress'>, cost: number): Bucket[] {
  const config = ctx.app.config.rateLimits;
  const buckets: Bucket[] = [];
  if (ctx.credential) buckets.push({ name: `cost:${credentialKey(ctx.credential)}`, limit: config.perCredential, windowSeconds: config.windowSeconds, cost });
  if (ctx.clientAddress) buckets.push({ name: `cost:addr:${ctx.clientAddress}`, limit: config.perAddress, windowSeconds: config.windowSeconds, cost });
  return buckets;
}

function budgetReport(decision: RateDecision, budgets: Bucket[]): Pick<CostReport, 'limit' | 'remaining' | 'resetAt'> {
  const states = decision.buckets.filter((state) => budgets.some((bucket) => bucket.name === state.name));
  const tightest = states.reduce<(typeof states)[number] | undefined>((min, state) => (!min || state.remaining < min.remaining ? state : min), undefined);
  if (!tightest) return {};
  return { limit: tightest.limit, remaining: tightest.remaining, resetAt: tightest.resetAt.toISOString() };
}

type GuessKind = 'logIn' | 'phoneVerification' | 'invitationToken';

/** Mutations that try a guessable secret, the budget they draw on, and what they aim at (null: the address only). */
const GUESSES: Record<string, { kind: GuessKind; target: (args: Record<string, unknown>, ctx: GraphQLContext) => string | null }> = {
  logIn: { kind: 'logIn', target: (args, ctx) => phoneTarget(inputOf(args).phone, ctx) },
  logInWithEnterpriseAccount: {
    kind: 'logIn',
    target: (args) => {
      const input = inputOf(args);
      return `${text(input.orgCode).toLowerCase()}/${text(input.loginName).toLowerCase()}`;
    },
  },
  requestPhoneVerification: { kind: 'phoneVerification', target: (_args, ctx) => userOf(ctx) },
  changeMyPhone: { kind: 'phoneVerification', target: (_args, ctx) => userOf(ctx) },
  verifyPhone: { kind: 'phoneVerification', target: (_args, ctx) => userOf(ctx) },
  requestEmailVerification: { kind: 'phoneVerification', target: (_args, ctx) => userOf(ctx) },
  verifyEmail: { kind: 'phoneVerification', target: (_args, ctx) => userOf(ctx) },
  acceptInvitation: { kind: 'invitationToken', target: (_args, ctx) => userOf(ctx) },
  declineInvitation: { kind: 'invitationToken', target: (_args, ctx) => userOf(ctx) },
};

/** One point per attempt (each aliased field is one), per address and per target. */
function attemptBuckets(ctx: GraphQLContext, operation: OperationDefinitionNode, analysis: OperationAnalysis): Bucket[] {
  if (operation.operation !== 'mutation') return [];
  const limiter = ctx.app.rateLimiter;
  const perAddress = new Map<GuessKind, number>();
  const perTarget = new Map<string, { kind: GuessKind; target: string; attempts: number }>();
  for (const field of analysis.rootFields) {
    const guess = GUESSES[field.name];
    if (!guess) continue;
    perAddress.set(guess.kind, (perAddress.get(guess.kind) ?? 0) + 1);
    const target = guess.target(field.args, ctx);
    if (target === null) continue;
    const entry = perTarget.get(`${guess.kind}:${target}`) ?? { kind: guess.kind, target, attempts: 0 };
    entry.attempts += 1;
    perTarget.set(`${guess.kind}:${target}`, entry);
  }
  return [
    ...[...perAddress].flatMap(([kind, attempts]) => limiter.attemptBuckets(kind, limiter.config[kind], ctx.clientAddress, null, attempts)),
    ...[...perTarget.values()].flatMap(({ kind, target, attempts }) => limiter.attemptBuckets(kind, limiter.config[kind], null, target, attempts)),
  ];
}

function inputOf(args: Record<string, unknown>): Record<string, unknown> {
  return typeof args.input === 'object' && args.input !== null ? (args.input as Record<string, unknown>) : {};
}

function text(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}

/** The number as the account stores it, so writing it differently does not make a fresh target. */
function phoneTarget(value: unknown, ctx: GraphQLContext): string {
  const raw = text(value);
  try {
    return normalizePhone(raw, ctx.app.config.phoneDefaultRegion);
  } catch {
    return raw.toLowerCase();
  }
}

function userOf(ctx: GraphQLContext): string | null {
  return ctx.credential?.kind === 'user' ? ctx.credential.sub : null;
}
