import { request } from 'node:http';
import { Readable } from 'node:stream';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { LOCAL_REDIS_URL } from '../../src/config';

/** Drops and recreates a scratch database for a benchmark run. */
export async function freshDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`drop database if exists "${name}" with (force)`);
  await admin.query(`create database "${name}"`);
  await admin.end();
}

/** The session-token secret every bench gives the gateway (and the reference server, which verifies the same tokens). */
export const BENCH_JWT_SECRET = 'bench-secret-bench-secret-bench';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  stop: () => Promise<void>;
}

/**
 * Starts a built script as its own process; resolves with its port once `portOf` finds it in a stdout line.
 * `nodeArgs`: e.g. `--cpu-prof`.
 */
async function startProcess(
  what: string,
  script: string,
  env: Record<string, string | undefined>,
  nodeArgs: string[],
  portOf: (line: string) => number | null,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const port = portOf(line);
      if (port) resolve(port);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** Starts the built gateway as its own process on a free port; resolves once it listens. `nodeArgs`: e.g. `--cpu-prof`. */
export function startGatewayProcess(env: Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  return startProcess(
    'gateway',
    join(__dirname, '..', '..', 'src', 'main.js'),
    {
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      JWT_SECRET: BENCH_JWT_SECRET,
      // Benchmarks measure the real services; without REDIS_URL the gateway would use its in-process pub/sub.
      REDIS_URL: process.env.REDIS_URL || LOCAL_REDIS_URL,
      // The load comes from one address and one user: budgets that never run out, so the limiter's work is measured
      // without refusing the load.
      RATE_LIMIT_PER_CREDENTIAL: '1000000000000',
      RATE_LIMIT_PER_ADDRESS: '1000000000000',
      ...env,
    },
    nodeArgs,
    (line) => {
      // The gateway logs a line per operation: only the start-up line is worth parsing.
      if (!line.includes('gateway listening')) return null;
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        return entry.msg === 'orggraph gateway listening' && entry.port ? entry.port : null;
      } catch {
        return null; // not a log line
      }
    },
  );
}

/**
 * Starts the hand-written reference server of the read bench (`reference-server.ts`, built next to this file) on a
 * free port, on the same database and token secret as the gateway.
 */
export function startReferenceProcess(env: { DATABASE_URL: string } & Record<string, string>, nodeArgs: string[] = []): Promise<ServerProcess> {
  return startProcess('reference server', join(__dirname, 'reference-server.js'), { PORT: '0', HOST: '127.0.0.1', JWT_SECRET: BENCH_JWT_SECRET, ...env }, nodeArgs, (line) => {
    if (!line.includes('reference listening')) return null;
    try {
      const entry = JSON.parse(line) as { port?: number };
      return entry.port ?? null;
    } catch {
      return null;
    }
  });
}

export interface GraphQLResponse {
  data?: Record<string, any>;
  errors?: Array<{ message: string; extensions?: { code?: string } }>;
  extensions?: { sqlStatements?: number };
}

export async function graphql(url: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<GraphQLResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse;
}

export interface LoadResult {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  rps: number;
  sqlPerRequest: number;
  /** Every request's latency in ms, sorted; and the measured wall time in s (to pool several runs). */
  latencies: number[];
  seconds: number;
  /** Total SQL statements the responses reported. */
  sqlStatements: number;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Several runs of one load as one: throughput over the summed time, percentiles over all latencies. */
export function poolResults(results: LoadResult[]): LoadResult {
  const sum = (of: (r: LoadResult) => number) => results.reduce((total, r) => total + of(r), 0);
  return summarize(results.flatMap((r) => r.latencies), sum((r) => r.errors), sum((r) => r.seconds), sum((r) => r.sqlStatements));
}

/** A load's figures from its latencies (sorted here), errors, wall time and SQL statements. */
function summarize(latencies: number[], errors: number, seconds: number, sqlStatements: number): LoadResult {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    rps: latencies.length / seconds,
    sqlPerRequest: sqlStatements / Math.max(1, latencies.length),
    latencies,
    seconds,
    sqlStatements,
  };
}

/** Runs one operation from `concurrency` loops for `durationMs` and reports latency, throughput and SQL per request. */
export async function load(
  url: string,
  token: string,
  query: string,
  variables: () => Record<string, unknown>,
  { concurrency, durationMs, warmupMs }: { concurrency: number; durationMs: number; warmupMs: number },
): Promise<LoadResult> {
  const warmupEnd = Date.now() + warmupMs;
  while (Date.now() < warmupEnd) await graphql(url, query, variables(), token);
  return measure(() => graphql(url, query, variables(), token), concurrency, durationMs);
}

/** One operation of a mixed load. */
export interface MixedOperation {
  name: string;
  query: string;
  variables: () => Record<string, unknown>;
}

/**
 * Runs a mix of operations from `concurrency` loops for `durationMs`, each request going to the next of `urls` in turn
 * (a round-robin load balancer) and picking the next operation of `mix` in turn; reports like `load`. First every
 * instance gets `warmupRequestsPerUrl` requests (so each has compiled its hot code, whatever the number of instances).
 */
export async function loadRoundRobin(
  urls: string[],
  token: string,
  mix: MixedOperation[],
  { concurrency, durationMs, warmupRequestsPerUrl }: { concurrency: number; durationMs: number; warmupRequestsPerUrl: number },
): Promise<LoadResult> {
  let next = 0;
  const request = () => {
    const n = next++;
    const operation = mix[n % mix.length]!;
    return graphql(urls[n % urls.length]!, operation.query, operation.variables(), token);
  };
  const warmupEnd = warmupRequestsPerUrl * urls.length;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < warmupEnd) await request();
  }));
  return measure(request, concurrency, durationMs);
}

/** Sends `request` from `concurrency` loops for `durationMs`; latency percentiles, throughput and SQL per request. */
export async function measure(request: () => Promise<GraphQLResponse>, concurrency: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let sql = 0;
  const started = performance.now();
  const end = Date.now() + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        const t0 = performance.now();
        const result = await request();
        latencies.push(performance.now() - t0);
        if (result.errors?.length) {
          if (errors === 0) console.error('first error:', JSON.stringify(result.errors).slice(0, 500));
          errors++;
        }
        sql += result.extensions?.sqlStatements ?? 0;
      }
    }),
  );
  return summarize(latencies, errors, (performance.now() - started) / 1000, sql);
}

/** Streams a CSV to an import endpoint (`/imports`, `/imports/contacts`) and times it until the answer is read. */
export async function uploadCsv(url: string, token: string, csv: Readable): Promise<{ status: number; body: { summary: Record<string, number> }; seconds: number }> {
  const started = performance.now();
  // node:http rather than fetch: fetch gives up on response headers after 300 s, and an import answers at its end.
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/csv' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    csv.on('error', reject);
    csv.pipe(req);
  });
  let body: { summary: Record<string, number> };
  try {
    body = JSON.parse(text) as { summary: Record<string, number> };
  } catch {
    throw new Error(`upload answered ${status} with ${JSON.stringify(text.slice(0, 200))}`);
  }
  return { status, body, seconds: (performance.now() - started) / 1000 };
}
