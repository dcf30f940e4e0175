import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, inject, onTestFinished } from 'vitest';
import { TEST_REDIS_URL } from './gateway';

export interface GatewayProcess {
  url: string;
  child: ChildProcess;
  /** Resolves with the exit code once the process ends. */
  exited: Promise<number | null>;
  logs: string[];
}

const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/**
 * Starts the built gateway (`npm test` compiles it first) as its own OS process on a free port, as
 * production runs it; killed after the test (when called inside one) or the file's tests if still running.
 * The outbox dispatcher is off unless `env` turns it on, as in `startTestGateway`: other files read their messages
 * PENDING from the shared database.
 */
export async function spawnGateway(env: Record<string, string> = {}): Promise<GatewayProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      LOG_LEVEL: 'info',
      PORT: '0',
      HOST: '127.0.0.1',
      JWT_SECRET: 'test-secret-test-secret-test-secret',
      DATABASE_URL: inject('databaseUrl'),
      REDIS_URL: TEST_REDIS_URL,
      RATE_LIMIT_PREFIX: `orggraph-test:${randomUUID()}`, // its own rate-limit counters
      OUTBOX_POLL_MS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const kill = () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  // afterAll registered from inside a running test never fires.
  try {
    onTestFinished(kill);
  } catch {
    afterAll(kill);
  }
  const logs: string[] = [];
  child.stderr!.on('data', (chunk) => logs.push(String(chunk)));
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'orggraph gateway listening' && entry.port) resolve(entry.port);
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => reject(new Error(`gateway exited with ${code} before listening:\n${logs.join('\n')}`)));
  });
  return { url: `http://127.0.0.1:${port}/graphql`, child, exited, logs };
}
