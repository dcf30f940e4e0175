import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { waitUntil } from './subscriptions';

/** A TCP port nothing listens on right now, for a private service. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function ping(port: number): boolean {
  const result = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' });
  return result.stdout.trim() === 'PONG';
}

/**
 * A private Redis on a free port that a fault test may stop and start again (see ../shared/SERVICES.md), so the
 * shared instance stays up for every other test. Keeps nothing on disk; shut down after the file's tests.
 */
export async function startPrivateRedis(): Promise<{ url: string; stop: () => Promise<void>; start: () => Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'orggraph-redis-'));
  const start = async () => {
    execFileSync('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
      '--dir', dir, '--pidfile', join(dir, 'redis.pid'), '--logfile', join(dir, 'redis.log'),
    ]);
    await waitUntil(() => ping(port), `redis on port ${port} to start`);
  };
  const stop = async () => {
    spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'shutdown', 'nosave']);
    await waitUntil(() => !ping(port), `redis on port ${port} to stop`);
  };
  await start();
  afterAll(async () => {
    if (ping(port)) await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `redis://127.0.0.1:${port}`, stop, start };
}
