import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from 'pino';
import { migrationsList } from './migrations';
import type { DatabaseTimeouts } from '../config';
import { ReplicaRoutingPostgreSqlDriver } from './read-routing';
import { countSqlStatement } from './sql-counter';

export type Orm = MikroORM;

export interface OrmOptions {
  /** Streaming replicas of the database (`DATABASE_REPLICA_URLS`); reads go there only as `read-routing.ts` allows. */
  replicaUrls?: string[];
  /** The gateway's limits (see below); scripts and migrations go without. */
  timeouts?: DatabaseTimeouts;
  /** Most connections at once (20). 1 for the embedded database, a single session: then the one connection stays open. */
  poolMax?: number;
  /** The entity classes (the gateway's: `entities` of `src/modules.ts`); none for running migrations. */
  entities?: Function[];
}

/** Creates the database named in `databaseUrl` when it does not exist yet (a fresh machine, a test run). */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database "${name.replaceAll('"', '""')}"`).catch((error: { code?: string }) => {
        // Created meanwhile by a sibling process: 42P04, or 23505 when both inserted into pg_database at once.
        if (error.code !== '42P04' && error.code !== '23505') throw error;
      });
    }
  } finally {
    await client.end();
  }
}

/**
 * Opens the ORM. With `options.timeouts` (the gateway's), a connection that cannot be opened, a pool that has none free and a
 * statement that runs too long all fail within their limit instead of waiting on an unreachable or stuck database;
 * without (scripts, migrations on big tables), nothing is limited.
 */
export async function openOrm(databaseUrl: string, logger?: Logger, options: OrmOptions = {}): Promise<Orm> {
  const { timeouts, poolMax = 20, entities = [] } = options;
  const orm = await MikroORM.init({
    driver: ReplicaRoutingPostgreSqlDriver,
    clientUrl: databaseUrl,
    replicas: (options.replicaUrls ?? []).map((clientUrl, i) => ({ name: `replica-${i + 1}`, clientUrl })),
    preferReadReplicas: true, // SELECTs outside transactions ask for `read`; the driver decides whether that is a replica
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true },
    discovery: { warnWhenNoEntities: false },
    pool: { min: poolMax === 1 ? 1 : 0, max: poolMax, acquireTimeoutMillis: timeouts?.acquireMs ?? 10_000 },
    driverOptions: {
      ...(timeouts && {
        connection: {
          connectionTimeoutMillis: timeouts.connectMs,
          ...(timeouts.statementMs > 0 && { statement_timeout: timeouts.statementMs }),
          // No JIT: it compiles a statement whose estimated cost passes `jit_above_cost`, which a generic plan of a
          // search's many gated branches does (each costed as if it ran); compiling took 0.5 s where the statement
          // itself takes a millisecond (issue 14, `npm run bench:search`). The gateway's statements are all short.
          options: '-c jit=off',
        },
      }),
      // knex's own messages (a pooled connection lost when Postgres goes away) into the log, not onto stdout.
      ...(logger && {
        log: {
          warn: (message: unknown) => logger.warn({ knex: message }, 'database connection'),
          error: (message: unknown) => logger.error({ knex: message }, 'database connection'),
          deprecate: (message: unknown) => logger.debug({ knex: message }, 'knex deprecation'),
          debug: (message: unknown) => logger.debug({ knex: message }, 'knex'),
        },
      }),
    },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    logger: (message) => logger?.debug(message),
  });
  for (const connection of [orm.em.getConnection('write'), ...(orm.em.getDriver() as ReplicaRoutingPostgreSqlDriver).replicaConnections]) {
    connection.getKnex().on('query', countSqlStatement);
  }
  return orm;
}

/** Applies every committed migration that has not run yet. */
export async function migrate(orm: Orm): Promise<void> {
  await orm.getMigrator().up();
}

/** Any constant the project owns: the key of the session advisory lock that migrations run under. */
const MIGRATION_LOCK_KEY = 7_361_204_118;

/**
 * Runs `work` while holding a session advisory lock of `databaseUrl`, on a connection of its own: instances started
 * together on a database with pending migrations take turns, and each one after the first finds nothing left to do.
 * Even looking for pending migrations creates the migrations table, so that must be done under the lock too.
 */
export async function withMigrationLock<T>(databaseUrl: string, work: () => Promise<T>): Promise<T> {
  const lock = new pg.Client({ connectionString: databaseUrl });
  await lock.connect();
  try {
    await lock.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    return await work();
  } finally {
    // Ending the session releases the lock, also when the unlock itself cannot be sent.
    await lock.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end().catch(() => undefined);
  }
}
