/**
 * `npm run bench`: the read benchmark. An org of 100,000 members in a 5-level department tree shaped like seed 004's
 * health commission (commission > divisions > institution categories > institutions > clinical departments), and
 * three read queries measured against the gateway and against a hand-written reference server on the same tables
 * (`reference-server.ts`: graphql-js + pg + DataLoader), in alternate rounds: requests/s, p50/p99 latency,
 * SQL statements per request, and the gateway's ratios to the reference with the goals of issue 11.
 *
 * The dataset is built once and kept: `bench_shape` holds a hash of its shape (member count, tree, names, seed
 * version, latest migration); a run whose shape differs (or BENCH_REBUILD=1) drops and rebuilds the database.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench on the local Postgres), BENCH_MEMBERS (100000), BENCH_ROUNDS (3
 * per server and query), BENCH_SECONDS (5 per round), BENCH_CONCURRENCY (8), BENCH_WARMUP_SECONDS (2, before the
 * first round of each server and query), BENCH_REBUILD, BENCH_GATEWAY_NODE_ARGS (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`; read the profile with `npx tsx scripts/bench/profile-top.ts`).
 */
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { migrationsList } from '../../src/db/migrations';
import { toGlobalId } from '../../src/graphql/relay';
import { freshDatabase, graphql, load, poolResults, startGatewayProcess, startReferenceProcess, type LoadResult, type ServerProcess } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench';
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** Raise when `seed` changes what it writes: the kept dataset is then rebuilt. */
const SEED_VERSION = 1;
const OWNER_PHONE = '+8613900000001';
const OWNER_PASSWORD = 'bench-password';

const DIVISIONS = ['委机关', '医疗机构', '公共卫生机构', '社区卫生服务机构'];
const CATEGORIES = ['三级医院', '二级医院', '一级医院', '专科医院', '诊所'];
const INSTITUTIONS_PER_CATEGORY = 20;
const CLINICAL = ['内科', '外科', '儿科', '妇产科', '急诊科', '放射科', '检验科', '药剂科', '护理部', '行政办公室'];
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍鹏辉建华红梅宇浩凯晨阳欣怡子轩雨涵思远嘉怡梓涵俊杰婷婷'.split('');
const TITLES = ['主任医师', '副主任医师', '主治医师', '住院医师', '护士长', '护士', '药师', '技师', '科员', '科长'];

interface DepartmentRow { id: string; parentId: string | null; name: string; path: string; position: number }

function buildTree(rootId: string, rootPath: string): { rows: DepartmentRow[]; leaves: string[]; categories: string[] } {
  const rows: DepartmentRow[] = [];
  const leaves: string[] = [];
  const categories: string[] = [];
  const add = (parent: { id: string; path: string }, name: string, position: number) => {
    const id = randomUUID();
    const row = { id, parentId: parent.id, name, path: `${parent.path}${id}/`, position };
    rows.push(row);
    return row;
  };
  const root = { id: rootId, path: rootPath };
  DIVISIONS.forEach((division, d) => {
    const divisionRow = add(root, division, d);
    CATEGORIES.forEach((category, c) => {
      const categoryRow = add(divisionRow, category, c);
      categories.push(categoryRow.id);
      for (let i = 0; i < INSTITUTIONS_PER_CATEGORY; i++) {
        const institution = add(categoryRow, `朝阳${division.slice(0, 2)}${category}${i + 1}号`, i);
        CLINICAL.forEach((clinical, k) => leaves.push(add(institution, clinical, k).id));
      }
    });
  });
  return { rows, leaves, categories };
}

async function seed(orgId: string): Promise<{ categories: string[] }> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const started = performance.now();
  try {
    await db.query('begin');
    const { rows: [org] } = await db.query('select root_department_id, (select path from departments where id = root_department_id) as path from orgs where id = $1', [orgId]);
    const tree = buildTree(org.root_department_id, org.path);
    await db.query(
      `insert into departments (id, org_id, parent_id, name, path, position)
       select unnest($1::uuid[]), $2, unnest($3::uuid[]), unnest($4::text[]), unnest($5::text[]), unnest($6::int[])`,
      [tree.rows.map((r) => r.id), orgId, tree.rows.map((r) => r.parentId), tree.rows.map((r) => r.name), tree.rows.map((r) => r.path), tree.rows.map((r) => r.position)],
    );
    await db.query('create temp table bench_leaves (idx int primary key, id uuid) on commit drop');
    await db.query('insert into bench_leaves select ordinality - 1, id from unnest($1::uuid[]) with ordinality as id', [tree.leaves]);
    await db.query('create temp table bench_seed on commit drop as select i, gen_random_uuid() as id from generate_series(1, $1::int) i', [MEMBERS]);
    await db.query(
      `insert into members (id, org_id, name, phone, email, title, employee_no, status, joined_at)
       select s.id, $1, ($2::text[])[1 + s.i % array_length($2::text[], 1)] || ($3::text[])[1 + (s.i / 97) % array_length($3::text[], 1)]
                          || coalesce(($3::text[])[1 + (s.i / 7) % array_length($3::text[], 1)], ''),
              '+86138' || lpad(s.i::text, 8, '0'), 'm' || s.i || '@example.org',
              ($4::text[])[1 + s.i % array_length($4::text[], 1)], 'E' || lpad(s.i::text, 6, '0'), 'ACTIVE', now()
         from bench_seed s`,
      [orgId, SURNAMES, GIVEN, TITLES],
    );
    await db.query(
      `insert into member_departments (member_id, department_id, org_id)
       select s.id, l.id, $1 from bench_seed s join bench_leaves l on l.idx = (s.i - 1) % $2::int`,
      [orgId, tree.leaves.length],
    );
    await db.query(
      `insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
       select gen_random_uuid(), $1, s.id, (select id from roles where org_id = $1 and builtin = 'MEMBER'), '[]' from bench_seed s`,
      [orgId],
    );
    // The first member placed in each clinical department heads it; the others report to them.
    await db.query(
      `update members m set manager_id = h.id
         from bench_seed s join bench_seed h on h.i = ((s.i - 1) % $1::int) + 1
        where m.id = s.id and s.i > $1::int`,
      [tree.leaves.length],
    );
    await db.query('commit');
    await db.query('vacuum analyze'); // the steady state autovacuum keeps a live database in (visibility map set)
    console.log(`seeded ${MEMBERS} members in ${tree.rows.length + 1} departments in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return { categories: tree.categories };
  } finally {
    await db.end();
  }
}

const SUBTREE_PAGE = `query BenchSubtree($id: ID!) {
  department(id: $id) {
    name
    memberCount
    members(first: 50) {
      edges { cursor node { id name title phone status departments { id name } roles { role { name } } manager { id name } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;

const SEARCH_BY_PREFIX = `query BenchSearch($query: String!) {
  members(first: 20, filter: { query: $query }) {
    edges { node { id name title departments { name } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

const VIEWER = `query BenchViewer {
  viewer {
    user { id name }
    member { id name }
    org { id name code memberQuota { used limit } }
    orgs { id name code }
  }
}`;

function pick<T>(items: T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

/** Everything the dataset depends on: when any of it changes the kept database is rebuilt. */
function shapeKey(): string {
  const shape = {
    SEED_VERSION, MEMBERS, DIVISIONS, CATEGORIES, INSTITUTIONS_PER_CATEGORY, CLINICAL, SURNAMES, GIVEN, TITLES, OWNER_PHONE,
    migration: migrationsList.at(-1)!.name,
  };
  return createHash('sha256').update(JSON.stringify(shape)).digest('hex');
}

/** The kept dataset's marker, or null when there is none (no database, no table, an interrupted build). */
async function readShape(): Promise<{ key: string; orgId: string } | null> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await db.connect();
  } catch {
    return null; // no database yet
  }
  try {
    const { rows } = await db.query<{ key: string; org_id: string }>('select key, org_id from bench_shape');
    return rows.length === 1 ? { key: rows[0]!.key, orgId: rows[0]!.org_id } : null;
  } catch {
    return null;
  } finally {
    await db.end();
  }
}

/** Written last, after the seed committed: an interrupted build leaves no marker and the next run rebuilds. */
async function writeShape(key: string, orgId: string): Promise<void> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await db.query('create table if not exists bench_shape (key text not null, org_id uuid not null)');
    await db.query('delete from bench_shape');
    await db.query('insert into bench_shape (key, org_id) values ($1, $2)', [key, orgId]);
  } finally {
    await db.end();
  }
}

/** The institution-category departments (depth 2: about 5,000 members each), the subtree pages' targets. */
async function categoryIds(orgId: string): Promise<string[]> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    const { rows } = await db.query<{ id: string }>(
      `select id from departments where org_id = $1 and array_length(string_to_array(trim(both '/' from path), '/'), 1) = 3 order by path`,
      [orgId],
    );
    return rows.map((row) => row.id);
  } finally {
    await db.end();
  }
}

function must<T>(response: { data?: Record<string, any>; errors?: unknown[] }, pickData: (data: Record<string, any>) => T): T {
  if (response.errors?.length || !response.data) throw new Error(`bench setup failed: ${JSON.stringify(response.errors ?? response).slice(0, 500)}`);
  return pickData(response.data);
}

/** Builds the dataset when the kept one does not match, and returns the owner's org token and the category ids. */
async function prepare(gatewayUrl: string, rebuilt: boolean, key: string, keptOrgId: string | null): Promise<{ token: string; categories: string[] }> {
  if (rebuilt) {
    const signUp = await graphql(gatewayUrl, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { phone: OWNER_PHONE, name: '管理员', password: OWNER_PASSWORD },
    });
    const created = await graphql(gatewayUrl, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } } }', { input: { name: '朝阳区卫生健康委员会', code: 'cyqwjw' } }, must(signUp, (d) => d.signUp.token as string));
    const { token, orgGlobalId } = must(created, (d) => ({ token: d.createOrg.token as string, orgGlobalId: d.createOrg.org.id as string }));
    const orgId = Buffer.from(orgGlobalId, 'base64url').toString().split(':')[1]!;
    const { categories } = await seed(orgId);
    await writeShape(key, orgId);
    return { token, categories };
  }
  // The kept dataset: sign in as its owner through the gateway and take a token for the org.
  const logIn = await graphql(gatewayUrl, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', { input: { phone: OWNER_PHONE, password: OWNER_PASSWORD } });
  const switched = await graphql(gatewayUrl, 'mutation($orgId: ID!) { switchOrg(orgId: $orgId) { token } }', { orgId: toGlobalId('Org', keptOrgId!) }, must(logIn, (d) => d.logIn.token as string));
  return { token: must(switched, (d) => d.switchOrg.token as string), categories: await categoryIds(keptOrgId!) };
}

interface BenchQuery {
  name: string;
  query: string;
  variables: () => Record<string, unknown>;
  /** Fixed variables for the equal-answers check. */
  sample: Record<string, unknown>;
  /** Goals of issue 11, as ratios to the reference. */
  minRpsRatio: number;
  maxP99Ratio?: number;
}

function fmt(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** Where two JSON texts first differ, for the mismatch warning. */
function firstDifference(a: string, b: string): string {
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const from = Math.max(0, i - 80);
  return `gateway:   …${a.slice(from, i + 120)}\n  reference: …${b.slice(from, i + 120)}`;
}

/** Asks both servers the same sample of each query and compares the data: proof that both do the same work. */
async function compareAnswers(gateway: ServerProcess, reference: ServerProcess, token: string, queries: BenchQuery[]): Promise<number> {
  let mismatches = 0;
  for (const q of queries) {
    const [g, r] = await Promise.all([graphql(gateway.url, q.query, q.sample, token), graphql(reference.url, q.query, q.sample, token)]);
    const a = JSON.stringify({ data: g.data ?? null, errors: g.errors?.map((e) => e.message) });
    const b = JSON.stringify({ data: r.data ?? null, errors: r.errors?.map((e) => e.message) });
    if (g.errors?.length) console.error(`${q.name}: the gateway answered errors: ${JSON.stringify(g.errors).slice(0, 300)}`);
    if (a === b) {
      console.log(`same answer from both: ${q.name} (${a.length} bytes of JSON; SQL ${g.extensions?.sqlStatements ?? '?'} vs ${r.extensions?.sqlStatements ?? '?'})`);
    } else {
      mismatches++;
      console.warn(`WARNING: the answers differ for ${q.name}; the figures below do not compare equal work\n  ${firstDifference(a, b)}`);
    }
  }
  return mismatches;
}

async function main(): Promise<void> {
  const key = shapeKey();
  const kept = process.env.BENCH_REBUILD ? null : await readShape();
  const rebuilt = kept?.key !== key;
  if (rebuilt) {
    console.log(kept ? 'dataset shape changed: rebuilding' : 'no kept dataset: building');
    await freshDatabase(DATABASE_URL);
  } else {
    console.log(`reusing the kept dataset in ${new URL(DATABASE_URL).pathname.slice(1)} (BENCH_REBUILD=1 rebuilds it)`);
  }
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0' }, GATEWAY_NODE_ARGS);
  let reference: ServerProcess | null = null;
  try {
    const { token, categories } = await prepare(gateway.url, rebuilt, key, kept?.orgId ?? null);
    reference = await startReferenceProcess({ DATABASE_URL });

    const queries: BenchQuery[] = [
      {
        name: 'Q1 department subtree page (50 members + departments, roles, manager)',
        query: SUBTREE_PAGE,
        variables: () => ({ id: toGlobalId('Department', pick(categories)) }),
        sample: { id: toGlobalId('Department', categories[0]!) },
        minRpsRatio: 0.7,
        maxP99Ratio: 1.5,
      },
      { name: 'Q2 member search by name prefix (20)', query: SEARCH_BY_PREFIX, variables: () => ({ query: pick(SURNAMES) }), sample: { query: SURNAMES[0]! }, minRpsRatio: 0.7 },
      { name: 'Q3 viewer with orgs', query: VIEWER, variables: () => ({}), sample: {}, minRpsRatio: 0.5 },
    ];
    const mismatches = await compareAnswers(gateway, reference, token, queries);

    const servers: Array<[string, ServerProcess]> = [['Orggraph', gateway], ['reference', reference]];
    const results = new Map<string, { gateway: LoadResult[]; reference: LoadResult[] }>();
    for (const q of queries) {
      const runs = { gateway: [] as LoadResult[], reference: [] as LoadResult[] };
      results.set(q.name, runs);
      for (let round = 0; round < ROUNDS; round++) {
        for (const [label, server] of servers) {
          const result = await load(server.url, token, q.query, q.variables, {
            concurrency: CONCURRENCY,
            durationMs: SECONDS * 1000,
            warmupMs: round === 0 ? WARMUP_SECONDS * 1000 : 0,
          });
          (server === gateway ? runs.gateway : runs.reference).push(result);
          console.log(`${q.name.slice(0, 2)} round ${round + 1}/${ROUNDS} ${label.padEnd(9)} ${fmt(result.rps, 0).padStart(6)} req/s  p50 ${fmt(result.p50)} ms  p99 ${fmt(result.p99)} ms  SQL ${fmt(result.sqlPerRequest)}${result.errors ? `  errors ${result.errors}` : ''}`);
        }
      }
    }

    console.log(`\n${MEMBERS} members, concurrency ${CONCURRENCY}, ${ROUNDS} alternate rounds of ${SECONDS} s per server and query`);
    console.log('(req/s over all rounds; p50/p99 over every request of all rounds; in brackets the slowest and fastest round)\n');
    console.log('| query | server | requests | errors | req/s | p50 ms | p99 ms | SQL/request |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    const ratios: string[] = [];
    let belowGoal = 0;
    for (const q of queries) {
      const runs = results.get(q.name)!;
      const pooled = { gateway: poolResults(runs.gateway), reference: poolResults(runs.reference) };
      for (const [label, side] of [['Orggraph', 'gateway'], ['reference', 'reference']] as const) {
        const r = pooled[side];
        const rps = runs[side].map((run) => run.rps);
        console.log(`| ${label === 'Orggraph' ? q.name : ''} | ${label} | ${r.requests} | ${r.errors} | ${fmt(r.rps, 0)} (${fmt(Math.min(...rps), 0)}–${fmt(Math.max(...rps), 0)}) | ${fmt(r.p50)} | ${fmt(r.p99)} | ${fmt(r.sqlPerRequest)} |`);
      }
      const rpsRatio = pooled.gateway.rps / pooled.reference.rps;
      const p99Ratio = pooled.gateway.p99 / pooled.reference.p99;
      const rpsOk = rpsRatio >= q.minRpsRatio;
      const p99Ok = q.maxP99Ratio === undefined || p99Ratio <= q.maxP99Ratio;
      if (!rpsOk || !p99Ok) belowGoal++;
      ratios.push(
        `| ${q.name} | ${fmt(rpsRatio, 2)}x | >= ${q.minRpsRatio}x ${rpsOk ? 'met' : 'NOT MET'} | ${fmt(p99Ratio, 2)}x | ${q.maxP99Ratio === undefined ? '-' : `<= ${q.maxP99Ratio}x ${p99Ok ? 'met' : 'NOT MET'}`} |`,
      );
    }
    console.log('\n| query | req/s Orggraph / reference | goal | p99 Orggraph / reference | goal |');
    console.log('| --- | ---: | --- | ---: | --- |');
    for (const line of ratios) console.log(line);
    console.log(`\n${belowGoal ? `${belowGoal} of ${queries.length} queries below goal` : 'every goal met'}${mismatches ? `; WARNING: ${mismatches} answers differed between the servers` : '; both servers gave the same answers'}`);
  } finally {
    await Promise.all([gateway.stop(), reference?.stop()]);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
