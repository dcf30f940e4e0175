import { randomBytes } from 'node:crypto';

/** Runtime configuration. The only module that reads `process.env`. */
export interface Config {
  env: 'development' | 'test' | 'production';
  port: number;
  host: string;
  databaseUrl: string;
  redisUrl: string;
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
  /** Public base URL of the app, for links people open (contact cards). No trailing slash. */
  publicUrl: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const mode = (env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development') as Config['env'];
  const jwtSecretIsRandom = !env.JWT_SECRET;
  if (jwtSecretIsRandom && mode === 'production') throw new Error('JWT_SECRET must be set in production');
  return {
    env: mode,
    port: Number(env.PORT ?? 4000),
    host: env.HOST ?? '0.0.0.0',
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('base64url'),
    jwtSecretIsRandom,
    tokenTtlSeconds: Number(env.TOKEN_TTL_SECONDS ?? 60 * 60 * 24 * 7),
    phoneDefaultRegion: env.PHONE_DEFAULT_REGION ?? 'CN',
    defaultMemberLimit: Number(env.DEFAULT_MEMBER_LIMIT ?? 100_000),
    logLevel: env.LOG_LEVEL ?? (mode === 'test' ? 'warn' : 'info'),
    exposeSqlCount: env.EXPOSE_SQL_COUNT ? env.EXPOSE_SQL_COUNT === 'true' : mode !== 'production',
    outboxPollMs: Number(env.OUTBOX_POLL_MS ?? 1000),
    drainDelayMs: Number(env.DRAIN_DELAY_MS ?? 500),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? 4000}`).replace(/\/+$/, ''),
    ...overrides,
  };
}
