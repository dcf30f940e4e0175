/**
 * `npm run bench:webhooks`: webhook delivery from one gateway process to a fast local receiver, beside the raw HTTP
 * POST rate of the same receiver measured in the same run.
 *
 * 1. Throughput: BENCH_EVENTS events committed at once (a few transactions of MEMBER UPDATED events written with
 *    SQL as `recordEvent` writes them) to an org with BENCH_ENDPOINTS endpoints on the receiver; events per second
 *    delivered (signed, recorded per attempt, in order per endpoint), from the first commit to the last 2xx.
 *    The floor: BENCH_ENDPOINTS loops POSTing the same bodies back to back to the same receiver (keep-alive, as the
 *    gateway does), since each endpoint takes one delivery at a time.
 * 2. Latency: events committed one per transaction at BENCH_RATE per second for BENCH_SECONDS; from each commit's
 *    return to its arrival at the receiver (p50, p99), with WEBHOOK_POLL_MS as configured (default 250 ms).
 *
 * Env: BENCH_WEBHOOKS_DATABASE_URL (default orggraph_bench_webhooks on the local Postgres, dropped and recreated),
 * BENCH_EVENTS (2000), BENCH_ENDPOINTS (4), BENCH_RATE (50), BENCH_SECONDS (10), WEBHOOK_POLL_MS, WEBHOOK_CONCURRENCY.
 */
import 'reflect-metadata';
import { createServer, request as httpRequest, Agent } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { freshDatabase, graphql, percentile, startGatewayProcess } from './lib';

const DATABASE_URL = process.env.BENCH_WEBHOOKS_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_webhooks';
const EVENTS = Number(process.env.BENCH_EVENTS ?? 2000);
const ENDPOINTS = Number(process.env.BENCH_ENDPOINTS ?? 4);
const RATE = Number(process.env.BENCH_RATE ?? 50);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const rawIdOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1]!;

/** Arrivals at the receiver: per path (endpoint), the sequences in arrival order, and when each arrived. */
function startReceiver() {
  const arrivals = new Map<string, number[]>();
  const arrivedAt = new Map<string, number>();
  let count = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      count++;
      if (req.headers['webhook-id']) {
        const sequence = Number((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data: { id: string } }).data.id);
        const list = arrivals.get(req.url!) ?? [];
        list.push(sequence);
        arrivals.set(req.url!, list);
        arrivedAt.set(`${req.url}#${sequence}`, performance.now());
      }
      res.statusCode = 204;
      res.end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise<{ port: number; arrivals: typeof arrivals; arrivedAt: typeof arrivedAt; count: () => number; close: () => void }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        arrivals,
        arrivedAt,
        count: () => count,
        close: () => {
          server.closeAllConnections();
          server.close();
        },
      }),
    ),
  );
}

/** `loops` concurrent loops POSTing `body` back to back for `ms`: requests per second. */
async function rawPostRate(port: number, body: string, loops: number, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: loops });
  let done = 0;
  const until = performance.now() + ms;
  const started = performance.now();
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/raw', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      req.on('error', reject);
      req.end(body);
    });
  await Promise.all(
    Array.from({ length: loops }, async () => {
      while (performance.now() < until) {
        await post();
        done++;
      }
    }),
  );
  agent.destroy();
  return done / ((performance.now() - started) / 1000);
}

/** Commits `count` MEMBER UPDATED events in one transaction, as `recordEvent` appends them. */
async function commitEvents(db: pg.Pool, orgId: string, memberId: string, count: number): Promise<void> {
  await db.query(
    `with ids as (update orgs set last_event_id = last_event_id + $2 where id = $1 returning last_event_id - $2 as base)
     insert into org_events (org_id, id, topic, type, payload, department_ids)
     select $1, ids.base + g, 'MEMBER', 'UPDATED', jsonb_build_object('memberId', $3::text, 'changedFields', jsonb_build_array('title')), '[]'::jsonb
       from ids, generate_series(1, $2::int) g`,
    [orgId, count, memberId],
  );
}

async function main(): Promise<void> {
  await freshDatabase(DATABASE_URL);
  const receiver = await startReceiver();
  const gateway = await startGatewayProcess({
    DATABASE_URL,
    WEBHOOK_DELIVERY: 'on',
    WEBHOOK_ALLOW_PRIVATE: 'loopback',
    WEBHOOK_POLL_MS: process.env.WEBHOOK_POLL_MS ?? '250',
    WEBHOOK_CONCURRENCY: process.env.WEBHOOK_CONCURRENCY ?? String(Math.max(ENDPOINTS, 8)),
  });
  const db = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
  try {
    const url = gateway.url;
    const signUp = await graphql(url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { phone: '+8613900000001', name: '管理员', password: 'bench-password' },
    });
    const created = await graphql(url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } member { id } } }', { input: { name: 'Webhook bench', code: 'whbench' } }, signUp.data!.signUp.token);
    const token = created.data!.createOrg.token as string;
    const orgId = rawIdOf(created.data!.createOrg.org.id as string);
    const memberId = rawIdOf(created.data!.createOrg.member.id as string);
    for (let i = 0; i < ENDPOINTS; i++) {
      const made = await graphql(
        url,
        'mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }',
        { input: { url: `http://127.0.0.1:${receiver.port}/e${i}`, eventTypes: ['MEMBER_UPDATED'] } },
        token,
      );
      if (made.errors) throw new Error(JSON.stringify(made.errors));
    }
    const paths = Array.from({ length: ENDPOINTS }, (_, i) => `/e${i}`);
    const delivered = () => paths.reduce((sum, path) => sum + (receiver.arrivals.get(path)?.length ?? 0), 0);
    const waitDelivered = async (total: number, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      while (delivered() < total) {
        if (Date.now() > deadline) throw new Error(`timed out: ${delivered()} of ${total} delivered`);
        await sleep(5);
      }
    };

    // Warm-up: a few events through every endpoint (connections, pg-boss workers, JIT).
    await commitEvents(db, orgId, memberId, 20);
    await waitDelivered(20 * ENDPOINTS, 60_000);

    // 1. Throughput.
    const before = delivered();
    const started = performance.now();
    for (let left = EVENTS; left > 0; left -= 500) await commitEvents(db, orgId, memberId, Math.min(500, left));
    await waitDelivered(before + EVENTS * ENDPOINTS, 600_000);
    const seconds = (performance.now() - started) / 1000;
    const webhookRate = (EVENTS * ENDPOINTS) / seconds;
    const inOrder = paths.every((path) => {
      const list = receiver.arrivals.get(path) ?? [];
      return list.every((sequence, i) => i === 0 || sequence === list[i - 1]! + 1);
    });

    // The same receiver, raw: as many back-to-back POST loops as endpoints, bodies of the same size.
    const at = new Date().toISOString();
    const sample = JSON.stringify({
      type: 'MEMBER_UPDATED',
      timestamp: at,
      data: { id: '1', type: 'MEMBER_UPDATED', occurredAt: at, objectType: 'Member', objectId: memberId, rawObjectId: memberId, changedFields: ['title'], departmentIds: [], details: {}, orgId },
    });
    const rawRate = await rawPostRate(receiver.port, sample, ENDPOINTS, 3000);

    // 2. Latency from commit to arrival, one event per transaction at RATE per second.
    const commits: Array<{ sequence: number; at: number }> = [];
    const latencyStart = delivered();
    const [{ last }] = (await db.query<{ last: string }>('select last_event_id::text as last from orgs where id = $1', [orgId])).rows as [{ last: string }];
    let sequence = Number(last);
    const interval = 1000 / RATE;
    const t0 = performance.now();
    for (let i = 0; i < RATE * SECONDS; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      await commitEvents(db, orgId, memberId, 1);
      commits.push({ sequence: ++sequence, at: performance.now() });
    }
    await waitDelivered(latencyStart + commits.length * ENDPOINTS, 120_000);
    const latencies = commits.flatMap((commit) => paths.map((path) => receiver.arrivedAt.get(`${path}#${commit.sequence}`)! - commit.at)).sort((a, b) => a - b);

    const lines = [
      `webhooks: ${EVENTS} events x ${ENDPOINTS} endpoints delivered in ${seconds.toFixed(2)} s: ${webhookRate.toFixed(0)} deliveries/s (${(webhookRate / ENDPOINTS).toFixed(0)}/s per endpoint), in order: ${inOrder}`,
      `raw POST, same receiver, ${ENDPOINTS} back-to-back loops: ${rawRate.toFixed(0)} requests/s`,
      `ratio webhook deliveries / raw POSTs: ${(webhookRate / rawRate).toFixed(3)}`,
      `commit to delivery at ${RATE} events/s for ${SECONDS} s (${latencies.length} deliveries, WEBHOOK_POLL_MS=${process.env.WEBHOOK_POLL_MS ?? '250'}): p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await db.end();
    await gateway.stop();
    receiver.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
