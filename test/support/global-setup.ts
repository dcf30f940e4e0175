import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { ensureDatabase, migrate, openOrm } from '../../src/db/orm';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** One fresh database per test run, migrated once; every test then works in orgs of its own. */
export async function setup(project: TestProject): Promise<() => Promise<void>> {
  execFileSync('bash', ['scripts/ensure-services.sh'], { stdio: 'inherit' });
  const name = `orggraph_test_${process.pid}_${Date.now()}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  await ensureDatabase(databaseUrl);
  const orm = await openOrm(databaseUrl);
  await migrate(orm);
  await orm.close();
  project.provide('databaseUrl', databaseUrl);

  return async () => {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
}
