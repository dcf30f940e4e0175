import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, appendFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A private PostgreSQL primary with one streaming replica on this machine, for tests of read replicas: `initdb` and
 * `pg_ctl` from Debian's server binaries, each on a free port, data in a temporary folder, stopped and removed after
 * `stop()` (call it from the file's `afterAll`; a hook registered from inside `beforeAll` would never run), or when
 * the test process exits. Self-contained (the shared instance on 5432 is never touched).
 *
 * Tests run as root and `initdb` refuses root, so every server command runs as `postgres` (`runuser`), in a folder
 * owned by it.
 */
export interface ReplicatedPostgres {
  /** `postgres://postgres@127.0.0.1:<primary port>/<database>`. */
  primaryUrl(database: string): string;
  replicaUrl(database: string): string;
  /** Runs SQL on the primary or the replica (`postgres` database unless given), returns the rows. */
  query<T = Record<string, unknown>>(on: 'primary' | 'replica', text: string, params?: unknown[], database?: string): Promise<T[]>;
  /** Stops applying WAL on the replica (`pg_wal_replay_pause()`): it keeps receiving, but what it answers stands still. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the replica has replayed everything the primary had committed when called. */
  waitForReplay(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

function serverBin(name: string): string {
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const path = join('/usr/lib/postgresql', version, 'bin', name);
    if (existsSync(path)) return path;
  }
  throw new Error(`PostgreSQL server binary ${name} not found under /usr/lib/postgresql/<version>/bin (apt-get install postgresql)`);
}

function asPostgres(bin: string, args: string[]): void {
  const command = process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', serverBin(bin), ...args]] : [serverBin(bin), args];
  execFileSync(command[0] as string, command[1] as string[], { stdio: 'pipe' });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function isReady(port: number): boolean {
  return spawnSync(serverBin('pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0;
}

async function waitFor(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Starts the primary and its streaming replica; both answer when this resolves. */
export async function startReplicatedPostgres(): Promise<ReplicatedPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'orggraph-pg-replica-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresIds();
    chownSync(dir, uid, gid);
  }
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const stopServer = (dataDir: string) => {
    if (existsSync(join(dataDir, 'postmaster.pid'))) {
      try {
        asPostgres('pg_ctl', ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      } catch {
        // already down
      }
    }
  };
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopNow);
    stopServer(replicaDir);
    stopServer(primaryDir);
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => stopNow();
  process.once('exit', stopNow); // what a test forgot

  try {
    asPostgres('initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    // initdb's pg_hba.conf already lets 127.0.0.1 replicate with trust.
    appendFileSync(
      join(primaryDir, 'postgresql.conf'),
      [
        `port = ${primaryPort}`,
        `listen_addresses = '127.0.0.1'`,
        `unix_socket_directories = '${dir}'`,
        'wal_level = replica',
        'max_wal_senders = 4',
        'hot_standby = on',
        // A test database: durability is not the point, speed on a shared machine is.
        'fsync = off',
        'full_page_writes = off',
        'shared_buffers = 32MB',
        'max_connections = 100',
        '',
      ].join('\n'),
    );
    asPostgres('pg_ctl', ['-D', primaryDir, '-l', join(dir, 'primary.log'), '-w', 'start']);
    await waitFor(() => isReady(primaryPort), 'the primary to accept connections');

    // A base backup that streams its WAL (-X stream) and writes standby.signal + primary_conninfo (-R).
    asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--no-sync']);
    appendFileSync(join(replicaDir, 'postgresql.conf'), `port = ${replicaPort}\n`);
    asPostgres('pg_ctl', ['-D', replicaDir, '-l', join(dir, 'replica.log'), '-w', 'start']);
    await waitFor(() => isReady(replicaPort), 'the replica to accept connections');
  } catch (error) {
    await stop();
    throw error;
  }

  const url = (port: number, database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const query = async <T,>(on: 'primary' | 'replica', text: string, params: unknown[] = [], database = 'postgres'): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(on === 'primary' ? primaryPort : replicaPort, database) });
    await client.connect();
    try {
      return (await client.query(text, params)).rows as T[];
    } finally {
      await client.end();
    }
  };

  return {
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    query,
    async pauseReplay() {
      await query('replica', 'select pg_wal_replay_pause()');
      await waitFor(
        async () => (await query<{ state: string }>('replica', 'select pg_get_wal_replay_pause_state() as state'))[0]?.state === 'paused',
        'WAL replay to pause',
      );
    },
    async resumeReplay() {
      await query('replica', 'select pg_wal_replay_resume()');
    },
    async waitForReplay(timeoutMs = 30_000) {
      const [row] = await query<{ lsn: string }>('primary', 'select pg_current_wal_insert_lsn()::text as lsn');
      const lsn = row!.lsn;
      await waitFor(
        async () => (await query<{ caught: boolean }>('replica', 'select pg_last_wal_replay_lsn() >= $1::pg_lsn as caught', [lsn]))[0]?.caught === true,
        `the replica to replay up to ${lsn}`,
        timeoutMs,
      );
    },
    stop,
  };
}

function postgresIds(): { uid: number; gid: number } {
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}
