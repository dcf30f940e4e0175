/**
 * `npm run bench:scale`: the same load against 1, 2 and 3 gateway processes on this machine, sharing one Postgres and
 * one Redis, requests spread round-robin over the instances as a load balancer would. Prints requests/s, p50/p99
 * latency and SQL statements per request for each instance count.
 *
 * The load is a mix of three queries in turn (a department page of 20 members with their departments and roles, a
 * member search by name prefix, the viewer with its orgs) from BENCH_CONCURRENCY loops, for BENCH_SECONDS per
 * instance count, after BENCH_WARMUP_REQUESTS requests to each instance (so every instance has compiled its hot code). On one machine the instances share its cores with Postgres and the load
 * generator: the figures show what more processes buy on this machine, not on N machines (see docs/scaling.md).
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench_scale on the local Postgres, dropped and recreated),
 * BENCH_MEMBERS (10000), BENCH_SECONDS (8), BENCH_CONCURRENCY (24), BENCH_INSTANCES (`1,2,3`), BENCH_WARMUP_REQUESTS (150).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { toGlobalId } from '../../src/graphql/relay';
import { freshDatabase, graphql, loadRoundRobin, startGatewayProcess, type LoadResult, type MixedOperation } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_scale';
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 10_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 24);
const INSTANCES = (process.env.BENCH_INSTANCES ?? '1,2,3').split(',').map(Number);
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP_REQUESTS ?? 150);

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚华玉萍鹏辉红梅宇浩凯晨阳欣怡'.split('');
const DIVISIONS = 20;
const UNITS_PER_DIVISION = 10;

/** An org tree of 20 divisions of 10 units each, and MEMBERS members placed in the units, written with SQL. */
async function seed(orgId: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await db.query('begin');
    const { rows: [org] } = await db.query('select root_department_id as id, (select path from departments where id = root_department_id) as path from orgs where id = $1', [orgId]);
    const rows: Array<{ id: string; parentId: string; name: string; path: string; position: number }> = [];
    const units: string[] = [];
    for (let d = 0; d < DIVISIONS; d++) {
      const division = { id: randomUUID(), parentId: org.id as string, name: `Division ${d + 1}`, path: '', position: d };
      division.path = `${org.path}${division.id}/`;
      rows.push(division);
      for (let u = 0; u < UNITS_PER_DIVISION; u++) {
        const unit = { id: randomUUID(), parentId: division.id, name: `Unit ${d + 1}.${u + 1}`, path: '', position: u };
        unit.path = `${division.path}${unit.id}/`;
        rows.push(unit);
        units.push(unit.id);
      }
    }
    await db.query(
      `insert into departments (id, org_id, parent_id, name, path, position)
       select unnest($1::uuid[]), $2, unnest($3::uuid[]), unnest($4::text[]), unnest($5::text[]), unnest($6::int[])`,
      [rows.map((r) => r.id), orgId, rows.map((r) => r.parentId), rows.map((r) => r.name), rows.map((r) => r.path), rows.map((r) => r.position)],
    );
    await db.query('create temp table bench_units (idx int primary key, id uuid) on commit drop');
    await db.query('insert into bench_units select ordinality - 1, id from unnest($1::uuid[]) with ordinality as id', [units]);
    await db.query('create temp table bench_seed on commit drop as select i, gen_random_uuid() as id from generate_series(1, $1::int) i', [MEMBERS]);
    await db.query(
      `insert into members (id, org_id, name, phone, email, title, employee_no, status, joined_at)
       select s.id, $1, ($2::text[])[1 + s.i % array_length($2::text[], 1)] || ($3::text[])[1 + (s.i / 47) % array_length($3::text[], 1)],
              '+86137' || lpad(s.i::text, 8, '0'), 's' || s.i || '@example.org', 'Staff', 'S' || lpad(s.i::text, 6, '0'), 'ACTIVE', now()
         from bench_seed s`,
      [orgId, SURNAMES, GIVEN],
    );
    await db.query(
      `insert into member_departments (member_id, department_id, org_id)
       select s.id, u.id, $1 from bench_seed s join bench_units u on u.idx = (s.i - 1) % $2::int`,
      [orgId, units.length],
    );
    await db.query(
      `insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
       select gen_random_uuid(), $1, s.id, (select id from roles where org_id = $1 and builtin = 'MEMBER'), '[]' from bench_seed s`,
      [orgId],
    );
    await db.query('commit');
    await db.query('vacuum analyze');
    return units;
  } finally {
    await db.end();
  }
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)]!;

function mixFor(units: string[]): MixedOperation[] {
  return [
    {
      name: 'department page',
      query: `query ScaleDepartment($id: ID!) {
        department(id: $id) {
          name memberCount
          members(first: 20) { edges { node { id name title departments { id name } roles { role { name } } } } pageInfo { hasNextPage endCursor } }
        }
      }`,
      variables: () => ({ id: toGlobalId('Department', pick(units)) }),
    },
    {
      name: 'member search',
      query: `query ScaleSearch($query: String!) { members(first: 20, filter: { query: $query }) { edges { node { id name departments { name } } } } }`,
      variables: () => ({ query: pick(SURNAMES) }),
    },
    {
      name: 'viewer',
      query: `query ScaleViewer { viewer { user { id name } member { id name } org { id name memberQuota { used limit } } orgs { id name } } }`,
      variables: () => ({}),
    },
  ];
}

const GATEWAY_ENV = { DATABASE_URL, NODE_ENV: 'development', OUTBOX_POLL_MS: '0' };

async function main(): Promise<void> {
  await freshDatabase(DATABASE_URL);
  // The first gateway migrates the fresh database and creates the org; the measured ones start on a migrated one.
  const setup = await startGatewayProcess(GATEWAY_ENV);
  let token: string;
  let units: string[];
  try {
    const signUp = await graphql(setup.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { phone: '+8613900000002', name: 'Admin', password: 'bench-password' },
    });
    const created = await graphql(setup.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } } }', { input: { name: 'Scale Org', code: 'scale' } }, signUp.data!.signUp.token);
    token = created.data!.createOrg.token;
    const orgId = Buffer.from(created.data!.createOrg.org.id as string, 'base64url').toString().split(':')[1]!;
    units = await seed(orgId);
  } finally {
    await setup.stop();
  }
  const mix = mixFor(units);

  const results: Array<[number, LoadResult, string]> = [];
  for (const count of INSTANCES) {
    const gateways = await Promise.all(Array.from({ length: count }, () => startGatewayProcess(GATEWAY_ENV)));
    try {
      const before = loadavg()[0]!.toFixed(1);
      const result = await loadRoundRobin(gateways.map((gateway) => gateway.url), token, mix, { concurrency: CONCURRENCY, durationMs: SECONDS * 1000, warmupRequestsPerUrl: WARMUP_REQUESTS });
      results.push([count, result, `${before} → ${loadavg()[0]!.toFixed(1)}`]);
      console.log(`${count} instance(s): ${result.rps.toFixed(0)} req/s, p99 ${result.p99.toFixed(1)} ms`);
    } finally {
      await Promise.all(gateways.map((gateway) => gateway.stop()));
    }
  }

  console.log(`\n${MEMBERS} members, ${CONCURRENCY} concurrent loops, ${SECONDS} s per run, query mix: ${mix.map((op) => op.name).join(' / ')}; ${cpus().length} cores`);
  console.log('| instances | requests | errors | req/s | p50 ms | p99 ms | SQL/request | load average (1 min) |');
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const [count, r, load] of results) {
    console.log(`| ${count} | ${r.requests} | ${r.errors} | ${r.rps.toFixed(0)} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.sqlPerRequest.toFixed(1)} | ${load} |`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
