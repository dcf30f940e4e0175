import { HeaderMap } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { OperationLimits, RateLimits } from '../config';
import { credentialKey, type Credential } from '../auth/jwt';
import { AppError, ErrorCode, errorMessage } from '../errors';
import type { LocalizedMessage } from '../i18n';
import { analyzeOperation, type OperationAnalysis } from './operation-cost';
import type { Bucket, RateDecision, RateLimiter } from './rate-limiter';

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

/** Who an operation is charged to: its verified token (no database read) and its address. */
export interface OperationCaller {
  credential: Credential | null;
  clientAddress: string | null;
}

/**
 * Depth, aliases, directives and cost of one operation against the limits; throws the refusal (400) or returns the
 * analysis. Runs no resolver and reads nothing.
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
    throw refusal(ErrorCode.DepthLimitExceeded, errorMessage('depthLimit', { depth: analysis.depth, maxDepth: limits.maxDepth }), { depth: analysis.depth, maxDepth: limits.maxDepth });
  }
  if (analysis.aliases > limits.maxAliases) {
    throw refusal(ErrorCode.TooManyAliases, errorMessage('tooManyAliases', { aliases: analysis.aliases, maxAliases: limits.maxAliases }), { aliases: analysis.aliases, maxAliases: limits.maxAliases });
  }
  if (analysis.directives > limits.maxDirectives) {
    throw refusal(ErrorCode.TooManyDirectives, errorMessage('tooManyDirectives', { directives: analysis.directives, maxDirectives: limits.maxDirectives }), {
      directives: analysis.directives,
      maxDirectives: limits.maxDirectives,
    });
  }
  if (analysis.cost > limits.maxCost) throw costRefusal(analysis.cost, limits.maxCost);
  return analysis;
}

export function costRefusal(cost: number, maxCost: number): AppError {
  return refusal(ErrorCode.CostLimitExceeded, errorMessage('costLimit', { cost, maxCost }), { cost, maxCost });
}

function refusal(code: ErrorCode, message: LocalizedMessage, details: Record<string, unknown>): AppError {
  return new AppError(code, message, { ...details, http: { status: 400, headers: new HeaderMap() } });
}

export function rateLimited(decision: RateDecision): AppError {
  return new AppError(ErrorCode.RateLimited, errorMessage('rateLimited', { seconds: decision.retryAfterSeconds }), {
    retryAfter: decision.retryAfterSeconds,
    http: { status: 429, headers: new HeaderMap([['retry-after', String(decision.retryAfterSeconds)]]) },
  });
}

/** What one upload to `POST /imports` costs, charged before its body is read (like ten mutations). */
export const UPLOAD_COST = 100;

/** The caller's budgets in cost points: its user or API client, and its address. */
export function costBuckets(config: RateLimits, caller: OperationCaller, cost: number): Bucket[] {
  const buckets: Bucket[] = [];
  if (caller.credential) buckets.push({ name: `cost:${credentialKey(caller.credential)}`, limit: config.perCredential, windowSeconds: config.windowSeconds, cost });
  if (caller.clientAddress) buckets.push({ name: `cost:addr:${caller.clientAddress}`, limit: config.perAddress, windowSeconds: config.windowSeconds, cost });
  return buckets;
}

/**
 * The `X-RateLimit-*` headers of an answer from its cost report (`Limit` and `Remaining` in cost points, `Reset` in
 * UTC epoch seconds, as GitHub sends them); none when the report has no budget.
 */
export function rateLimitHeaders(report: Pick<CostReport, 'limit' | 'remaining' | 'resetAt'> | undefined): Array<[string, string]> {
  if (!report || report.limit === undefined || report.remaining === undefined || !report.resetAt) return [];
  return [
    ['x-ratelimit-limit', String(report.limit)],
    ['x-ratelimit-remaining', String(report.remaining)],
    ['x-ratelimit-reset', String(Math.ceil(new Date(report.resetAt).getTime() / 1000))],
  ];
}

export function budgetReport(decision: RateDecision, budgets: Bucket[]): Pick<CostReport, 'limit' | 'remaining' | 'resetAt'> {
  const states = decision.buckets.filter((state) => budgets.some((bucket) => bucket.name === state.name));
  const tightest = states.reduce<(typeof states)[number] | undefined>((min, state) => (!min || state.remaining < min.remaining ? state : min), undefined);
  if (!tightest) return {};
  return { limit: tightest.limit, remaining: tightest.remaining, resetAt: tightest.resetAt.toISOString() };
}

export type GuessKind = 'logIn' | 'phoneVerification' | 'invitationToken';

/** What a guess-protected mutation's target is computed from. */
export interface GuessCaller {
  /** The signed-in user, when the caller is one. */
  userId: string | null;
  /** Region of phone numbers written without a country code. */
  phoneDefaultRegion: string;
}

/**
 * A mutation that tries a guessable secret (a password, a verification code, an invitation token): the budget it
 * draws on, and what it aims at (null: counted per address only). Modules declare theirs (`guessedSecrets`).
 */
export interface GuessedSecret {
  kind: GuessKind;
  target(args: Record<string, unknown>, caller: GuessCaller): string | null;
}

/** Guess-protected root fields (mutations, and queries such as invitationPreview) by name. */
export type GuessedSecrets = Readonly<Record<string, GuessedSecret>>;

/** One point per attempt (each aliased field is one), per address and per target. */
export function attemptBuckets(
  limiter: RateLimiter,
  secrets: GuessedSecrets,
  operation: OperationDefinitionNode,
  analysis: OperationAnalysis,
  caller: OperationCaller & GuessCaller,
): Bucket[] {
  // Queries too: a public query can test a secret (invitationPreview). Subscriptions try none.
  if (operation.operation === 'subscription') return [];
  const perAddress = new Map<GuessKind, number>();
  const perTarget = new Map<string, { kind: GuessKind; target: string; attempts: number }>();
  for (const field of analysis.rootFields) {
    const guess = secrets[field.name];
    if (!guess) continue;
    perAddress.set(guess.kind, (perAddress.get(guess.kind) ?? 0) + 1);
    const target = guess.target(field.args, caller);
    if (target === null) continue;
    const entry = perTarget.get(`${guess.kind}:${target}`) ?? { kind: guess.kind, target, attempts: 0 };
    entry.attempts += 1;
    perTarget.set(`${guess.kind}:${target}`, entry);
  }
  return [
    ...[...perAddress].flatMap(([kind, attempts]) => limiter.attemptBuckets(kind, limiter.config[kind], caller.clientAddress, null, attempts)),
    ...[...perTarget.values()].flatMap(({ kind, target, attempts }) => limiter.attemptBuckets(kind, limiter.config[kind], null, target, attempts)),
  ];
}

/** The mutation's `input` argument as an object (empty when absent or not one). */
export function inputOf(args: Record<string, unknown>): Record<string, unknown> {
  return typeof args.input === 'object' && args.input !== null ? (args.input as Record<string, unknown>) : {};
}

/** A trimmed string argument ('' when it is none). */
export function textOf(value: unknown): string {
  return typeof value === 'string' ? value.trim() : '';
}
