import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisNode } from '../../src/config';
import { waitUntil } from './subscriptions';

export interface PrivateRedisCluster {
  nodes: RedisNode[];
  /** Runs redis-cli against one node (`-c`: following redirections), returns its output. */
  cli(node: RedisNode, ...args: string[]): string;
  stop(): Promise<void>;
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port whose cluster bus port (port + 10000) is free too. */
async function freeClusterPort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if (taken.has(port) || taken.has(port + 10_000)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + 10_000))) {
      taken.add(port).add(port + 10_000);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

/**
 * A private Redis Cluster of `size` masters (no replicas) on free ports, as `redis-cli --cluster create` builds one,
 * keeping nothing on disk. Shut down by `stop()` (call it from the file's `afterAll`; a hook registered from inside
 * `beforeAll` would never run), or when the test process exits. The shared Redis on 6379 is never touched.
 */
export async function startRedisCluster(size = 3): Promise<PrivateRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'orggraph-redis-cluster-'));
  const taken = new Set<number>();
  const nodes: RedisNode[] = [];
  for (let i = 0; i < size; i++) nodes.push({ host: '127.0.0.1', port: await freeClusterPort(taken) });
  const cli = (node: RedisNode, ...args: string[]) =>
    spawnSync('redis-cli', ['-h', node.host, '-p', String(node.port), '-c', ...args], { encoding: 'utf8' }).stdout.trim();
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', stopNow);
    for (const node of nodes) spawnSync('redis-cli', ['-h', node.host, '-p', String(node.port), 'shutdown', 'nosave']);
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => stopNow();
  process.once('exit', stopNow); // what a test forgot

  for (const node of nodes) {
    execFileSync('redis-server', [
      '--port', String(node.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'yes',
      '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${node.port}.conf`), '--cluster-node-timeout', '2000',
      '--dir', dir, '--pidfile', join(dir, `redis-${node.port}.pid`), '--logfile', join(dir, `redis-${node.port}.log`),
    ]);
  }
  await waitUntil(() => nodes.every((node) => cli(node, 'ping') === 'PONG'), 'cluster nodes to start');
  execFileSync('redis-cli', ['--cluster', 'create', ...nodes.map((node) => `${node.host}:${node.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
    stdio: 'pipe',
  });
  await waitUntil(() => nodes.every((node) => cli(node, 'cluster', 'info').includes('cluster_state:ok')), 'the cluster to be ok', 30_000);
  return { nodes, cli, stop };
}
