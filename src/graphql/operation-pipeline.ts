import { GraphQLError, Kind, parse, validate, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { assertApiClientMayRead, canSubscribeToEvents } from '../auth/policy';
import { passwordChangeRequired, type Viewer } from '../auth/viewer';
import type { OperationLimits } from '../config';
import type { ReadRouter } from '../db/read-router';
import { AppError, ErrorCode, errorMessage, forbidden } from '../errors';
import type { OperationAnalysis } from '../limits/operation-cost';
import {
  attemptBuckets,
  budgetReport,
  checkOperationLimits,
  costBuckets,
  costRefusal,
  rateLimited,
  type CostReport,
  type GuessedSecrets,
  type OperationCaller,
} from '../limits/operation-limits';
import type { RateLimiter } from '../limits/rate-limiter';

/** Largest operation a client may send, as an HTTP body or as one WebSocket message. */
export const MAX_OPERATION_BYTES = 1024 * 1024;

/** Parsed and validated documents by query text: clients send the same few operations again and again. */
const DOCUMENT_CACHE_SIZE = 500;

/** Operations a holder of an initial enterprise password may still run. */
const ALLOWED_BEFORE_PASSWORD_CHANGE = new Set(['changePassword', '__typename']);

export interface OperationPipelineOptions {
  schema: GraphQLSchema;
  limits: OperationLimits;
  rateLimiter: RateLimiter;
  readRouter: ReadRouter;
  /** Guess-protected mutations, as the modules declare them. */
  guessedSecrets: GuessedSecrets;
  phoneDefaultRegion: string;
}

export interface OperationRequest {
  document: DocumentNode;
  /** The operation to run; null when the document names none that exists (execution then refuses it). */
  operation: OperationDefinitionNode | null | undefined;
  variables?: Readonly<Record<string, unknown>> | null;
  caller: OperationCaller;
  /** Loads the operation's viewer; called only once the operation passed its limits and its caller's budgets. */
  loadViewer(operation: OperationDefinitionNode): Promise<Viewer>;
  /** Receives the cost report as soon as it is known, also when the operation is then refused. */
  report?(report: CostReport): void;
}

export interface OpenedOperation {
  operation: OperationDefinitionNode;
  viewer: Viewer;
  analysis: OperationAnalysis;
}

/**
 * The one way an operation is opened, whatever its transport: HTTP (an Apollo plugin) and graphql-ws are adapters
 * over it. `parse` bounds the document by its tokens and validates it; `open` then, before any resolver or SQL runs:
 * 1. depth, aliases, directives and cost against the limits (DEPTH_LIMIT_EXCEEDED, TOO_MANY_ALIASES,
 *    TOO_MANY_DIRECTIVES, COST_LIMIT_EXCEEDED; page sizes outside 1..100: BAD_USER_INPUT);
 * 2. the cost charged to the credential's and the address's budgets, and attempts at guessable secrets (log-ins,
 *    verification codes, invitation tokens) to their own tighter budgets (RATE_LIMITED with `retryAfter`);
 * 3. read routing (a query may go to a replica unless its caller must read its own writes);
 * 4. only then the viewer, an initial enterprise password (PASSWORD_CHANGE_REQUIRED), and an API client's scopes
 *    against the types the operation reads and `events:subscribe` for subscriptions (FORBIDDEN).
 */
export class OperationPipeline {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(private readonly options: OperationPipelineOptions) {}

  get schema(): GraphQLSchema {
    return this.options.schema;
  }

  /** What `parse` is given, for a transport that parses on its own (Apollo keeps its document cache). */
  get parseOptions(): { maxTokens: number } {
    return { maxTokens: this.options.limits.maxTokens };
  }

  /** The document of `query`, parsed with the token limit and validated; or why not, with codes. */
  parse(query: string): DocumentNode | readonly GraphQLError[] {
    const cached = this.documents.get(query);
    if (cached) return cached;
    let document: DocumentNode;
    try {
      document = parse(query, this.parseOptions);
    } catch (error) {
      const syntax = error instanceof GraphQLError ? error : new GraphQLError('Invalid query');
      return [tooManyTokens(syntax.message) ?? withCode(syntax, 'GRAPHQL_PARSE_FAILED')];
    }
    const errors = validate(this.options.schema, document);
    if (errors.length) return errors.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
    if (this.documents.size >= DOCUMENT_CACHE_SIZE) this.documents.delete(this.documents.keys().next().value!);
    this.documents.set(query, document);
    return document;
  }

  /**
   * The caller's budget as it is now, charging nothing: for answers refused before their cost was charged (a
   * document that does not validate), which still carry the rate-limit headers.
   */
  async budgetNow(caller: OperationCaller): Promise<Pick<CostReport, 'limit' | 'remaining' | 'resetAt'>> {
    const budgets = costBuckets(this.options.rateLimiter.config, caller, 0);
    return budgetReport(await this.options.rateLimiter.take(budgets), budgets);
  }

  /** Every check between a valid document and its first resolver; throws the refusal. */
  async open(request: OperationRequest): Promise<OpenedOperation | null> {
    const { operation, caller } = request;
    if (!operation) return null;
    const { schema, limits, rateLimiter, readRouter, guessedSecrets, phoneDefaultRegion } = this.options;
    const analysis = checkOperationLimits(schema, request.document, operation, request.variables ?? undefined, limits);
    let report: CostReport = { requested: analysis.cost, maxCost: limits.maxCost };
    request.report?.(report);
    const budgets = costBuckets(rateLimiter.config, caller, Math.max(1, analysis.cost));
    // An operation larger than the caller's whole budget could never run.
    const maxCost = Math.min(limits.maxCost, ...budgets.map((bucket) => bucket.limit));
    if (analysis.cost > maxCost) throw costRefusal(analysis.cost, maxCost);

    const userId = caller.credential?.kind === 'user' ? caller.credential.sub : null;
    const attempts = attemptBuckets(rateLimiter, guessedSecrets, operation, analysis, { ...caller, userId, phoneDefaultRegion });
    const decision = await rateLimiter.take([...budgets, ...attempts]);
    report = { ...report, ...budgetReport(decision, budgets) };
    request.report?.(report);
    if (!decision.allowed) throw rateLimited(decision);

    await readRouter.routeOperation(caller, operation);
    const viewer = await request.loadViewer(operation);
    assertPasswordChangeAllows(viewer, operation);
    if (viewer.apiClient && operation.operation === 'subscription' && !canSubscribeToEvents(viewer)) {
      throw forbidden(errorMessage('subscribeScope'));
    }
    assertApiClientMayRead(viewer, analysis.types);
    return { operation, viewer, analysis };
  }
}

/** Throws PASSWORD_CHANGE_REQUIRED when a holder of an initial enterprise password runs anything but `changePassword`. */
export function assertPasswordChangeAllows(viewer: Viewer, operation: OperationDefinitionNode | null | undefined): void {
  if (!viewer.user?.mustChangePassword || !operation) return;
  const fields = operation.selectionSet.selections.map((s) => (s.kind === Kind.FIELD ? s.name.value : '*'));
  if (!fields.every((name) => ALLOWED_BEFORE_PASSWORD_CHANGE.has(name))) throw passwordChangeRequired();
}

/**
 * TOO_MANY_TOKENS for graphql-js's refusal of a document over `maxTokens` (a syntax error, "more that" sic in
 * graphql 16); null for any other message.
 */
export function tooManyTokens(message: string): AppError | null {
  if (!/Document contains more th\w+ \d+ tokens/.test(message)) return null;
  const maxTokens = Number(/(\d+) tokens/.exec(message)?.[1]);
  return new AppError(ErrorCode.TooManyTokens, errorMessage('tooManyTokens', { maxTokens }), { maxTokens });
}

function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, extensions: { ...error.extensions, code } });
}
