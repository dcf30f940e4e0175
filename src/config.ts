import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';

/** The Redis `scripts/ensure-services.sh` starts on this machine (the test suite and benchmarks use it). */
export const LOCAL_REDIS_URL = 'redis://127.0.0.1:6379';

/** Runtime configuration. The only module that reads `process.env`. */
export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  /** PostgreSQL; null runs an embedded PGlite under `dataDir` (one instance only, see `src/db/embedded-postgres.ts`). */
  databaseUrl: string | null;
  /** Redis for pub/sub and rate limits; null keeps both in this process (one instance only). */
  redisUrl: string | null;
  /** Where the embedded database keeps its files (absolute). Used only without `databaseUrl`. */
  dataDir: string;
  /** Most connections to PostgreSQL at once (the embedded database always has one). */
  databasePoolMax: number;
  jwtSecret: string;
  /** True when no JWT_SECRET was given and a random one is in use (tokens die with the process). */
  jwtSecretIsRandom: boolean;
  tokenTtlSeconds: number;
  phoneDefaultRegion: string;
  defaultMemberLimit: number;
  logLevel: string;
  /** Adds `extensions.sqlStatements` to responses; on outside production. */
  exposeSqlCount: boolean;
  /** How often the outbox dispatcher polls for new messages, in ms. 0 disables it. */
  outboxPollMs: number;
  /**
   * On SIGTERM, how long to keep serving (with /readyz answering 503) before refusing new connections, so
   * requests already on the wire are read and load balancers stop routing here.
   */
  drainDelayMs: number;
  /** Base of links sent to people, e.g. invitation links `<publicUrl>/invite/<token>`. No trailing slash. */
  publicUrl: string;
  /** SMTP server for email (`smtp://user:pass@host:587`); unset: emails are written to the log like SMS. */
  smtpUrl: string | null;
  /** Sender address of emails. */
  mailFrom: string;
  /** How often past-due invitations are marked EXPIRED, in ms. 0 disables the job (the default in tests). */
  invitationExpirySweepMs: number;
  /** Largest CSV body `POST /imports` accepts, in bytes; larger ones answer 413. */
  importMaxBytes: number;
  /**
   * How often each gateway compares the event log with what reached it through Redis, so that an event whose
   * publish was lost is still delivered within this time (ms). 0 disables the sweep.
   */
  eventSweepMs: number;
  /** Lifetime of API client access tokens from `POST /oauth/token`, in seconds. */
  apiTokenTtlSeconds: number;
  /** Limits every GraphQL operation must pass before it runs (see `src/limits/`). */
  operationLimits: OperationLimits;
  /** Budgets in cost points per window, kept in Redis (a per-process fallback while Redis is down). */
  rateLimits: RateLimits;
}

export interface OperationLimits {
  /** Largest computed cost of one operation (objects fetched, connections times their page size). */
  maxCost: number;
  /** Deepest nesting of fields. */
  maxDepth: number;
  /** Most aliased fields in one operation (fragments counted where they are spread). */
  maxAliases: number;
  /** Most directive uses in one operation. */
  maxDirectives: number;
  /** Most lexical tokens in a document (graphql-js `parse(..., { maxTokens })`). */
  maxTokens: number;
}

/** How many attempts of one kind an address, and one target (account, user, client id), may make per window. */
export interface AttemptLimit {
  perAddress: number;
  perTarget: number;
  windowSeconds: number;
}

export interface RateLimits {
  /** Off: nothing is counted (benchmarks). */
  enabled: boolean;
  /** Redis key prefix; gateways sharing a prefix share their counters. */
  prefix: string;
  windowSeconds: number;
  /** Cost points per window for one user or API client. */
  perCredential: number;
  /** Cost points per window for one client address, whoever calls from it. */
  perAddress: number;
  /** Tighter limits for guessable secrets; each attempt (each aliased field) counts one. */
  logIn: AttemptLimit;
  phoneVerification: AttemptLimit;
  invitationToken: AttemptLimit;
  apiToken: AttemptLimit;
}

export const DEFAULT_OPERATION_LIMITS: OperationLimits = { maxCost: 20_000, maxDepth: 12, maxAliases: 50, maxDirectives: 20, maxTokens: 5_000 };

export const DEFAULT_RATE_LIMITS: RateLimits = {
  enabled: true,
  prefix: 'orggraph:rl',
  windowSeconds: 60,
  perCredential: 50_000,
  perAddress: 100_000,
  // Per target above the account lock-out (10 failures in 15 minutes), which stays the first line per account.
  logIn: { perAddress: 100, perTarget: 20, windowSeconds: 15 * 60 },
  phoneVerification: { perAddress: 60, perTarget: 20, windowSeconds: 10 * 60 },
  invitationToken: { perAddress: 100, perTarget: 30, windowSeconds: 10 * 60 },
  apiToken: { perAddress: 100, perTarget: 30, windowSeconds: 10 * 60 },
};

function numberFrom(value: string | undefined, fallback: number): number {
  return value === undefined || value === '' ? fallback : Number(value);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const mode = (env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development') as Config['env'];
  const jwtSecretIsRandom = !env.JWT_SECRET;
  const port = Number(env.PORT ?? 4000);
  if (jwtSecretIsRandom && mode === 'production') throw new Error('JWT_SECRET must be set in production');
  // The embedded services are for trying Orggraph on one machine; a production deployment that lost its URLs must not
  // quietly start an empty database of its own.
  if (mode === 'production' && (!env.DATABASE_URL || !env.REDIS_URL)) throw new Error('DATABASE_URL and REDIS_URL must be set in production');
  return {
    env: mode,
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || null,
    redisUrl: env.REDIS_URL || null,
    dataDir: resolve(env.DATA_DIR || '.orggraph-data'),
    databasePoolMax: numberFrom(env.DATABASE_POOL_MAX, 20),
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    jwtSecretIsRandom,
    tokenTtlSeconds: Number(env.TOKEN_TTL_SECONDS ?? 60 * 60 * 24 * 7),
    phoneDefaultRegion: env.PHONE_DEFAULT_REGION ?? 'CN',
    defaultMemberLimit: Number(env.DEFAULT_MEMBER_LIMIT ?? 100_000),
    logLevel: env.LOG_LEVEL ?? (mode === 'test' ? 'warn' : 'info'),
    exposeSqlCount: env.EXPOSE_SQL_COUNT ? env.EXPOSE_SQL_COUNT === 'true' : mode !== 'production',
    outboxPollMs: Number(env.OUTBOX_POLL_MS ?? 1000),
    drainDelayMs: Number(env.DRAIN_DELAY_MS ?? 500),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM ?? 'Orggraph <no-reply@orggraph.local>',
    invitationExpirySweepMs: Number(env.INVITATION_EXPIRY_SWEEP_MS ?? (mode === 'test' ? 0 : 30_000)),
    importMaxBytes: Number(env.IMPORT_MAX_BYTES ?? 50 * 1024 * 1024),
    eventSweepMs: Number(env.EVENT_SWEEP_MS ?? 5000),
    apiTokenTtlSeconds: numberFrom(env.API_TOKEN_TTL_SECONDS, 15 * 60),
    operationLimits: {
      maxCost: numberFrom(env.MAX_OPERATION_COST, DEFAULT_OPERATION_LIMITS.maxCost),
      maxDepth: numberFrom(env.MAX_OPERATION_DEPTH, DEFAULT_OPERATION_LIMITS.maxDepth),
      maxAliases: numberFrom(env.MAX_OPERATION_ALIASES, DEFAULT_OPERATION_LIMITS.maxAliases),
      maxDirectives: numberFrom(env.MAX_OPERATION_DIRECTIVES, DEFAULT_OPERATION_LIMITS.maxDirectives),
      maxTokens: numberFrom(env.MAX_OPERATION_TOKENS, DEFAULT_OPERATION_LIMITS.maxTokens),
    },
    rateLimits: {
      ...DEFAULT_RATE_LIMITS,
      enabled: env.RATE_LIMITS !== 'off',
      prefix: env.RATE_LIMIT_PREFIX ?? DEFAULT_RATE_LIMITS.prefix,
      windowSeconds: numberFrom(env.RATE_LIMIT_WINDOW_SECONDS, DEFAULT_RATE_LIMITS.windowSeconds),
      perCredential: numberFrom(env.RATE_LIMIT_PER_CREDENTIAL, DEFAULT_RATE_LIMITS.perCredential),
      perAddress: numberFrom(env.RATE_LIMIT_PER_ADDRESS, DEFAULT_RATE_LIMITS.perAddress),
    },
    ...overrides,
  };
}
