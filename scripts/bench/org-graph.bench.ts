/**
 * `npm run bench`: seeds an org of 100,000 members in a 5-level department tree shaped like seed 004's
 * health commission (commission > divisions > institution categories > institutions > clinical departments),
 * then measures three queries against a real gateway process: p50/p99 latency, requests/s, SQL statements/request.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench on the local Postgres, dropped and recreated),
 * BENCH_MEMBERS (100000), BENCH_SECONDS (8 per query), BENCH_CONCURRENCY (16).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { toGlobalId } from '../../src/graphql/relay';
import { freshDatabase, graphql, load, startGatewayProcess, type LoadResult } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench';
const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 100_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

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

async function main(): Promise<void> {
  await freshDatabase(DATABASE_URL);
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0' });
  try {
    const phone = '+8613900000001';
    const signUp = await graphql(gateway.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', { input: { phone, name: '管理员', password: 'bench-password' } });
    const created = await graphql(gateway.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } } }', { input: { name: '朝阳区卫生健康委员会', code: 'cyqwjw' } }, signUp.data!.signUp.token);
    const token: string = created.data!.createOrg.token;
    const orgGlobalId: string = created.data!.createOrg.org.id;
    const orgId = Buffer.from(orgGlobalId, 'base64url').toString().split(':')[1]!;
    const { categories } = await seed(orgId);

    const options = { concurrency: CONCURRENCY, durationMs: SECONDS * 1000, warmupMs: 1000 };
    const results: Array<[string, LoadResult]> = [
      ['department subtree page (50 members + departments, roles, manager)', await load(gateway.url, token, SUBTREE_PAGE, () => ({ id: toGlobalId('Department', pick(categories)) }), options)],
      ['member search by name prefix (20)', await load(gateway.url, token, SEARCH_BY_PREFIX, () => ({ query: pick(SURNAMES) }), options)],
      ['viewer with orgs', await load(gateway.url, token, VIEWER, () => ({}), options)],
    ];
    console.log(`\n${MEMBERS} members, concurrency ${CONCURRENCY}, ${SECONDS} s per query\n`);
    console.log('| query | requests | errors | p50 ms | p99 ms | req/s | SQL/request |');
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [name, r] of results) {
      console.log(`| ${name} | ${r.requests} | ${r.errors} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rps.toFixed(0)} | ${r.sqlPerRequest.toFixed(1)} |`);
    }
  } finally {
    await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
