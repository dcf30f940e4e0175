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
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const mode = (env.NODE_ENV === 'production' || env.NODE_ENV === 'test' ? env.NODE_ENV : 'development') as Config['env'];
  const jwtSecretIsRandom = !env.JWT_SECRET;
  const port = Number(env.PORT ?? 4000);
  if (jwtSecretIsRandom && mode === 'production') throw new Error('JWT_SECRET must be set in production');
  return {
    env: mode,
    port,
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
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, ''),
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM ?? 'Orggraph <no-reply@orggraph.local>',
    invitationExpirySweepMs: Number(env.INVITATION_EXPIRY_SWEEP_MS ?? (mode === 'test' ? 0 : 30_000)),
    importMaxBytes: Number(env.IMPORT_MAX_BYTES ?? 50 * 1024 * 1024),
    eventSweepMs: Number(env.EVENT_SWEEP_MS ?? 5000),
    ...overrides,
  };
}
