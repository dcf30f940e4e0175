/**
 * `npm run bench:fanout`: WebSocket subscribers of one org spread over two gateway processes (sharing Postgres and
 * Redis), a burst of MEMBER events written to the log and published as the gateway does, and per delivery the
 * latency from publish to the subscriber's socket: p50/p99 and deliveries/s. Each size runs twice: through the
 * gateways (graphql-ws, access re-checked per event, `member` loaded from the database), then through the floor
 * (fanout-floor.ts: a bare ioredis subscriber + `ws` server per process, same payloads, no GraphQL). Also the
 * memory each idle subscribed socket costs a process: the growth of the heap (JS heap and external memory) and of
 * RSS from before the sockets connect to once they idle, both read right after a full garbage collection through
 * each process's inspector (`--inspect` on a port of its own, `HeapProfiler.collectGarbage`), divided by the sockets.
 *
 * Every subscriber is a different member with a token of its own, as in production.
 *
 * Env: BENCH_FANOUT_DATABASE_URL (default orggraph_bench_fanout on the local Postgres, dropped and recreated),
 * REDIS_URL, BENCH_SUBSCRIBERS (1000,10000), BENCH_EVENTS (events per burst, 20), BENCH_GATEWAY_NODE_ARGS (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof` to profile the gateways), BENCH_INSPECT_PORT (the first of four inspector
 * ports, default 19230).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import pino from 'pino';
import WebSocket from 'ws';
import { Contributions } from '../../src/contributions';
import { TokenService } from '../../src/auth/jwt';
import { openOrm } from '../../src/db/orm';
import { EventBus, orgChannel } from '../../src/realtime/event-bus';
import { RedisPubSub } from '../../src/realtime/pubsub';
import { EventTopic, withEvents, type OrgEvent } from '../../src/realtime/events';
import { freshDatabase, graphql, startGatewayProcess } from './lib';

const DATABASE_URL = process.env.BENCH_FANOUT_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_fanout';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SIZES = (process.env.BENCH_SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20);
const JWT_SECRET = 'bench-secret-bench-secret-bench';
const CONNECT_CONCURRENCY = 200;

const SUBSCRIPTION = `subscription BenchMemberEvents($after: String) {
  memberEvents(after: $after) { id type occurredAt memberId member { id name } }
}`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const INSPECT_PORT = Number(process.env.BENCH_INSPECT_PORT ?? 19230);

/** A process of a run: its pid and the port of its inspector. */
interface Measured {
  pid: number;
  inspectPort: number;
}

/** What a process holds right after a full garbage collection (asked through its inspector). */
interface Memory {
  heap: number;
  rss: number;
}

/** Two full collections through the inspector (the Chrome DevTools Protocol over `ws`), then `process.memoryUsage()`. */
async function memoryAfterGc(target: Measured): Promise<Memory> {
  const targets = (await (await fetch(`http://127.0.0.1:${target.inspectPort}/json/list`)).json()) as Array<{ webSocketDebuggerUrl: string }>;
  const socket = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await once(socket, 'open');
  let lastId = 0;
  const call = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const id = ++lastId;
      const onMessage = (data: WebSocket.RawData) => {
        const message = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: unknown };
        if (message.id !== id) return;
        socket.off('message', onMessage);
        if (message.error) reject(new Error(JSON.stringify(message.error)));
        else resolve(message.result ?? {});
      };
      socket.on('message', onMessage);
      socket.send(JSON.stringify({ id, method, params }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    await call('HeapProfiler.collectGarbage');
    const evaluated = await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true });
    const usage = JSON.parse((evaluated.result as { value: string }).value) as NodeJS.MemoryUsage;
    return { heap: usage.heapUsed + usage.external, rss: usage.rss };
  } finally {
    socket.close();
  }
}

async function totalMemory(targets: Measured[]): Promise<Memory> {
  let heap = 0;
  let rss = 0;
  for (const target of targets) {
    const memory = await memoryAfterGc(target);
    heap += memory.heap;
    rss += memory.rss;
  }
  return { heap, rss };
}

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

/**
 * With BENCH_HEAP_SNAPSHOTS=1 (and `--heapsnapshot-signal=SIGUSR2` in BENCH_GATEWAY_NODE_ARGS), each process writes a
 * heap snapshot before the sockets connect and once they idle, to see what a socket keeps alive.
 */
async function heapSnapshots(pids: number[]): Promise<void> {
  if (process.env.BENCH_HEAP_SNAPSHOTS !== '1') return;
  for (const pid of pids) process.kill(pid, 'SIGUSR2');
  await sleep(15_000); // writing a snapshot stops the process for a few seconds
}

async function waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Runs `task` over `items` with at most `limit` at a time. */
async function pool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!, index);
      }
    }),
  );
  return results;
}

/** Receipts of one run: when each socket got each event (publish times are recorded by `TimedEventBus`). */
class Receipts {
  readonly perEvent = new Map<string, number>();
  readonly latencies: number[] = [];
  errors = 0;
  lastReceipt = 0;

  constructor(private readonly publishedAt: Map<string, number>) {}

  record(eventId: string): void {
    const now = performance.now();
    this.perEvent.set(eventId, (this.perEvent.get(eventId) ?? 0) + 1);
    const published = this.publishedAt.get(eventId);
    if (published !== undefined) this.latencies.push(now - published);
    this.lastReceipt = now;
  }

  count(eventId: string): number {
    return this.perEvent.get(eventId) ?? 0;
  }
}

/** Publishes like the gateway's EventBus, noting when each event was handed to Redis. */
class TimedEventBus extends EventBus {
  readonly publishedAt = new Map<string, number>();
  override publish(events: OrgEvent[]): void {
    for (const event of events) this.publishedAt.set(event.id, performance.now());
    super.publish(events);
  }
}

/** A graphql-transport-ws client in a few lines, to keep the client side equally cheap for gateway and floor. */
function connectGraphQL(url: string, token: string, after: string, receipts: () => Receipts): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { memberEvents?: { id: string } }; errors?: unknown[] } };
      if (message.type === 'next') {
        if (message.payload?.errors) receipts().errors++;
        const id = message.payload?.data?.memberEvents?.id;
        if (id) receipts().record(id);
      } else if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { after } } }));
        resolve(socket);
      } else if (message.type === 'error') {
        receipts().errors++;
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`closed with ${code}`)));
  });
}

function connectFloor(port: number, receipts: () => Receipts): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    socket.on('open', () => resolve(socket));
    socket.on('message', (data) => {
      const id = (JSON.parse(String(data)) as { payload: { data: { memberEvents: { id: string } } } }).payload.data.memberEvents.id;
      receipts().record(id);
    });
    socket.on('error', reject);
  });
}

async function startFloor(channel: string, inspectPort: number): Promise<{ port: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [`--inspect=127.0.0.1:${inspectPort}`, join(__dirname, 'fanout-floor.js')], {
    env: { ...process.env, REDIS_URL, CHANNEL: channel },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; port?: number };
        if (entry.msg === 'floor listening' && entry.port) resolve(entry.port);
      } catch {
        // not ours
      }
    });
    child.once('exit', (code) => reject(new Error(`floor exited with ${code}`)));
  });
  return { port, child };
}

interface RunResult {
  /** One event on its own: publish to each socket. */
  singleP50: number;
  singleP99: number;
  sockets: number;
  events: number;
  delivered: number;
  errors: number;
  p50: number;
  p99: number;
  deliveriesPerSecond: number;
  /** RSS growth per idle socket, after a full GC. */
  bytesPerIdleSocket: number;
  /** JS heap + external memory growth per idle socket, after a full GC. */
  heapPerIdleSocket: number;
  /** The same for the second half of the sockets only: one more socket, without what the first ones compiled. */
  marginalHeapPerIdleSocket: number;
}

async function seedMembers(orgId: string, count: number): Promise<Array<{ userId: string; memberId: string }>> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await db.query('begin');
    const { rows } = await db.query<{ user_id: string; member_id: string }>(
      `with seed as (select i, gen_random_uuid() as user_id, gen_random_uuid() as member_id from generate_series(1, $2::int) i),
            users_in as (
              insert into users (id, kind, name, phone, phone_verified_at, password_hash)
              select user_id, 'PERSONAL', '订阅者' || i, '+86137' || lpad(i::text, 8, '0'), now(), 'not-a-hash' from seed
            ),
            members_in as (
              insert into members (id, org_id, user_id, name, status, joined_at)
              select member_id, $1, user_id, '订阅者' || i, 'ACTIVE', now() from seed
            ),
            placed as (
              insert into member_departments (member_id, department_id, org_id)
              select member_id, (select root_department_id from orgs where id = $1), $1 from seed
            ),
            roles_in as (
              insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
              select gen_random_uuid(), $1, member_id, (select id from roles where org_id = $1 and builtin = 'MEMBER'), '[]' from seed
            )
       select user_id, member_id from seed order by i`,
      [orgId, count],
    );
    await db.query('commit');
    await db.query('analyze');
    return rows.map((row) => ({ userId: row.user_id, memberId: row.member_id }));
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  await freshDatabase(DATABASE_URL);
  const gatewayEnv = { DATABASE_URL, REDIS_URL, NODE_ENV: 'production', SMS_ALLOW_LOG: 'true', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0', JWT_SECRET };
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const gateways = [
    await startGatewayProcess(gatewayEnv, [...nodeArgs, `--inspect=127.0.0.1:${INSPECT_PORT}`]),
    await startGatewayProcess(gatewayEnv, [...nodeArgs, `--inspect=127.0.0.1:${INSPECT_PORT + 1}`]),
  ];
  const logger = pino({ level: 'warn' });
  const orm = await openOrm(DATABASE_URL);
  const publisher = new RedisPubSub({ redisUrl: REDIS_URL, redisClusterNodes: null }, logger);
  await publisher.connect();
  const bus = new TimedEventBus(publisher, logger);
  const app = { eventBus: bus, contributions: new Contributions([]) };
  const results: Array<{ name: string; result: RunResult }> = [];

  try {
    const signUp = await graphql(gateways[0]!.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { phone: '+8613900000001', name: '管理员', password: 'bench-password' },
    });
    const created = await graphql(gateways[0]!.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { org { id } } }', { input: { name: '朝阳区卫生健康委员会', code: 'cyqwjw' } }, signUp.data!.signUp.token);
    const orgId = Buffer.from(created.data!.createOrg.org.id as string, 'base64url').toString().split(':')[1]!;
    const members = await seedMembers(orgId, Math.max(...SIZES));
    const tokens = new TokenService(JWT_SECRET, 3600);
    const subscriberTokens = await Promise.all(members.map((member) => tokens.sign({ sub: member.userId, org: orgId })));
    const subject = members[0]!;
    let sequence = 0;
    const emit = () =>
      withEvents(orm.em.fork(), app, (_tx, record) =>
        record({ orgId, topic: EventTopic.MEMBER, type: 'UPDATED', payload: { memberId: subject.memberId, name: `订阅者 ${++sequence}` } }),
      );
    const lastEventId = async () => (await emit()).id;

    /** Connects `count` sockets with `connect`, warms up, measures idle memory, fires the burst, collects. */
    const run = async (count: number, targets: Measured[], connect: (index: number, receipts: () => Receipts) => Promise<WebSocket>): Promise<RunResult> => {
      const pids = targets.map((target) => target.pid);
      let receipts = new Receipts(bus.publishedAt);
      await heapSnapshots(pids);
      const before = await totalMemory(targets);
      // Two halves, each warmed up by an event (a subscription is live once its socket has had one), memory read after
      // each: the second half's growth is what one more idle socket costs, without the code compiled once.
      const half = Math.floor(count / 2);
      const sockets: WebSocket[] = [];
      let halfway: Memory = before;
      for (const [from, to] of [[0, half], [half, count]] as const) {
        sockets.push(...(await pool(Array.from({ length: to - from }, (_, i) => from + i), CONNECT_CONCURRENCY, (i) => connect(i, () => receipts))));
        const warmup = await emit();
        await waitFor(() => receipts.count(warmup.id) >= to, `warm-up event on all ${to} sockets (${receipts.count(warmup.id)})`, 120_000);
        await sleep(2000);
        if (to === half) halfway = await totalMemory(targets);
      }
      const after = await totalMemory(targets);
      await heapSnapshots(pids);
      // The memory reading forced full collections (which also drop compiled code); one event first, so the one
      // measured below meets warm processes as in service, the floor's as the gateway's.
      const rewarm = await emit();
      await waitFor(() => receipts.count(rewarm.id) >= count, `a warm-up event on all ${count} sockets`, 120_000);
      await sleep(500);

      receipts = new Receipts(bus.publishedAt);
      const single = await emit();
      await waitFor(() => receipts.count(single.id) >= count, `a single event on all ${count} sockets`, 120_000);
      const singleLatencies = receipts.latencies.sort((a, b) => a - b);
      await sleep(500);

      receipts = new Receipts(bus.publishedAt);
      const firstPublish = performance.now();
      const ids: string[] = [];
      for (let i = 0; i < EVENTS; i++) ids.push((await emit()).id);
      await waitFor(
        () => ids.every((id) => receipts.count(id) >= count),
        `the burst on all ${count} sockets (received per event: ${ids.map((id) => receipts.count(id)).join(' ')})`,
        120_000,
      ).catch((error: Error) => {
        throw new Error(`${error.message}: received per event ${ids.map((id) => receipts.count(id)).join(' ')}, errors ${receipts.errors}`);
      });
      const seconds = (receipts.lastReceipt - firstPublish) / 1000;
      for (const socket of sockets) socket.terminate();
      await sleep(1000);
      const latencies = receipts.latencies.sort((a, b) => a - b);
      return {
        singleP50: percentile(singleLatencies, 50),
        singleP99: percentile(singleLatencies, 99),
        sockets: count,
        events: EVENTS,
        delivered: latencies.length,
        errors: receipts.errors,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        deliveriesPerSecond: latencies.length / seconds,
        bytesPerIdleSocket: (after.rss - before.rss) / count,
        heapPerIdleSocket: (after.heap - before.heap) / count,
        marginalHeapPerIdleSocket: (after.heap - halfway.heap) / (count - half),
      };
    };

    for (const size of SIZES) {
      const after = await lastEventId();
      const gatewayRun = await run(size, gateways.map((g, index) => ({ pid: g.child.pid!, inspectPort: INSPECT_PORT + index })), (i, receipts) =>
        connectGraphQL(gateways[i % 2]!.url, subscriberTokens[i]!, after, receipts),
      );
      results.push({ name: `gateway (graphql-ws, 2 processes)`, result: gatewayRun });
      console.log(`${size} subscribers through the gateways: done`);

      const floors = [await startFloor(orgChannel(orgId), INSPECT_PORT + 2), await startFloor(orgChannel(orgId), INSPECT_PORT + 3)];
      try {
        const floorRun = await run(size, floors.map((f, index) => ({ pid: f.child.pid!, inspectPort: INSPECT_PORT + 2 + index })), (i, receipts) => connectFloor(floors[i % 2]!.port, receipts));
        results.push({ name: `floor (ioredis + ws, 2 processes)`, result: floorRun });
        console.log(`${size} subscribers through the floor: done`);
      } finally {
        for (const floor of floors) {
          floor.child.kill('SIGTERM');
          await once(floor.child, 'exit');
        }
      }
    }

    console.log(`\nSubscribers split over 2 processes, each a different member; a burst of ${EVENTS} events; ${((performance.now() - started) / 1000).toFixed(0)} s in all.`);
    console.log('Latency: from the publish to the subscriber socket. "one event": a single event on its own; "burst": every delivery of the burst.\n');
    console.log('| subscribers | path | one event p50 ms | one event p99 ms | burst deliveries | errors | burst p50 ms | burst p99 ms | deliveries/s | events/s | heap per idle socket (all / second half) | RSS per idle socket |');
    console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const { name, result: r } of results) {
      console.log(
        `| ${r.sockets} | ${name} | ${r.singleP50.toFixed(1)} | ${r.singleP99.toFixed(1)} | ${r.delivered} | ${r.errors} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ` +
          `${r.deliveriesPerSecond.toFixed(0)} | ${(r.deliveriesPerSecond / r.sockets).toFixed(1)} | ${(r.heapPerIdleSocket / 1024).toFixed(1)} / ${(r.marginalHeapPerIdleSocket / 1024).toFixed(1)} KiB | ${(r.bytesPerIdleSocket / 1024).toFixed(1)} KiB |`,
      );
    }

    // Issue 11's goals, each as a ratio against the floor of the same size in this same run.
    console.log('\n| subscribers | one event p99 vs floor (goal <= 1.5x) | burst p99 vs floor (goal <= 2x) | deliveries/s vs floor (goal >= 0.5x) | heap per idle socket, second half (goal <= 20 KiB) | heap per idle socket, all | RSS per idle socket |');
    console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const size of SIZES) {
      const gateway = results.find((entry) => entry.result.sockets === size && entry.name.startsWith('gateway'))?.result;
      const floor = results.find((entry) => entry.result.sockets === size && entry.name.startsWith('floor'))?.result;
      if (!gateway || !floor) continue;
      const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
      const single = gateway.singleP99 / floor.singleP99;
      const burst = gateway.p99 / floor.p99;
      const rate = gateway.deliveriesPerSecond / floor.deliveriesPerSecond;
      const kib = gateway.marginalHeapPerIdleSocket / 1024;
      console.log(
        `| ${size} | ${single.toFixed(2)}x ${mark(single <= 1.5)} | ${burst.toFixed(2)}x ${mark(burst <= 2)} | ${rate.toFixed(2)}x ${mark(rate >= 0.5)} | ${kib.toFixed(1)} KiB ${mark(kib <= 20)} | ${(gateway.heapPerIdleSocket / 1024).toFixed(1)} KiB | ${(gateway.bytesPerIdleSocket / 1024).toFixed(1)} KiB |`,
      );
    }
  } finally {
    publisher.close();
    await orm.close();
    for (const gateway of gateways) await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
