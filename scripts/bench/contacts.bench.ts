/**
 * `npm run bench:contacts`: seeds 1,000,000 external contacts in one org (set-based SQL: the search and visibility
 * indexes are dropped for the load and rebuilt after it), then measures contact searches against a real gateway
 * process, as an admin (every contact) and as a plain member (the visibility rule applies): p50/p99 latency,
 * requests/s, SQL statements per request.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench_contacts on the local Postgres, dropped and recreated),
 * BENCH_CONTACTS (1000000), BENCH_SECONDS (3 per query), BENCH_CONCURRENCY (4); BENCH_REUSE=1 keeps the dataset of
 * an earlier run with the same BENCH_CONTACTS (the gateway migrates it on start) instead of reseeding it; BENCH_ONLY (a
 * regular expression) runs only the searches whose "viewer: search" label it matches; BENCH_GATEWAY_NODE_ARGS (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof-contacts`) goes to the gateway's node.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { hashPassword } from '../../src/auth/password';
import { toGlobalId } from '../../src/graphql/relay';
import { freshDatabase, graphql, load, startGatewayProcess, type LoadResult } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_contacts';
const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);

const OWNERS = 2_000;
const DIVISIONS = 10;
const TEAMS_PER_DIVISION = 10;
const TAGS = 20;
const PASSWORD = 'bench-password';

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍鹏辉红梅宇浩凯晨阳欣怡轩涵思远嘉梓俊婷'.split('');
const LATIN_FIRST = ['James', 'Mary', 'John', 'Linda', 'Robert', 'Susan', 'Michael', 'Karen', 'David', 'Lisa', 'Kenji', 'Yuki', 'Haruto', 'Sakura', 'Min', 'Ji-woo'];
const LATIN_LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Tanaka', 'Suzuki', 'Kim', 'Park', 'Nguyen', 'Schmidt', 'Rossi', 'Dubois'];
const CITIES = ['Beijing', 'Shanghai', 'Shenzhen', 'Chengdu', 'Wuhan', 'Hangzhou', 'Osaka', 'Seoul', 'Munich', 'Lyon', '北京', '上海', '广州', '成都'];
const INDUSTRIES = ['Union Medical', 'Pharma', 'Logistics', 'Devices', 'Biotech', 'Hospital Supply', 'Diagnostics', 'Software', '医疗器械', '医药', '物流', '生物科技'];
const SUFFIXES = ['Co', 'Ltd', 'Group', 'GmbH', 'Inc', '有限公司', '集团'];

async function seed(orgId: string): Promise<{ ownerIds: string[]; tagIds: string[] }> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const started = performance.now();
  const step = (label: string) => console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  try {
    await db.query(`set maintenance_work_mem = '512MB'`);
    await db.query('begin');
    const { rows: [org] } = await db.query('select root_department_id as id, (select path from departments where id = root_department_id) as path from orgs where id = $1', [orgId]);

    // Departments: 10 divisions x 10 teams; owners spread over the teams.
    const departments: Array<{ id: string; parent: string; path: string; name: string; position: number }> = [];
    const teams: string[] = [];
    for (let d = 0; d < DIVISIONS; d++) {
      const division = { id: randomUUID(), parent: org.id, path: '', name: `Division ${d + 1}`, position: d };
      division.path = `${org.path}${division.id}/`;
      departments.push(division);
      for (let t = 0; t < TEAMS_PER_DIVISION; t++) {
        const team = { id: randomUUID(), parent: division.id, path: '', name: `Team ${d + 1}.${t + 1}`, position: t };
        team.path = `${division.path}${team.id}/`;
        departments.push(team);
        teams.push(team.id);
      }
    }
    await db.query(
      `insert into departments (id, org_id, parent_id, name, path, position)
       select unnest($1::uuid[]), $2, unnest($3::uuid[]), unnest($4::text[]), unnest($5::text[]), unnest($6::int[])`,
      [departments.map((d) => d.id), orgId, departments.map((d) => d.parent), departments.map((d) => d.name), departments.map((d) => d.path), departments.map((d) => d.position)],
    );
    await db.query('create temp table bench_teams (idx int primary key, id uuid) on commit drop');
    await db.query('insert into bench_teams select ordinality - 1, id from unnest($1::uuid[]) with ordinality as id', [teams]);

    // Owners: 2,000 members (the first one is the plain member who signs in).
    const memberPhone = MEMBER_PHONE;
    const userId = randomUUID();
    await db.query(`insert into users (id, kind, name, phone, phone_verified_at, password_hash) values ($1, 'PERSONAL', '普通成员', $2, now(), $3)`, [
      userId,
      memberPhone,
      await hashPassword(PASSWORD),
    ]);
    await db.query('create temp table bench_owners on commit drop as select i, gen_random_uuid() as id from generate_series(0, $1::int - 1) i', [OWNERS]);
    await db.query(
      `insert into members (id, org_id, user_id, name, phone, status, joined_at)
       select o.id, $1, case when o.i = 0 then $2::uuid end, case when o.i = 0 then '普通成员' else 'Owner ' || o.i end,
              '+86137' || lpad((o.i + 1)::text, 8, '0'), 'ACTIVE', now()
         from bench_owners o`,
      [orgId, userId],
    );
    await db.query(`insert into member_departments (member_id, department_id, org_id) select o.id, t.id, $1 from bench_owners o join bench_teams t on t.idx = o.i % $2::int`, [
      orgId,
      teams.length,
    ]);
    await db.query(
      `insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
       select gen_random_uuid(), $1, o.id, (select id from roles where org_id = $1 and builtin = 'MEMBER'), '[]' from bench_owners o`,
      [orgId],
    );
    const ownerIds = (await db.query<{ id: string }>('select id from bench_owners order by i')).rows.map((r) => r.id);

    const groupId = randomUUID();
    await db.query(`insert into contact_tag_groups (id, org_id, name) values ($1, $2, 'Relationship')`, [groupId, orgId]);
    const tagIds = Array.from({ length: TAGS }, () => randomUUID());
    await db.query(`insert into contact_tags (id, org_id, group_id, name) select unnest($1::uuid[]), $2, $3, 'tag ' || generate_series(1, $4::int)`, [tagIds, orgId, groupId, TAGS]);
    step('org, 110 departments, 2,000 members, 20 tags');

    // The load runs without the contacts' secondary indexes; they are rebuilt once, in bulk, afterwards.
    const { rows: indexes } = await db.query<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes
        where tablename in ('contacts', 'contact_keys') and indexname not in ('contacts_pkey', 'contact_keys_pkey')`,
    );
    for (const index of indexes) await db.query(`drop index ${index.indexname}`);
    await db.query('alter table contact_keys drop constraint contact_keys_pkey');

    // 1,000,000 contacts, every attribute drawn at random (so no two filters are artificially correlated): 70% Chinese
    // names, 30% Latin ones; companies from city x industry x suffix; one phone, a quarter two; 0-3 tags; 80% PRIVATE,
    // 15% SHARED with a team or two members, 5% ORG; owners among the 2,000 members.
    await db.query(
      `insert into contacts (id, org_id, owner_id, name, phones, email, company, tag_ids, visibility,
                             shared_member_ids, shared_department_ids, source, created_at, updated_at)
       select gen_random_uuid(), $1, o.id,
              case when s.latin then ($4::text[])[s.f] || ' ' || ($5::text[])[s.l]
                   else ($2::text[])[s.sur] || ($3::text[])[s.g1] || coalesce(($3::text[])[s.g2], '') end,
              case when s.i % 4 = 0 then array['+86139' || lpad(s.i::text, 8, '0'), '+86158' || lpad(s.i::text, 8, '0')]
                   else array['+86139' || lpad(s.i::text, 8, '0')] end,
              case when s.i % 2 = 0 then 'c' || s.i || '@example.org' end,
              ($6::text[])[s.city] || ' ' || ($7::text[])[s.industry] || ' ' || ($8::text[])[s.suffix],
              array(select distinct ($9::uuid[])[1 + floor(random() * $10::int)::int] from generate_series(1, s.tags)),
              case when s.v < 16 then 'PRIVATE' when s.v < 19 then 'SHARED' else 'ORG' end,
              case when s.v in (16, 17) then array[($11::uuid[])[s.m1], ($11::uuid[])[s.m2]] else '{}'::uuid[] end,
              case when s.v = 18 then array[($13::uuid[])[s.team]] else '{}'::uuid[] end,
              'MANUAL', now(), now()
         from (select i, random() < 0.3 as latin,
                      1 + floor(random() * cardinality($2::text[]))::int as sur,
                      1 + floor(random() * cardinality($3::text[]))::int as g1,
                      case when random() < 0.6 then 1 + floor(random() * cardinality($3::text[]))::int end as g2,
                      1 + floor(random() * cardinality($4::text[]))::int as f,
                      1 + floor(random() * cardinality($5::text[]))::int as l,
                      1 + floor(random() * cardinality($6::text[]))::int as city,
                      1 + floor(random() * cardinality($7::text[]))::int as industry,
                      1 + floor(random() * cardinality($8::text[]))::int as suffix,
                      floor(random() * 4)::int as tags,
                      floor(random() * 20)::int as v,
                      floor(random() * $12::int)::int as owner,
                      1 + floor(random() * $12::int)::int as m1,
                      1 + floor(random() * $12::int)::int as m2,
                      1 + floor(random() * cardinality($13::uuid[]))::int as team
                 from generate_series(1, $14::int) i) s
         join bench_owners o on o.i = s.owner`,
      [orgId, SURNAMES, GIVEN, LATIN_FIRST, LATIN_LAST, CITIES, INDUSTRIES, SUFFIXES, tagIds, TAGS, ownerIds, OWNERS, teams, CONTACTS],
    );
    step(`${CONTACTS.toLocaleString('en')} contacts`);
    await db.query(
      `insert into contact_keys (org_id, key, contact_id)
       select org_id, 'p:' || p, id from contacts, unnest(phones) p where org_id = $1
       union all
       select org_id, 'e:' || email, id from contacts where org_id = $1 and email is not null`,
      [orgId],
    );
    step('duplicate keys');
    await db.query('commit');
    // Two connections build the indexes side by side: the GIN index on one, the btrees on the other.
    const rebuild = async (statements: string[]) => {
      const connection = new pg.Client({ connectionString: DATABASE_URL });
      await connection.connect();
      await connection.query(`set maintenance_work_mem = '512MB'`);
      for (const statement of statements) await connection.query(statement);
      await connection.end();
    };
    const definitions = [...indexes.map((index) => index.indexdef), 'alter table contact_keys add constraint contact_keys_pkey primary key (org_id, key)'];
    await Promise.all([rebuild(definitions.filter((d) => / gin /i.test(d))), rebuild(definitions.filter((d) => !/ gin /i.test(d)))]);
    step(`rebuilt ${indexes.length + 1} indexes`);
    await db.query('vacuum analyze contacts');
    await db.query('vacuum analyze contact_keys');
    await db.query('analyze');
    step('vacuum analyze');
    return { ownerIds, tagIds };
  } finally {
    await db.end();
  }
}

const ADMIN_PHONE = '+8613900000001';
const MEMBER_PHONE = '+8613700000001';

/** The org, owners and tags of a dataset seeded by an earlier run with the same BENCH_CONTACTS, or null. */
async function keptDataset(): Promise<{ orgId: string; ownerIds: string[]; tagIds: string[] } | null> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await db.connect();
  } catch {
    return null; // no such database yet
  }
  try {
    const { rows } = await db.query<{ id: string; contacts: number }>(
      `select o.id, (select count(*)::int from contacts c where c.org_id = o.id) as contacts from orgs o where o.code = 'contacts-bench'`,
    );
    const org = rows[0];
    if (!org || org.contacts !== CONTACTS) return null;
    // The owners in seeding order (their phones number them), the first being the plain member who signs in.
    const owners = await db.query<{ id: string }>(`select id from members where org_id = $1 and phone like '+86137%' order by phone`, [org.id]);
    const tags = await db.query<{ id: string }>('select id from contact_tags where org_id = $1', [org.id]);
    if (owners.rows.length !== OWNERS || tags.rows.length !== TAGS) return null;
    return { orgId: org.id, ownerIds: owners.rows.map((r) => r.id), tagIds: tags.rows.map((r) => r.id) };
  } catch {
    return null;
  } finally {
    await db.end();
  }
}

/** A session token of the user with `phone`, switched into org `orgId`. */
async function tokenOf(url: string, phone: string, orgId: string): Promise<string> {
  const logIn = await graphql(url, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', { input: { phone, password: PASSWORD } });
  const switched = await graphql(url, 'mutation($orgId: ID!) { switchOrg(orgId: $orgId) { token } }', { orgId: toGlobalId('Org', orgId) }, logIn.data!.logIn.token);
  return switched.data!.switchOrg.token;
}

const SEARCH = `query BenchContacts($filter: ContactFilter) {
  contacts(first: 20, filter: $filter) {
    edges { node { id name company phones tags { id name } owner { id name } state } }
    pageInfo { hasNextPage endCursor }
  }
}`;

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

async function main(): Promise<void> {
  const kept = process.env.BENCH_REUSE === '1' ? await keptDataset() : null;
  if (!kept) await freshDatabase(DATABASE_URL);
  const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0' }, nodeArgs);
  try {
    let adminToken: string;
    let memberToken: string;
    let ownerIds: string[];
    let tagIds: string[];
    if (kept) {
      console.log('reusing the seeded dataset (BENCH_REUSE=1)');
      const db = new pg.Client({ connectionString: DATABASE_URL });
      await db.connect();
      await db.query('analyze');
      await db.end();
      ({ ownerIds, tagIds } = kept);
      adminToken = await tokenOf(gateway.url, ADMIN_PHONE, kept.orgId);
      memberToken = await tokenOf(gateway.url, MEMBER_PHONE, kept.orgId);
    } else {
      const signUp = await graphql(gateway.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
        input: { phone: ADMIN_PHONE, name: '管理员', password: PASSWORD },
      });
      const created = await graphql(gateway.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } } }', { input: { name: '客户通讯录', code: 'contacts-bench' } }, signUp.data!.signUp.token);
      adminToken = created.data!.createOrg.token;
      const orgGlobalId: string = created.data!.createOrg.org.id;
      const orgId = Buffer.from(orgGlobalId, 'base64url').toString().split(':')[1]!;
      console.log('seeding');
      ({ ownerIds, tagIds } = await seed(orgId));
      memberToken = await tokenOf(gateway.url, MEMBER_PHONE, orgId);
    }

    const tag = () => toGlobalId('Tag', pick(tagIds));
    const owner = () => toGlobalId('Member', pick(ownerIds));
    const scenarios: Array<[string, () => Record<string, unknown>]> = [
      ['substring (3+ chars) of name or company', () => ({ filter: { query: pick(['medic', 'harma', 'Logist', 'iagnos', 'Tanaka', 'ohnso', '王子轩', '医疗器', '生物科', 'chmid']) } })],
      ['substring + tag', () => ({ filter: { query: pick(['medic', 'harma', 'ogisti', 'upply', 'iotec', '医疗器']), tagIds: [tag()] } })],
      ['prefix (1-2 chars) + tag', () => ({ filter: { query: pick(SURNAMES.slice(0, 20)) + pick(['', ...GIVEN.slice(0, 5)]), tagIds: [tag()] } })],
      ['phone digits substring (7)', () => ({ filter: { query: String(1 + Math.floor(Math.random() * CONTACTS)).padStart(8, '0').slice(1) } })],
      ['substring + owner', () => ({ filter: { query: pick(['medic', 'harma', 'ogist', 'Beijing', 'Seoul']), ownerId: owner() } })],
      ['tag + owner, no query', () => ({ filter: { tagIds: [tag()], ownerId: owner() } })],
    ];

    const options = { concurrency: CONCURRENCY, durationMs: SECONDS * 1000, warmupMs: 500 };
    const results: Array<[string, string, LoadResult]> = [];
    for (const [viewer, token] of [
      ['admin', adminToken],
      ['plain member', memberToken],
    ] as const) {
      for (const [name, variables] of scenarios) {
        if (process.env.BENCH_ONLY && !new RegExp(process.env.BENCH_ONLY).test(`${viewer}: ${name}`)) continue;
        results.push([viewer, name, await load(gateway.url, token, SEARCH, variables, options)]);
      }
    }
    const client = new pg.Client({ connectionString: DATABASE_URL });
    await client.connect();
    const settings = (await client.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers;
    await client.end();
    console.log(`\n${CONTACTS.toLocaleString('en')} contacts in one org, first: 20, concurrency ${CONCURRENCY}, ${SECONDS} s per query, shared_buffers ${settings}\n`);
    console.log('| viewer | search | requests | errors | p50 ms | p99 ms | req/s | SQL/request |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const [viewer, name, r] of results) {
      console.log(`| ${viewer} | ${name} | ${r.requests} | ${r.errors} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.rps.toFixed(0)} | ${r.sqlPerRequest.toFixed(1)} |`);
    }
  } finally {
    await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
