/**
 * `npm run bench:notify`: notifications at the scale of rule [004] (an org of 100,000 members), each figure beside the
 * same run's floor.
 *
 * 1. Writing: `publishAnnouncement` to everyone (100,000 deliveries, through the gateway over HTTP: checks, the one
 *    set-based insert, the event, the audit entry, the commit), beside a bare `insert ... select` of the same 100,000 rows
 *    into a table without indexes, and into a copy of `notification_deliveries` with its two indexes.
 * 2. Delivering: 1,000 members connected over graphql-ws (`notificationReceived`), half on each of two gateway
 *    processes; latency from the moment the NOTIFICATION event is on Redis (seen by this process's own subscriber) to
 *    each subscriber's socket, for one notification to the 1,000, a burst of them, an announcement to all 100,000, and
 *    notifications addressed to one of the 1,000 (the other 999 filter the event out). The floor: the same events fanned
 *    out by a bare ioredis subscriber + `ws` server per process (fanout-floor.ts), no GraphQL, no database.
 *
 * Env: BENCH_NOTIFY_DATABASE_URL (default orggraph_bench_notify on the local Postgres, dropped and recreated), REDIS_URL,
 * BENCH_MEMBERS (100000), BENCH_SUBSCRIBERS (1000), BENCH_BURST (20), BENCH_WRITES (3 announcements to everyone).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import pg from 'pg';
import WebSocket from 'ws';
import { TokenService } from '../../src/auth/jwt';
import { orgChannel } from '../../src/realtime/event-bus';
import { freshDatabase, graphql, startGatewayProcess } from './lib';

const DATABASE_URL = process.env.BENCH_NOTIFY_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_notify';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const SUBSCRIBERS = Number(process.env.BENCH_SUBSCRIBERS ?? 1000);
const BURST = Number(process.env.BENCH_BURST ?? 20);
const WRITES = Number(process.env.BENCH_WRITES ?? 3);
const JWT_SECRET = 'bench-secret-bench-secret-bench';
const CONNECT_CONCURRENCY = 200;

const SUBSCRIPTION = `subscription BenchNotifications {
  notificationReceived { id cursor read notification { id kind title body sender { id name } } }
}`;
const SEND = `mutation($input: SendNotificationInput!) { sendNotification(input: $input) { id recipientCount } }`;
const PUBLISH = `mutation($input: PublishAnnouncementInput!) { publishAnnouncement(input: $input) { id recipientCount } }`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const toGlobalId = (type: string, rawId: string) => Buffer.from(`${type}:${rawId}`).toString('base64url');
const rawIdOf = (globalId: string) => Buffer.from(globalId, 'base64url').toString().split(':')[1]!;

function percentile(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

async function waitFor(condition: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await sleep(10);
  }
}

async function pool<T, R>(items: T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index]!);
      }
    }),
  );
  return results;
}

/**
 * When each event reached Redis (this process's own subscriber to the org channel) and when each socket got it. Gateway
 * sockets name the notification, floor sockets the event id; both are mapped to the event id.
 */
class Clock {
  readonly onRedis = new Map<string, number>();
  readonly eventOfNotification = new Map<string, string>();
  readonly receipts = new Map<string, number[]>();
  errors = 0;

  redisMessage(message: string): void {
    const event = JSON.parse(message) as { id: string; payload?: { notificationId?: string } };
    this.onRedis.set(event.id, performance.now());
    if (event.payload?.notificationId) this.eventOfNotification.set(event.payload.notificationId, event.id);
  }

  received(eventId: string | undefined): void {
    if (!eventId) return;
    const at = performance.now();
    const list = this.receipts.get(eventId) ?? [];
    list.push(at);
    this.receipts.set(eventId, list);
  }

  count(eventId: string): number {
    return this.receipts.get(eventId)?.length ?? 0;
  }

  /** Latencies (ms) of every receipt of these events, sorted. */
  latencies(eventIds: string[]): number[] {
    return eventIds.flatMap((id) => (this.receipts.get(id) ?? []).map((at) => at - this.onRedis.get(id)!)).sort((a, b) => a - b);
  }
}

function connectGateway(url: string, token: string, clock: Clock): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as { type: string; payload?: { data?: { notificationReceived?: { notification: { id: string } } }; errors?: unknown[] } };
      if (message.type === 'next') {
        if (message.payload?.errors) clock.errors++;
        const notificationId = message.payload?.data?.notificationReceived?.notification.id;
        if (notificationId) clock.received(clock.eventOfNotification.get(rawIdOf(notificationId)));
      } else if (message.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION } }));
        resolve(socket);
      } else if (message.type === 'error') {
        clock.errors++;
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
    socket.on('error', reject);
    socket.on('close', (code) => reject(new Error(`closed with ${code}`)));
  });
}

function connectFloor(port: number, clock: Clock): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    socket.on('open', () => resolve(socket));
    socket.on('message', (data) => clock.received((JSON.parse(String(data)) as { payload: { data: { memberEvents: { id: string } } } }).payload.data.memberEvents.id));
    socket.on('error', reject);
  });
}

async function startFloor(channel: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(__dirname, 'fanout-floor.js')], { env: { ...process.env, REDIS_URL, CHANNEL: channel }, stdio: ['ignore', 'pipe', 'inherit'] });
  (child as ChildProcess & { port?: number }).port = await new Promise<number>((resolve, reject) => {
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
  return child;
}

/** 100,000 members with users, in one transaction: the first SUBSCRIBERS in a department of their own, the rest in the root. */
async function seed(db: pg.Client, orgId: string): Promise<{ subscribers: Array<{ userId: string; memberId: string }>; departmentId: string }> {
  await db.query('begin');
  const [{ id: departmentId }] = (
    await db.query<{ id: string }>(
      `insert into departments (id, org_id, name, parent_id, path)
       select gen_random_uuid(), o.id, '在线值班', o.root_department_id, d.path from orgs o join departments d on d.id = o.root_department_id where o.id = $1
       returning id`,
      [orgId],
    )
  ).rows;
  await db.query(`update departments set path = path || id || '/' where id = $1`, [departmentId]);
  const { rows } = await db.query<{ i: number; user_id: string; member_id: string }>(
    `with seed as (select i, gen_random_uuid() as user_id, gen_random_uuid() as member_id from generate_series(1, $2::int) i),
          users_in as (
            insert into users (id, kind, name, phone, phone_verified_at, password_hash)
            select user_id, 'PERSONAL', '成员' || i, '+86137' || lpad(i::text, 8, '0'), now(), 'not-a-hash' from seed
          ),
          members_in as (
            insert into members (id, org_id, user_id, name, status, joined_at) select member_id, $1, user_id, '成员' || i, 'ACTIVE', now() from seed
          ),
          placed as (
            insert into member_departments (member_id, department_id, org_id)
            select member_id, case when i <= $3 then $4::uuid else (select root_department_id from orgs where id = $1) end, $1 from seed
          ),
          roles_in as (
            insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
            select gen_random_uuid(), $1, member_id, (select id from roles where org_id = $1 and builtin = 'MEMBER'), '[]' from seed
          )
     select i, user_id, member_id from seed where i <= $3 order by i`,
    [orgId, MEMBERS, SUBSCRIBERS, departmentId],
  );
  await db.query('commit');
  await db.query('analyze');
  return {
    subscribers: rows.map((row) => ({ userId: row.user_id, memberId: row.member_id })),
    departmentId,
  };
}

interface Latency {
  name: string;
  path: 'gateway' | 'floor';
  deliveries: number;
  p50: number;
  p99: number;
  perSecond: number | null;
}

async function main(): Promise<void> {
  const started = performance.now();
  await freshDatabase(DATABASE_URL);
  const gatewayEnv = { DATABASE_URL, REDIS_URL, NODE_ENV: 'production', SMS_ALLOW_LOG: 'true', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0', EXPOSE_SQL_COUNT: 'true', JWT_SECRET };
  const gateways = [await startGatewayProcess(gatewayEnv), await startGatewayProcess(gatewayEnv)];
  const url = gateways[0]!.url;
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL);
  const clock = new Clock();
  const writes: Array<{ name: string; ms: number[] }> = [];
  const latencies: Latency[] = [];

  try {
    const signUp = await graphql(url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { phone: '+8613900000001', name: '管理员', password: 'bench-password' },
    });
    const created = await graphql(url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } } }', { input: { name: '朝阳区卫生健康委员会', code: 'cyqwjw' } }, signUp.data!.signUp.token);
    const adminToken = created.data!.createOrg.token as string;
    const orgId = rawIdOf(created.data!.createOrg.org.id as string);
    const seedStarted = performance.now();
    const { subscribers, departmentId } = await seed(db, orgId);
    console.log(`seeded ${MEMBERS} members in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

    redis.on('message', (_channel: string, message: string) => clock.redisMessage(message));
    await redis.subscribe(orgChannel(orgId));
    let sequence = 0;
    const sendTo = async (audience: Record<string, unknown>): Promise<string> => {
      const result = await graphql(url, SEND, { input: { title: `值班通知 ${++sequence}`, body: '请于今晚 20:00 前确认排班。', audience } }, adminToken);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      const notificationId = rawIdOf(result.data!.sendNotification.id as string);
      await waitFor(() => clock.eventOfNotification.has(notificationId), () => `the event of ${notificationId} on Redis`, 10_000);
      return clock.eventOfNotification.get(notificationId)!;
    };
    const toSubscribers = { departmentIds: [toGlobalId('Department', departmentId)] };

    // 1. Writing 100,000 deliveries.
    const bare: number[] = [];
    const indexed: number[] = [];
    await db.query('create table bench_floor_bare (like notification_deliveries)');
    await db.query('create table bench_floor_indexed (like notification_deliveries including indexes)');
    for (let run = 0; run < WRITES; run++) {
      for (const [table, into] of [['bench_floor_bare', bare], ['bench_floor_indexed', indexed]] as const) {
        const t0 = performance.now();
        await db.query(
          `insert into ${table} (notification_id, recipient_id, recipient_type, org_id, id, created_at)
           select $2::uuid, m.id, 'MEMBER', $1, gen_random_uuid(), now() from members m where m.org_id = $1 and m.status = 'ACTIVE' order by m.id`,
          [orgId, `00000000-0000-0000-0000-${String(run).padStart(12, '0')}`],
        );
        into.push(performance.now() - t0);
      }
    }
    const announcement: number[] = [];
    let statements = 0;
    for (let run = 0; run < WRITES; run++) {
      const t0 = performance.now();
      const result = await graphql(url, PUBLISH, { input: { title: `全员公告 ${run + 1}`, body: '本周五下午全员大会。', audience: { everyone: true } } }, adminToken);
      announcement.push(performance.now() - t0);
      if (result.errors) throw new Error(JSON.stringify(result.errors));
      if (result.data!.publishAnnouncement.recipientCount !== MEMBERS + 1) throw new Error(`expected ${MEMBERS + 1} recipients`);
      statements = result.extensions?.sqlStatements ?? 0;
    }
    writes.push({ name: `publishAnnouncement to everyone (${MEMBERS + 1} deliveries, HTTP round trip, ${statements} SQL statements)`, ms: announcement });
    writes.push({ name: `floor: bare insert ... select of ${MEMBERS + 1} rows, no indexes`, ms: bare });
    writes.push({ name: `floor: the same insert into a copy of notification_deliveries with its 2 indexes`, ms: indexed });
    console.log('writes: done');

    // 2. Delivering to SUBSCRIBERS connected members.
    const tokens = new TokenService(JWT_SECRET, 3600);
    const subscriberTokens = await Promise.all(subscribers.map((member) => tokens.sign({ sub: member.userId, org: orgId })));
    const measure = async (
      name: string,
      path: Latency['path'],
      recipients: number,
      produce: () => Promise<string[]>,
    ): Promise<void> => {
      const t0 = performance.now();
      const eventIds = await produce();
      await waitFor(
        () => eventIds.every((id) => clock.count(id) >= recipients),
        () => `${name}: received ${eventIds.map((id) => clock.count(id)).join(' ')} of ${recipients}, errors ${clock.errors}`,
        120_000,
      );
      const last = Math.max(...eventIds.flatMap((id) => clock.receipts.get(id)!));
      const sorted = clock.latencies(eventIds);
      latencies.push({ name, path, deliveries: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), perSecond: eventIds.length > 1 && recipients > 1 ? sorted.length / ((last - t0) / 1000) : null });
      await sleep(300);
    };
    const runAll = async (path: Latency['path']) => {
      await measure(`one notification to the ${SUBSCRIBERS}`, path, SUBSCRIBERS, async () => [await sendTo(toSubscribers)]);
      await measure(`a burst of ${BURST} to the ${SUBSCRIBERS}`, path, SUBSCRIBERS, async () => {
        const ids: string[] = [];
        for (let i = 0; i < BURST; i++) ids.push(await sendTo(toSubscribers));
        return ids;
      });
      await measure(`an announcement to all ${MEMBERS + 1} (${SUBSCRIBERS} connected)`, path, SUBSCRIBERS, async () => {
        const result = await graphql(url, PUBLISH, { input: { title: '全员公告', body: '本周五下午全员大会。', audience: { everyone: true } } }, adminToken);
        const notificationId = rawIdOf(result.data!.publishAnnouncement.id as string);
        await waitFor(() => clock.eventOfNotification.has(notificationId), () => 'the announcement on Redis', 10_000);
        return [clock.eventOfNotification.get(notificationId)!];
      });
      if (path === 'gateway') {
        // Each event reaches every subscriber's feed; all but one find no delivery and skip it.
        await measure(`${BURST} notifications each to 1 of the ${SUBSCRIBERS}`, path, 1, async () => {
          const ids: string[] = [];
          for (let i = 0; i < BURST; i++) ids.push(await sendTo({ memberIds: [toGlobalId('Member', subscribers[i % subscribers.length]!.memberId)] }));
          return ids;
        });
      }
    };

    const gatewaySockets = await pool(subscriberTokens.map((token, i) => ({ token, i })), CONNECT_CONCURRENCY, ({ token, i }) =>
      connectGateway(gateways[i % 2]!.url, token, clock),
    );
    // Live once every socket has had a warm-up notification; a few more so that the first measured run is not the JIT's.
    for (let i = 0; i < 5; i++) {
      const warmup = await sendTo(toSubscribers);
      await waitFor(() => clock.count(warmup) >= SUBSCRIBERS, () => `warm-up on all sockets (${clock.count(warmup)})`, 120_000);
    }
    await sleep(1000);
    await runAll('gateway');
    for (const socket of gatewaySockets) socket.terminate();
    console.log('gateway deliveries: done');

    const floors = [await startFloor(orgChannel(orgId)), await startFloor(orgChannel(orgId))];
    try {
      const floorSockets = await pool(subscriberTokens.map((_, i) => i), CONNECT_CONCURRENCY, (i) =>
        connectFloor((floors[i % 2] as ChildProcess & { port: number }).port, clock),
      );
      const floorWarmup = await sendTo(toSubscribers);
      await waitFor(() => clock.count(floorWarmup) >= SUBSCRIBERS, () => `floor warm-up (${clock.count(floorWarmup)})`, 60_000);
      await sleep(500);
      await runAll('floor');
      for (const socket of floorSockets) socket.terminate();
    } finally {
      for (const floor of floors) {
        floor.kill('SIGTERM');
        await once(floor, 'exit');
      }
    }

    console.log(`\n${MEMBERS} members, ${SUBSCRIBERS} connected over 2 gateway processes; ${((performance.now() - started) / 1000).toFixed(0)} s in all.\n`);
    console.log('| writing 100,000 deliveries | median ms | runs (ms) |');
    console.log('| --- | ---: | --- |');
    for (const write of writes) console.log(`| ${write.name} | ${median(write.ms).toFixed(0)} | ${write.ms.map((ms) => ms.toFixed(0)).join(', ')} |`);
    console.log('\nLatency: from the event on Redis to the subscriber socket.\n');
    console.log('| delivering | path | deliveries | p50 ms | p99 ms | deliveries/s |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: |');
    for (const row of latencies) {
      console.log(`| ${row.name} | ${row.path} | ${row.deliveries} | ${row.p50.toFixed(1)} | ${row.p99.toFixed(1)} | ${row.perSecond === null ? '' : row.perSecond.toFixed(0)} |`);
    }
    if (clock.errors) console.log(`\n${clock.errors} errors`);
  } finally {
    redis.disconnect();
    await db.end();
    for (const gateway of gateways) await gateway.stop();
  }
}

let finished = false;
// A run whose event loop drains while main() still waits would otherwise end silently with code 0.
process.on('beforeExit', () => {
  if (finished) return;
  console.error('the benchmark stopped before finishing (nothing left to wait for)');
  process.exit(1);
});
main().then(
  () => {
    finished = true;
  },
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
