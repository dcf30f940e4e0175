import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, onTestFinished } from 'vitest';
import { ensureDatabase, migrate, openOrm } from '../../src/db/orm';
import { freePort } from './redis-server';

export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/orggraph`, migrated. */
  url: string;
  port: number;
  /** Stops the server (fast shutdown: open sessions are terminated, as when a database host goes away). */
  stop(): Promise<void>;
  /** Starts it again on the same port and data. */
  start(): Promise<void>;
  /** Stops it if running and deletes its data. Runs by itself after the test (or the file) that started it. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's binaries (`/usr/lib/postgresql/<version>/bin`). */
function postgresBin(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a)) : [];
  const version = versions.find((name) => existsSync(join(root, name, 'bin', 'initdb')));
  if (!version) throw new Error(`no PostgreSQL server binaries under ${root} (apt-get install postgresql)`);
  return join(root, version, 'bin');
}

/** Runs a PostgreSQL binary as the `postgres` OS user when we are root (initdb and postgres refuse to run as root). */
function runAsPostgres(command: string, args: string[]): void {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  execFileSync(file, argv, { stdio: 'pipe', timeout: 60_000 });
}

/**
 * A PostgreSQL server of this test's own (initdb into a temporary folder, trust auth, 127.0.0.1 on a free port, its
 * unix socket in the same folder), with the gateway's database created and migrated, that a fault test may stop and
 * start while the shared server (5432) stays up for everything else (see ../shared/SERVICES.md). Destroyed after the
 * test that started it, or after the file when started outside a test, whether the test passed or not.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'orggraph-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(dir, uid, gid);
  }
  let destroyed = false;
  const destroy = async () => {
    if (destroyed) return;
    destroyed = true;
    if (existsSync(join(data, 'postmaster.pid'))) {
      spawnSync(process.getuid?.() === 0 ? 'runuser' : join(bin, 'pg_ctl'), [
        ...(process.getuid?.() === 0 ? ['-u', 'postgres', '--', join(bin, 'pg_ctl')] : []),
        '-D', data, '-m', 'immediate', '-w', 'stop',
      ], { stdio: 'ignore', timeout: 30_000 });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Registered before anything can fail, so a half-started server is removed too.
  try {
    onTestFinished(destroy);
  } catch {
    afterAll(destroy); // called outside a test (beforeAll): after the file
  }

  runAsPostgres(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale', 'C.UTF-8', '--no-sync']);
  const start = async () => {
    runAsPostgres(join(bin, 'pg_ctl'), [
      '-D', data, '-l', join(dir, 'postgres.log'), '-w', '-t', '60',
      '-o', `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`,
      'start',
    ]);
  };
  const stop = async () => {
    runAsPostgres(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  await start();

  const url = `postgres://postgres@127.0.0.1:${port}/orggraph`;
  await ensureDatabase(url);
  const orm = await openOrm(url);
  try {
    await migrate(orm);
  } finally {
    await orm.close();
  }
  return { url, port, stop, start, destroy };
}
