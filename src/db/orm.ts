import { Migrator } from '@mikro-orm/migrations';
import { MikroORM, PostgreSqlDriver } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Logger } from 'pino';
import { entities } from './entities';
import { migrationsList } from './migrations';
import { countSqlStatement } from './sql-counter';

export type Orm = MikroORM;

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
        if (error.code !== '42P04') throw error; // created meanwhile by a sibling process
      });
    }
  } finally {
    await client.end();
  }
}

export interface OrmOptions {
  /** Most connections at once (20). 1 for the embedded database, a single session: then the one connection stays open. */
  poolMax?: number;
}

export async function openOrm(databaseUrl: string, logger?: Logger, { poolMax = 20 }: OrmOptions = {}): Promise<Orm> {
  const orm = await MikroORM.init({
    driver: PostgreSqlDriver,
    clientUrl: databaseUrl,
    entities,
    extensions: [Migrator],
    migrations: { migrationsList, transactional: true, allOrNothing: true },
    discovery: { warnWhenNoEntities: false },
    pool: { min: poolMax === 1 ? 1 : 0, max: poolMax, acquireTimeoutMillis: 10_000 },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    logger: (message) => logger?.debug(message),
  });
  orm.em.getConnection().getKnex().on('query', countSqlStatement);
  return orm;
}

/** Applies every committed migration that has not run yet. */
export async function migrate(orm: Orm): Promise<void> {
  await orm.getMigrator().up();
}
