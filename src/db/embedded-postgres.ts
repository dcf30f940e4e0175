import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';

/** A PostgreSQL running inside this process (PGlite), reachable over TCP on loopback like any server. */
export interface EmbeddedPostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`: for MikroORM's postgres driver, with a pool of ONE connection. */
  url: string;
  /** Where its files are. */
  directory: string;
  close(): Promise<void>;
}

const LOCK_FILE = 'gateway.pid';
const SECRET_FILE = 'jwt-secret';

/**
 * The token secret of an embedded gateway without JWT_SECRET: made once and kept in `<dataDir>/jwt-secret`, because
 * the data it guards lives there too (sessions, sealed invite-link tokens, contact-card tokens must survive a restart).
 */
export function embeddedJwtSecret(dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, SECRET_FILE);
  try {
    writeFileSync(path, randomBytes(32).toString('base64url'), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(path, 'utf8').trim();
}

/**
 * Starts PGlite (PostgreSQL compiled to WebAssembly) on `<dataDir>/pgdata`, with the contrib extensions our migrations
 * use (pg_trgm), behind pglite-socket's server on a free loopback port, so the same driver, SQL and migrations serve
 * as with a real PostgreSQL.
 *
 * PGlite is one backend session: the server must see ONE client connection (see `openOrm`'s `poolMax`). pglite-socket
 * can multiplex several, but it interleaves their messages in one session (statements of the extended protocol,
 * session settings), so we do not use that. `<dataDir>/gateway.pid` keeps a second gateway off the same files.
 */
export async function startEmbeddedPostgres(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
  mkdirSync(dataDir, { recursive: true });
  const releaseLock = lockDataDir(dataDir);
  try {
    const directory = join(dataDir, 'pgdata');
    // ESM-only packages, and 27 MB of WebAssembly: loaded only in this mode.
    const [{ PGlite }, { pg_trgm }, { PGLiteSocketServer }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/pg_trgm'),
      import('@electric-sql/pglite-socket'),
    ]);
    const started = performance.now();
    const db = await PGlite.create(directory, { extensions: { pg_trgm } });
    // The pool holds one connection; room for a second only so that its replacement is not refused while the old
    // one is still closing.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 2 });
    await server.start();
    logger.info({ directory, ms: Math.round(performance.now() - started) }, 'embedded PostgreSQL (PGlite) started');
    return {
      url: `postgres://postgres@${server.getServerConn()}/postgres`,
      directory,
      close: async () => {
        await server.stop();
        await db.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/** Claims `dataDir` for this process, or fails naming the live process that holds it. Returns the release. */
function lockDataDir(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        if (readPid(path) === process.pid) rmSync(path, { force: true });
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPid(path);
      if (holder !== null && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `${dataDir} is in use by process ${holder}: the embedded database serves one gateway at a time ` +
            `(set DATA_DIR to another folder, or DATABASE_URL and REDIS_URL to run several instances)`,
        );
      }
      rmSync(path, { force: true }); // left by a process that ended without cleaning up
    }
  }
  throw new Error(`could not lock ${path}`);
}

function readPid(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
