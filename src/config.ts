import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
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
  /**
   * Streaming replicas of `databaseUrl` for reads (`DATABASE_REPLICA_URLS`, comma-separated); empty: every read goes
   * to the primary. See `src/db/read-routing.ts` for which reads may go to a replica.
   */
  databaseReplicaUrls: string[];
  /** After a mutation, how long the same caller's reads stay on the primary (read-your-writes), in ms. */
  readYourWritesMs: number;
  /**
   * How long a query's viewer (user, membership, grants) may be served from this process's memory, ms
   * (`VIEWER_CACHE_MS`, 0: never). Every write in the org or by the user drops it on every instance sooner.
   */
  viewerCacheMs: number;
  /** Most viewers kept in that cache (`VIEWER_CACHE_MAX`). */
  viewerCacheMax: number;
  /** Redis for pub/sub and rate limits; null (and no cluster) keeps both in this process (one instance only). */
  redisUrl: string | null;
  /**
   * Redis Cluster startup nodes (`REDIS_CLUSTER_NODES`, `host:port` comma-separated); when set the gateway talks to the
   * cluster (sharded pub/sub, rate limits) and `redisUrl` is not used.
   */
  redisClusterNodes: RedisNode[] | null;
  /** Where the embedded database keeps its files (absolute). Used only without `databaseUrl`. */
  dataDir: string;
  /** Most connections to PostgreSQL at once (the embedded database always has one). */
  databasePoolMax: number;
  jwtSecret: string;
  /** True when no JWT_SECRET was given and a random one is in use (tokens die with the process). */
  jwtSecretIsRandom: boolean;
  tokenTtlSeconds: number;
  /**
   * scrypt cost of password hashes as log2 of N (`PASSWORD_SCRYPT_LOG2N`, 10 to 20; r = 8, p = 1): a derivation takes
   * 2^n KiB of memory and doubles its time with each step. Default 17, OWASP's recommendation (128 MiB). A stored hash
   * of a lower cost is replaced at its account's next sign-in.
   */
  passwordScryptLog2N: number;
  phoneDefaultRegion: string;
  defaultMemberLimit: number;
  logLevel: string;
  /** Adds `extensions.sqlStatements` to responses; on outside production. */
  exposeSqlCount: boolean;
  /** How often the outbox dispatcher polls for new messages, in ms. 0 disables it. */
  outboxPollMs: number;
  /** When a failed SMS or email is tried again, and when the outbox gives up on it (see `OutboxRetryPolicy`). */
  outboxRetry: OutboxRetryPolicy;
  /**
   * How long a dispatcher's claim on a batch of messages lasts, ms (`OUTBOX_LEASE_MS`). A dispatcher starts no send
   * in the second half of its lease, so a send (bounded by the SMTP timeouts) ends before another may claim it again.
   */
  outboxLeaseMs: number;
  /** Most messages one dispatcher claims and sends per poll (`OUTBOX_BATCH_SIZE`, 20). */
  outboxBatchSize: number;
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
  /** Where SMS go (`SMS_URL`): the log (the default outside production), Twilio or Alibaba Cloud SMS. */
  sms: SmsSettings;
  /** How often past-due invitations are marked EXPIRED, in ms. 0 disables the job (the default in tests). */
  invitationExpirySweepMs: number;
  /** How often due follow-ups notify their assignees, in ms. 0 disables the job (the default in tests). */
  followUpSweepMs: number;
  /** How often contacts deleted more than 30 days ago are purged, in ms. 0 disables the job (the default in tests). */
  contactPurgeSweepMs: number;
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
  /** Serves the GraphiQL explorer at `GET /graphql` (browsers) and its files under `/graphiql/`. */
  graphiql: boolean;
  /** Serves Prometheus metrics at `GET /metrics`. */
  metrics: boolean;
  /** When set, `/metrics` requires `Authorization: Bearer <metricsToken>`. */
  metricsToken: string | null;
  /** How long database work may wait, so an unreachable or stuck Postgres answers SERVICE_UNAVAILABLE, not a hang. */
  databaseTimeouts: DatabaseTimeouts;
  /** Which peers' X-Forwarded-For is believed for the client address (rate limits); `false`: none. */
  trustProxy: TrustProxy;
  /**
   * Browser origins (`https://crm.example.com`) allowed to call `/graphql` and `/oauth/token` from their pages
   * (`CORS_ORIGINS`, comma-separated; none by default). `*` allows any origin (credentials are bearer tokens, never
   * cookies, so no origin gets more than the token it holds).
   */
  corsOrigins: string[];
  /** Signed webhook deliveries to partners' endpoints (see `WebhookSettings`). */
  webhooks: WebhookSettings;
}

/**
 * `WEBHOOK_ALLOW_PRIVATE`: which addresses an endpoint may resolve to besides public ones. `none` (the default):
 * https to public addresses only; `loopback`: also http(s) to 127.0.0.0/8 and ::1 (tests, development); `private`:
 * also the private ranges (10/8, 172.16/12, 192.168/16, fc00::/7). Link-local and metadata addresses are never allowed.
 */
export type WebhookAllowPrivate = 'none' | 'loopback' | 'private';

export interface WebhookSettings {
  /** Runs the delivery workers in this process (`WEBHOOK_DELIVERY`, on; off in NODE_ENV=test unless turned on). */
  delivery: boolean;
  allowPrivate: WebhookAllowPrivate;
  /** One delivery attempt, connect to last byte read, ms (`WEBHOOK_TIMEOUT_MS`, 10 s). */
  timeoutMs: number;
  /** Most bytes of a receiver's answer read and kept with the attempt (`WEBHOOK_RESPONSE_BYTES`, 1024). */
  responseBytes: number;
  /** The first pause after a failed attempt, ms (`WEBHOOK_RETRY_BASE_MS`, 5 s); doubling, half of it random. */
  retryBaseMs: number;
  /** The longest pause between attempts, ms (`WEBHOOK_RETRY_MAX_MS`, 1 h). */
  retryMaxMs: number;
  /** How long an event is retried after its first failed attempt before the endpoint is disabled, ms (`WEBHOOK_RETRY_WINDOW_MS`, 3 days). */
  retryWindowMs: number;
  /** How often each process looks for endpoints with events to deliver, ms (`WEBHOOK_POLL_MS`, 250). */
  pollMs: number;
  /** Endpoints one process delivers to at once (`WEBHOOK_CONCURRENCY`, 8). */
  concurrency: number;
}

export const DEFAULT_WEBHOOK_RETRY_WINDOW_MS = 3 * 24 * 60 * 60_000;

function webhookAllowPrivateFrom(value: string | undefined): WebhookAllowPrivate {
  const text = (value ?? '').trim().toLowerCase();
  if (text === '' || text === 'none' || text === 'off' || text === 'false') return 'none';
  if (text === 'loopback' || text === 'private') return text;
  throw new ConfigError(`WEBHOOK_ALLOW_PRIVATE must be none, loopback or private, not ${JSON.stringify(value)}`);
}

/**
 * Retries of a message whose delivery failed: after the n-th failed attempt the next one waits
 * `min(maxMs, baseMs * 2^(n-1))`, half of it fixed and half random (jitter, so messages that failed together do not
 * come back together); once its attempts have been failing for `horizonMs` the message is FAILED, with its last error.
 */
export interface OutboxRetryPolicy {
  /** The first pause, ms (`OUTBOX_RETRY_BASE_MS`). */
  baseMs: number;
  /** The longest pause, ms (`OUTBOX_RETRY_MAX_MS`). */
  maxMs: number;
  /** How long after its first failed attempt a message is given up on, ms (`OUTBOX_RETRY_HORIZON_MS`); 0: at once. */
  horizonMs: number;
}

/** 10 s, doubling up to 30 min, for 6 hours: a mail server down for minutes (or a night's maintenance) loses nothing. */
export const DEFAULT_OUTBOX_RETRY: OutboxRetryPolicy = { baseMs: 10_000, maxMs: 30 * 60_000, horizonMs: 6 * 60 * 60_000 };

export const DEFAULT_OUTBOX_LEASE_MS = 5 * 60_000;
export const DEFAULT_OUTBOX_BATCH_SIZE = 20;

export interface DatabaseTimeouts {
  /** Opening a connection (TCP and start-up), ms. */
  connectMs: number;
  /** Waiting for a free connection of the pool, ms. */
  acquireMs: number;
  /** One SQL statement, enforced by Postgres (`statement_timeout`), ms; 0: no limit. */
  statementMs: number;
}

/**
 * `TRUST_PROXY`: off by default (the socket's address is the client's). A number `n` trusts the last `n` hops of
 * X-Forwarded-For (the load balancers in front); a list of addresses, CIDRs or `loopback`/`private` trusts those peers.
 */
export type TrustProxy = false | { hops: number } | { ranges: string[] };

/** Parses `TRUST_PROXY`: unset, `false`, `0` → off; `true` → one hop; a number → hops; else a comma-separated list. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const text = value?.trim() ?? '';
  if (text === '' || text === 'false' || text === '0' || text === 'off') return false;
  if (text === 'true') return { hops: 1 };
  if (/^\d+$/.test(text)) return { hops: Number(text) };
  const ranges = text.split(',').map((part) => part.trim()).filter(Boolean);
  for (const range of ranges) {
    const [address, prefix] = range.split('/');
    const named = ['loopback', 'private', 'linklocal'].includes(range.toLowerCase());
    if (!named && (isIP(address ?? '') === 0 || (prefix !== undefined && !/^\d{1,3}$/.test(prefix)))) {
      throw new ConfigError(`TRUST_PROXY: "${range}" is not a number of hops, an address, a CIDR range, loopback, private or linklocal`);
    }
  }
  return { ranges };
}

export interface RedisNode {
  host: string;
  port: number;
}

/** `host:port,host:port` (a `redis://` prefix allowed) into nodes; empty or unset: null. */
/** An SMS provider and its credentials, as `SMS_URL` names it (see `parseSmsUrl`). */
export type SmsSettings =
  | { provider: 'log' }
  | { provider: 'twilio'; accountSid: string; authToken: string; from: string; baseUrl: string }
  | {
      provider: 'aliyun';
      accessKeyId: string;
      accessKeySecret: string;
      signName: string;
      /** Template codes (as approved in the console) by outbox template: verification codes and invitations. */
      templates: { PHONE_VERIFICATION: string; INVITATION: string };
      regionId: string;
      baseUrl: string;
    };

export const TWILIO_BASE_URL = 'https://api.twilio.com';
export const ALIYUN_SMS_BASE_URL = 'https://dysmsapi.aliyuncs.com';

/**
 * `SMS_URL`: unset or `log:` writes SMS to the log; `twilio://ACCOUNT_SID:AUTH_TOKEN@FROM` (FROM an E.164 number or a
 * Messaging Service SID `MG…`); `aliyun://ACCESS_KEY_ID:ACCESS_KEY_SECRET@SIGN_NAME?code=SMS_…&invitation=SMS_…`
 * (the sign name percent-encoded, the template codes of verification codes and of invitations; `region`, default
 * cn-hangzhou). `base=<url>` points either at another API base URL (a proxy, a test server). Credentials are
 * percent-decoded.
 */
export function parseSmsUrl(value: string | undefined): SmsSettings {
  if (!value || value === 'log:' || value === 'log') return { provider: 'log' };
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('SMS_URL must be log:, twilio://SID:TOKEN@FROM or aliyun://KEY:SECRET@SIGN_NAME?code=…&invitation=…');
  }
  const user = decodeURIComponent(url.username);
  const secret = decodeURIComponent(url.password);
  const host = decodeURIComponent(url.hostname);
  const baseUrl = (fallback: string) => {
    const base = url.searchParams.get('base') ?? fallback;
    if (!/^https?:\/\/[^/]/.test(base)) throw new ConfigError(`SMS_URL base must be an http(s) URL, not ${JSON.stringify(base)}`);
    return base.replace(/\/+$/, '');
  };
  if (url.protocol === 'twilio:') {
    if (!user || !secret || !host) throw new ConfigError('SMS_URL twilio://ACCOUNT_SID:AUTH_TOKEN@FROM needs all three parts');
    return { provider: 'twilio', accountSid: user, authToken: secret, from: host, baseUrl: baseUrl(TWILIO_BASE_URL) };
  }
  if (url.protocol === 'aliyun:') {
    const code = url.searchParams.get('code');
    const invitation = url.searchParams.get('invitation');
    if (!user || !secret || !host || !code || !invitation) {
      throw new ConfigError('SMS_URL aliyun://ACCESS_KEY_ID:ACCESS_KEY_SECRET@SIGN_NAME?code=SMS_…&invitation=SMS_… needs the key, secret, sign name and both template codes');
    }
    return {
      provider: 'aliyun',
      accessKeyId: user,
      accessKeySecret: secret,
      signName: host,
      templates: { PHONE_VERIFICATION: code, INVITATION: invitation },
      regionId: url.searchParams.get('region') ?? 'cn-hangzhou',
      baseUrl: baseUrl(ALIYUN_SMS_BASE_URL),
    };
  }
  throw new ConfigError(`SMS_URL names no known provider (${url.protocol.replace(/:$/, '')}): use log:, twilio:// or aliyun://`);
}

export function parseRedisNodes(value: string | undefined): RedisNode[] | null {
  const nodes = (value ?? '')
    .split(',')
    .map((entry) => entry.trim().replace(/^rediss?:\/\//, '').replace(/\/.*$/, ''))
    .filter(Boolean)
    .map((entry) => {
      const at = entry.lastIndexOf(':');
      const host = at > 0 ? entry.slice(0, at) : entry;
      const port = at > 0 ? Number(entry.slice(at + 1)) : 6379;
      if (!Number.isInteger(port) || port <= 0) throw new ConfigError(`REDIS_CLUSTER_NODES: bad node "${entry}"`);
      return { host, port };
    });
  return nodes.length ? nodes : null;
}

function listFrom(value: string | undefined): string[] {
  return (value ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
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

export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = { connectMs: 5_000, acquireMs: 10_000, statementMs: 30_000 };

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

/** `on`/`off` (also `true`/`false`, `1`/`0`); unset or empty: the fallback; anything else is a mistake worth failing on. */
function switchFrom(name: string, value: string | undefined, fallback: boolean): boolean {
  if (value === undefined || value === '') return fallback;
  const normalized = value.trim().toLowerCase();
  if (['on', 'true', '1'].includes(normalized)) return true;
  if (['off', 'false', '0'].includes(normalized)) return false;
  throw new ConfigError(`${name} must be on or off, not ${JSON.stringify(value)}`);
}

/** OWASP Password Storage Cheat Sheet: scrypt N = 2^17, r = 8, p = 1. */
export const DEFAULT_PASSWORD_SCRYPT_LOG2N = 17;

function scryptLog2NFrom(value: string | undefined): number {
  const log2N = value === undefined || value.trim() === '' ? DEFAULT_PASSWORD_SCRYPT_LOG2N : Number(value);
  if (!Number.isInteger(log2N) || log2N < 10 || log2N > 20) {
    throw new ConfigError(`PASSWORD_SCRYPT_LOG2N must be a whole number from 10 to 20, not ${JSON.stringify(value)}`);
  }
  return log2N;
}

/** A configuration mistake: the gateway prints its message as one line and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A number of `name` at least 0; unset or empty: the fallback; anything else is a mistake worth failing on. */
function numberFrom(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value.trim() === '') return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new ConfigError(`${name} must be a number of at least 0, not ${JSON.stringify(value)}`);
  return number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const mode = (env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development') as Config['env'];
  const jwtSecretIsRandom = !env.JWT_SECRET;
  const port = numberFrom('PORT', env.PORT, 4000);
  if (!Number.isInteger(port) || port > 65_535) throw new ConfigError(`PORT must be a port number, not ${JSON.stringify(env.PORT)}`);
  if (jwtSecretIsRandom && mode === 'production') throw new ConfigError('JWT_SECRET must be set in production');
  // The embedded services are for trying Orggraph on one machine; a production deployment that lost its URLs must not
  // quietly start an empty database of its own.
  if (mode === 'production' && (!env.DATABASE_URL || !(env.REDIS_URL || env.REDIS_CLUSTER_NODES))) {
    throw new ConfigError('DATABASE_URL and REDIS_URL (or REDIS_CLUSTER_NODES) must be set in production');
  }
  const sms = parseSmsUrl(env.SMS_URL);
  // In production an SMS written to the log is a verification code or an invitation nobody receives.
  if (mode === 'production' && sms.provider === 'log' && !switchFrom('SMS_ALLOW_LOG', env.SMS_ALLOW_LOG, false)) {
    throw new ConfigError('SMS_URL must name an SMS provider in production (twilio://… or aliyun://…); SMS_ALLOW_LOG=true writes SMS to the log instead');
  }
  return {
    env: mode,
    port,
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL || null,
    databaseReplicaUrls: listFrom(env.DATABASE_REPLICA_URLS),
    readYourWritesMs: numberFrom('READ_YOUR_WRITES_MS', env.READ_YOUR_WRITES_MS, 5000),
    viewerCacheMs: numberFrom('VIEWER_CACHE_MS', env.VIEWER_CACHE_MS, 30_000),
    viewerCacheMax: numberFrom('VIEWER_CACHE_MAX', env.VIEWER_CACHE_MAX, 20_000),
    redisUrl: env.REDIS_URL || null,
    redisClusterNodes: parseRedisNodes(env.REDIS_CLUSTER_NODES),
    dataDir: resolve(env.DATA_DIR || '.orggraph-data'),
    databasePoolMax: numberFrom('DATABASE_POOL_MAX', env.DATABASE_POOL_MAX, 20),
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    jwtSecretIsRandom,
    tokenTtlSeconds: numberFrom('TOKEN_TTL_SECONDS', env.TOKEN_TTL_SECONDS, 60 * 60 * 24 * 7),
    passwordScryptLog2N: scryptLog2NFrom(env.PASSWORD_SCRYPT_LOG2N),
    phoneDefaultRegion: env.PHONE_DEFAULT_REGION ?? 'CN',
    defaultMemberLimit: numberFrom('DEFAULT_MEMBER_LIMIT', env.DEFAULT_MEMBER_LIMIT, 100_000),
    logLevel: env.LOG_LEVEL ?? (mode === 'test' ? 'warn' : 'info'),
    exposeSqlCount: env.EXPOSE_SQL_COUNT ? env.EXPOSE_SQL_COUNT === 'true' : mode !== 'production',
    outboxPollMs: numberFrom('OUTBOX_POLL_MS', env.OUTBOX_POLL_MS, 1000),
    outboxRetry: {
      baseMs: numberFrom('OUTBOX_RETRY_BASE_MS', env.OUTBOX_RETRY_BASE_MS, DEFAULT_OUTBOX_RETRY.baseMs),
      maxMs: numberFrom('OUTBOX_RETRY_MAX_MS', env.OUTBOX_RETRY_MAX_MS, DEFAULT_OUTBOX_RETRY.maxMs),
      horizonMs: numberFrom('OUTBOX_RETRY_HORIZON_MS', env.OUTBOX_RETRY_HORIZON_MS, DEFAULT_OUTBOX_RETRY.horizonMs),
    },
    outboxLeaseMs: numberFrom('OUTBOX_LEASE_MS', env.OUTBOX_LEASE_MS, DEFAULT_OUTBOX_LEASE_MS),
    outboxBatchSize: numberFrom('OUTBOX_BATCH_SIZE', env.OUTBOX_BATCH_SIZE, DEFAULT_OUTBOX_BATCH_SIZE),
    drainDelayMs: numberFrom('DRAIN_DELAY_MS', env.DRAIN_DELAY_MS, 500),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM ?? 'Orggraph <no-reply@orggraph.local>',
    sms,
    invitationExpirySweepMs: numberFrom('INVITATION_EXPIRY_SWEEP_MS', env.INVITATION_EXPIRY_SWEEP_MS, mode === 'test' ? 0 : 30_000),
    followUpSweepMs: numberFrom('FOLLOW_UP_SWEEP_MS', env.FOLLOW_UP_SWEEP_MS, mode === 'test' ? 0 : 30_000),
    contactPurgeSweepMs: numberFrom('CONTACT_PURGE_SWEEP_MS', env.CONTACT_PURGE_SWEEP_MS, mode === 'test' ? 0 : 60 * 60 * 1000),
    importMaxBytes: numberFrom('IMPORT_MAX_BYTES', env.IMPORT_MAX_BYTES, 50 * 1024 * 1024),
    eventSweepMs: numberFrom('EVENT_SWEEP_MS', env.EVENT_SWEEP_MS, 5000),
    apiTokenTtlSeconds: numberFrom('API_TOKEN_TTL_SECONDS', env.API_TOKEN_TTL_SECONDS, 15 * 60),
    operationLimits: {
      maxCost: numberFrom('MAX_OPERATION_COST', env.MAX_OPERATION_COST, DEFAULT_OPERATION_LIMITS.maxCost),
      maxDepth: numberFrom('MAX_OPERATION_DEPTH', env.MAX_OPERATION_DEPTH, DEFAULT_OPERATION_LIMITS.maxDepth),
      maxAliases: numberFrom('MAX_OPERATION_ALIASES', env.MAX_OPERATION_ALIASES, DEFAULT_OPERATION_LIMITS.maxAliases),
      maxDirectives: numberFrom('MAX_OPERATION_DIRECTIVES', env.MAX_OPERATION_DIRECTIVES, DEFAULT_OPERATION_LIMITS.maxDirectives),
      maxTokens: numberFrom('MAX_OPERATION_TOKENS', env.MAX_OPERATION_TOKENS, DEFAULT_OPERATION_LIMITS.maxTokens),
    },
    rateLimits: {
      ...DEFAULT_RATE_LIMITS,
      enabled: env.RATE_LIMITS !== 'off',
      prefix: env.RATE_LIMIT_PREFIX ?? DEFAULT_RATE_LIMITS.prefix,
      windowSeconds: numberFrom('RATE_LIMIT_WINDOW_SECONDS', env.RATE_LIMIT_WINDOW_SECONDS, DEFAULT_RATE_LIMITS.windowSeconds),
      perCredential: numberFrom('RATE_LIMIT_PER_CREDENTIAL', env.RATE_LIMIT_PER_CREDENTIAL, DEFAULT_RATE_LIMITS.perCredential),
      perAddress: numberFrom('RATE_LIMIT_PER_ADDRESS', env.RATE_LIMIT_PER_ADDRESS, DEFAULT_RATE_LIMITS.perAddress),
    },
    graphiql: switchFrom('GRAPHIQL', env.GRAPHIQL, mode !== 'production'),
    metrics: switchFrom('METRICS', env.METRICS, true),
    metricsToken: env.METRICS_TOKEN || null,
    databaseTimeouts: {
      connectMs: numberFrom('DATABASE_CONNECT_TIMEOUT_MS', env.DATABASE_CONNECT_TIMEOUT_MS, DEFAULT_DATABASE_TIMEOUTS.connectMs),
      acquireMs: numberFrom('DATABASE_ACQUIRE_TIMEOUT_MS', env.DATABASE_ACQUIRE_TIMEOUT_MS, DEFAULT_DATABASE_TIMEOUTS.acquireMs),
      statementMs: numberFrom('DATABASE_STATEMENT_TIMEOUT_MS', env.DATABASE_STATEMENT_TIMEOUT_MS, DEFAULT_DATABASE_TIMEOUTS.statementMs),
    },
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS),
    webhooks: {
      delivery: switchFrom('WEBHOOK_DELIVERY', env.WEBHOOK_DELIVERY, mode !== 'test'),
      allowPrivate: webhookAllowPrivateFrom(env.WEBHOOK_ALLOW_PRIVATE),
      timeoutMs: numberFrom('WEBHOOK_TIMEOUT_MS', env.WEBHOOK_TIMEOUT_MS, 10_000),
      responseBytes: numberFrom('WEBHOOK_RESPONSE_BYTES', env.WEBHOOK_RESPONSE_BYTES, 1024),
      retryBaseMs: numberFrom('WEBHOOK_RETRY_BASE_MS', env.WEBHOOK_RETRY_BASE_MS, 5_000),
      retryMaxMs: numberFrom('WEBHOOK_RETRY_MAX_MS', env.WEBHOOK_RETRY_MAX_MS, 60 * 60_000),
      retryWindowMs: numberFrom('WEBHOOK_RETRY_WINDOW_MS', env.WEBHOOK_RETRY_WINDOW_MS, DEFAULT_WEBHOOK_RETRY_WINDOW_MS),
      pollMs: numberFrom('WEBHOOK_POLL_MS', env.WEBHOOK_POLL_MS, 250),
      concurrency: Math.max(1, numberFrom('WEBHOOK_CONCURRENCY', env.WEBHOOK_CONCURRENCY, 8)),
    },
    ...overrides,
  };
}

/** `CORS_ORIGINS`: `scheme://host[:port]` each (no path), or `*`. */
export function parseCorsOrigins(value: string | undefined): string[] {
  const origins = listFrom(value);
  for (const origin of origins) {
    if (origin === '*') continue;
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new ConfigError(`CORS_ORIGINS: ${origin} is not an origin (scheme://host[:port])`);
    }
    if (parsed.origin !== origin.replace(/\/+$/, '')) throw new ConfigError(`CORS_ORIGINS: ${origin} is not an origin (scheme://host[:port], no path)`);
  }
  return origins.map((origin) => origin.replace(/\/+$/, ''));
}
