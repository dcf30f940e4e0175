/**
 * `npm run bench:search` (issue 14): seeds 1,000,000 members and 1,000,000 external contacts in one org with realistic
 * names (Chinese surnames by frequency with one- or two-character given names, Japanese names with kana readings,
 * Latin names), their search keys derived by `src/search/name-keys.ts` as the gateway derives them, then measures
 * one-character, two-character, pinyin, initials, kana reading and phone searches against a gateway process, as the
 * org's owner: p50/p99, requests/s and SQL statements per request; and, in the same run, the page statement as
 * bare SQL (the members' one taken from `members.listing.ts`, the contacts' written out the same way) (named prepared statements on a pg pool of the same concurrency), with the ratio gateway / bare SQL.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench_search on the local Postgres, dropped and recreated),
 * BENCH_ROWS (1000000 of each), BENCH_SECONDS (3 per query), BENCH_CONCURRENCY (4); BENCH_REUSE=1 keeps a dataset
 * seeded by an earlier run with the same BENCH_ROWS instead of seeding again; BENCH_GATEWAY_NODE_ARGS (node arguments
 * of the gateway process, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 */
import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { memberSearchStatement } from '../../src/modules/members/members.listing';
import { nameKeys, namePatterns, nameQuery, type NameKeys } from '../../src/search/name-keys';
import { toGlobalId } from '../../src/graphql/relay';
import { readingSearchCtes } from '../../src/modules/contacts/contacts.reading-search';
import { freshDatabase, graphql, load, measure, startGatewayProcess, type LoadResult } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_search';
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 4);
const BATCH = 20_000;
/** Node arguments of the gateway process, space-separated: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
const PASSWORD = 'bench-password';

// The most frequent Chinese surnames, most frequent first: drawn with weight 1 / (rank + 4), so 王 and 李 are each
// some 5% of the names, as in the census.
const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤单欧阳'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉萍鹏辉红梅宇浩凯晨阳欣怡轩涵思远嘉梓俊婷子文博雨泽一诺佳琪晓东海'.split('');
const JA_SURNAMES: Array<[string, string]> = [['佐藤', 'さとう'], ['鈴木', 'すずき'], ['高橋', 'たかはし'], ['田中', 'たなか'], ['伊藤', 'いとう'], ['渡辺', 'わたなべ'], ['山本', 'やまもと'], ['中村', 'なかむら'], ['小林', 'こばやし'], ['加藤', 'かとう'], ['山田', 'やまだ'], ['松本', 'まつもと']];
const JA_GIVEN: Array<[string, string]> = [['太郎', 'たろう'], ['花子', 'はなこ'], ['健', 'けん'], ['美咲', 'みさき'], ['翔太', 'しょうた'], ['陽菜', 'ひな'], ['大輔', 'だいすけ'], ['結衣', 'ゆい'], ['蓮', 'れん'], ['さくら', 'さくら']];
const LATIN_FIRST = ['James', 'Mary', 'John', 'Linda', 'Robert', 'Susan', 'Michael', 'Karen', 'David', 'Lisa', 'Emma', 'Noah', 'Olivia', 'Lucas'];
const LATIN_LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Garcia', 'Miller', 'Davis', 'Wilson', 'Kim', 'Park', 'Nguyen', 'Schmidt', 'Rossi', 'Dubois'];

const surnameWeights = SURNAMES.map((_, rank) => 1 / (rank + 4));
const surnameTotal = surnameWeights.reduce((a, b) => a + b, 0);

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)]!;
}

function surname(): string {
  let r = Math.random() * surnameTotal;
  for (let i = 0; i < SURNAMES.length; i++) {
    r -= surnameWeights[i]!;
    if (r <= 0) return SURNAMES[i]!;
  }
  return SURNAMES[0]!;
}

/** 80% Chinese (a third with one given character), 10% Japanese with a kana reading, 10% Latin. */
function person(): { name: string; reading: string | null } {
  const r = Math.random();
  if (r < 0.8) return { name: surname() + pick(GIVEN) + (Math.random() < 0.67 ? pick(GIVEN) : ''), reading: null };
  if (r < 0.9) {
    const [family, familyReading] = pick(JA_SURNAMES);
    const [given, givenReading] = pick(JA_GIVEN);
    return { name: family + given, reading: `${familyReading} ${givenReading}` };
  }
  return { name: `${pick(LATIN_FIRST)} ${pick(LATIN_LAST)}`, reading: null };
}

/** Names repeat (a few hundred thousand distinct ones): their keys are derived once each. */
const keyCache = new Map<string, NameKeys>();
function keysOf(name: string, reading: string | null): NameKeys {
  const key = `${name}\u0000${reading ?? ''}`;
  let keys = keyCache.get(key);
  if (!keys) keyCache.set(key, (keys = nameKeys(name, reading)));
  return keys;
}

async function seed(db: pg.Client, orgId: string, ownerMemberId: string): Promise<void> {
  const started = performance.now();
  const step = (label: string) => console.log(`  ${label}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  await db.query(`set maintenance_work_mem = '512MB'`);
  // Bulk loads without the secondary indexes; rebuilt once afterwards.
  const { rows: indexes } = await db.query<{ indexname: string; indexdef: string }>(
    `select indexname, indexdef from pg_indexes where tablename in ('members', 'contacts') and indexname not in ('members_pkey', 'contacts_pkey')`,
  );
  for (const index of indexes) await db.query(`drop index ${index.indexname}`);
  for (const table of ['members', 'contacts'] as const) {
    for (let done = 0; done < ROWS; done += BATCH) {
      const n = Math.min(BATCH, ROWS - done);
      const ids: string[] = [];
      const names: string[] = [];
      const readings: Array<string | null> = [];
      const nameKeysColumn: string[] = [];
      const searchKeys: string[] = [];
      const sortKeys: string[] = [];
      const phones: string[] = [];
      for (let i = 0; i < n; i++) {
        const { name, reading } = person();
        const keys = keysOf(name, reading);
        ids.push(randomUUID());
        names.push(name);
        readings.push(reading);
        nameKeysColumn.push(keys.nameKey);
        searchKeys.push(keys.searchKeys);
        sortKeys.push(keys.sortKey);
        phones.push(`+86${table === 'members' ? '138' : '139'}${String(done + i).padStart(8, '0')}`);
      }
      if (table === 'members') {
        await db.query(
          `insert into members (id, org_id, name, name_reading, name_key, search_keys, sort_key, phone, status, joined_at)
           select id, $1, name, reading, name_key, search_keys, sort_key, phone, 'ACTIVE', now()
             from unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                  as u(id, name, reading, name_key, search_keys, sort_key, phone)`,
          [orgId, ids, names, readings, nameKeysColumn, searchKeys, sortKeys, phones],
        );
      } else {
        await db.query(
          `insert into contacts (id, org_id, owner_id, name, name_reading, name_key, search_keys, sort_key, phones, visibility)
           select id, $1, $2, name, reading, name_key, search_keys, sort_key, array[phone], 'ORG'
             from unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
                  as u(id, name, reading, name_key, search_keys, sort_key, phone)`,
          [orgId, ownerMemberId, ids, names, readings, nameKeysColumn, searchKeys, sortKeys, phones],
        );
      }
    }
    step(`${ROWS.toLocaleString('en')} ${table} (${keyCache.size.toLocaleString('en')} distinct names so far)`);
  }
  await db.query(`update orgs set member_limit = $2 where id = $1`, [orgId, ROWS * 2]);
  for (const index of indexes) await db.query(index.indexdef);
  step(`rebuilt ${indexes.length} indexes`);
  await db.query('vacuum analyze members');
  await db.query('vacuum analyze contacts');
  step('vacuum analyze');
}

const MEMBERS = `query BenchMembers($filter: MemberFilter) {
  members(first: 20, filter: $filter) { edges { node { id name nameReading } } pageInfo { hasNextPage endCursor } }
}`;
const CONTACTS = `query BenchContacts($filter: ContactFilter) {
  contacts(first: 20, filter: $filter) { edges { node { id name nameReading } } pageInfo { hasNextPage endCursor } }
}`;

/** Named after its text, as the gateway names its statements: prepared once per connection. */
function statementName(text: string): string {
  return `probe-${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
}

/** The gateway's own page statement of a member search (the owner may search phone digits). */
function memberProbe(orgId: string, query: string): { name: string; text: string; values: unknown[] } {
  const { text, values } = memberSearchStatement(orgId, true, query, 20);
  return { name: statementName(text), text, values };
}

/**
 * The contact search statement for the owner (every live contact), as `contacts.listing.ts` writes it: one or two
 * characters through the exact/prefix fast path first, longer queries ranked over every match.
 */
export function contactProbe(orgId: string, query: string): { name: string; text: string; values: unknown[] } {
  const patterns = namePatterns(nameQuery(query)!);
  const values: unknown[] = [];
  const param = (value: unknown) => `$${values.push(value)}`;
  const scope = () => `c.org_id = ${param(orgId)} and c.deleted_at is null`;
  const rank = () => {
    const reading = patterns.reading ? `when c.search_keys like ${param(patterns.reading)} then 2 ` : '';
    return `case when c.name_key = ${param(patterns.exact)} then 0 when c.name_key like ${param(patterns.prefix)} then 1 ${reading}else 3 end`;
  };
  const matches = () => {
    let text = query.normalize('NFC').trim().toLowerCase();
    if (/^[+\d\s().-]+$/.test(text) && /\d/.test(text)) text = text.replace(/\D/g, '');
    const likes = ([...text].length >= 3 ? [`%${text}%`] : [`%\u001f${text}%`, `% ${text}%`]).map((p) => `c.search_text like lower(${param(p)})`);
    if (patterns.substring) likes.push(`c.search_keys like ${param(patterns.substring)}`);
    if (patterns.reading) likes.push(`c.search_keys like ${param(patterns.reading)}`);
    if (patterns.contains) likes.push(`c.name_key like ${param(patterns.contains)}`);
    return `${scope()} and (${likes.join(' or ')})`;
  };
  const length = [...patterns.exact].length;
  const folded = nameQuery(query)!;
  let sql: string;
  if (patterns.reading && [...folded.compact].length >= 2) {
    // A reading search, tier by tier from btree indexes, as `contacts.listing.ts` writes it (`readingSearchCtes`).
    const where = (text: string, params: unknown[]) => ({ sql: text, params });
    const likeValues: unknown[] = [];
    const likeSql = matches().replace(/\$(\d+)/g, (_, n: string) => {
      likeValues.push(values[Number(n) - 1]);
      return '?';
    });
    const rankValues: unknown[] = [];
    values.length = 0;
    const rankSql = rank().replace(/\$(\d+)/g, (_, n: string) => {
      rankValues.push(values[Number(n) - 1]);
      return '?';
    });
    values.length = 0;
    const ctes = readingSearchCtes({
      scoped: where('c.org_id = ? and c.deleted_at is null', [orgId]),
      matches: where(likeSql, likeValues),
      rank: where(rankSql, rankValues),
      patterns,
      text: folded.text,
      compact: folded.compact,
      searchAfter: null,
      first: 20,
    });
    values.push(...ctes.params);
    let n = 0;
    sql = `with ${ctes.sql.replace(/\?/g, () => `$${++n}`)}
      select c.*, f.search_rank from found f join contacts c on c.id = f.id where serial_plan() order by f.search_rank, c.sort_key, c.id`;
  } else if (length > 2 || patterns.exact.includes(' ')) {
    sql = `with found as materialized (
        select r.id, r.search_rank from (select c.id, c.sort_key, ${rank()} as search_rank from contacts c where ${matches()}) r
        order by r.search_rank, r.sort_key, r.id limit 21)
      select c.*, f.search_rank from found f join contacts c on c.id = f.id where serial_plan() order by f.search_rank, c.sort_key, c.id`;
  } else {
    const fast = `fast as materialized (
        (select c.id, c.sort_key, 0 as search_rank from contacts c where ${scope()} and c.name_key = ${param(patterns.exact)} order by c.sort_key, c.id limit 21)
        union all
        (select c.id, c.sort_key, 1 from contacts c where ${scope()} and left(c.name_key, ${length}) = ${param(patterns.exact)} and c.name_key <> ${param(patterns.exact)}
          order by c.sort_key, c.id limit 21))`;
    if (patterns.reading) {
      sql = `with ${fast},
        slow as materialized (
          select r.id, r.sort_key, r.search_rank from (select c.id, c.sort_key, ${rank()} as search_rank from contacts c
            where ${matches()} and (select count(*) from fast) < 21) r order by r.search_rank, r.sort_key, r.id limit 21),
        found as (select * from (select * from fast where (select count(*) from fast) >= 21 union all select * from slow) u
          order by u.search_rank, u.sort_key, u.id limit 21)
        select c.*, f.search_rank from found f join contacts c on c.id = f.id where serial_plan() order by f.search_rank, c.sort_key, c.id`;
    } else if (/^\p{Script=Han}/u.test(patterns.exact)) {
      // Starting with a Han character: the substrings from the position indexes and the long names' trigram index.
      const branches = (length === 1 ? [2, 3, 4] : [2, 3]).map((p) => [
        `${scope()} and char_length(c.name_key) >= ${p + length - 1} and substr(c.name_key, ${p}, ${length}) = ${param(patterns.exact)} and (c.search_keys || '') like ${param(patterns.substring)}`,
        'c.sort_key',
      ]);
      branches.push([`(char_length(c.name_key) > 4 or c.company is not null or strpos(c.name, ' ') > 0) and ${matches()}`, `c.sort_key || ''`]);
      const union = branches
        .map(([where, order]) => `(select c.id, c.sort_key from contacts c where ${where}
            and (select count(*) from fast) < 21 and left(c.name_key, ${length}) <> ${param(patterns.exact)} order by ${order}, c.id limit 21)`)
        .join(' union all ');
      sql = `with ${fast},
        subs as materialized (select s.id, s.sort_key, 3 as search_rank from (${union}) s group by s.id, s.sort_key order by s.sort_key, s.id limit 21),
        found as (select * from (select * from fast union all select * from subs) u order by u.search_rank, u.sort_key, u.id limit 21)
        select c.*, f.search_rank from found f join contacts c on c.id = f.id where serial_plan() order by f.search_rank, c.sort_key, c.id`;
    } else {
      // CJK: the substrings in reading order from the index-only probe, all matches ranked only when it falls short.
      sql = `with ${fast},
        probe as materialized (
          select c.id, c.sort_key, 3 as search_rank from (
            select c.id, c.sort_key, c.org_id, null::timestamptz as deleted_at, c.name_key, c.search_keys, c.search_text from contacts c where ${scope()} order by c.sort_key, c.id limit 4000
          ) c where (select count(*) from fast) < 21 and (${matches()}) and left(c.name_key, ${length}) <> ${param(patterns.exact)}
          order by c.sort_key, c.id limit 21),
        state as materialized (
          select case when (select count(*) from fast) >= 21 then true when (select count(*) from fast) + (select count(*) from probe) >= 21 then true
                      else (select count(*) from (select 1 from contacts c where ${scope()} order by c.sort_key, c.id limit 4000) w) < 4000 end as complete),
        slow as materialized (
          select r.id, r.sort_key, r.search_rank from (select c.id, c.sort_key, ${rank()} as search_rank from contacts c
            where ${matches()} and not (select complete from state)) r order by r.search_rank, r.sort_key, r.id limit 21),
        found as (select * from (select * from fast where (select complete from state) union all select * from probe where (select complete from state)
                                 union all select * from slow) u order by u.search_rank, u.sort_key, u.id limit 21)
        select c.*, f.search_rank from found f join contacts c on c.id = f.id where serial_plan() order by f.search_rank, c.sort_key, c.id`;
    }
  }
  return { name: statementName(sql), text: sql, values };
}

/** The org of a dataset seeded by an earlier run with the same BENCH_ROWS, or null. */
async function keptOrg(): Promise<string | null> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  try {
    await db.connect();
  } catch {
    return null; // no such database yet
  }
  try {
    const { rows } = await db.query<{ id: string; members: number; contacts: number }>(
      `select o.id, (select count(*)::int from members m where m.org_id = o.id) as members,
              (select count(*)::int from contacts c where c.org_id = o.id) as contacts from orgs o where o.code = 'search-bench'`,
    );
    const org = rows[0];
    return org && org.members === ROWS + 1 && org.contacts === ROWS ? org.id : null;
  } catch {
    return null;
  } finally {
    await db.end();
  }
}

async function main(): Promise<void> {
  // BENCH_REUSE=1 keeps the dataset of an earlier run with the same BENCH_ROWS (the gateway migrates it on start).
  const kept = process.env.BENCH_REUSE === '1' ? await keptOrg() : null;
  if (!kept) await freshDatabase(DATABASE_URL);
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0' }, GATEWAY_NODE_ARGS);
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  // With the gateway's settings for these statements (`src/db/orm.ts`: no JIT; `queryNamed`: a search's generic
  // plan), so the two run the same plans.
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: CONCURRENCY, options: '-c jit=off -c plan_cache_mode=force_generic_plan' });
  try {
    let token: string;
    let orgId: string;
    if (kept) {
      console.log('reusing the seeded dataset (BENCH_REUSE=1)');
      await db.query('analyze members');
      await db.query('analyze contacts');
      const logIn = await graphql(gateway.url, 'mutation($input: LogInInput!) { logIn(input: $input) { token } }', { input: { phone: '+8613700000001', password: PASSWORD } });
      const switched = await graphql(gateway.url, 'mutation($orgId: ID!) { switchOrg(orgId: $orgId) { token } }', { orgId: toGlobalId('Org', kept) }, logIn.data!.logIn.token);
      token = switched.data!.switchOrg.token;
      orgId = kept;
    } else {
      const signUp = await graphql(gateway.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
        input: { phone: '+8613700000001', name: '管理员', password: PASSWORD },
      });
      const created = await graphql(gateway.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } member { id } } }', { input: { name: '通讯录', code: 'search-bench' } }, signUp.data!.signUp.token);
      token = created.data!.createOrg.token;
      orgId = Buffer.from(created.data!.createOrg.org.id as string, 'base64url').toString().split(':')[1]!;
      const ownerId = Buffer.from(created.data!.createOrg.member.id as string, 'base64url').toString().split(':')[1]!;
      console.log('seeding');
      await seed(db, orgId, ownerId);
    }

    const digits = () => String(Math.floor(Math.random() * ROWS)).padStart(8, '0').slice(1);
    const scenarios: Array<[string, () => string]> = [
      ['one character (surname)', () => pick(SURNAMES.slice(0, 30))],
      ['one character (given name)', () => pick(GIVEN)],
      ['two characters', () => pick(SURNAMES.slice(0, 30)) + pick(GIVEN)],
      ['pinyin (full name)', () => pick(['wangwei', 'lina', 'zhangjie', 'liuyang', 'chenjing', 'zhaomin', 'huanghua', 'zhouhao'])],
      ['initials', () => pick(['wzx', 'lm', 'zw', 'cyh', 'ljj', 'hy', 'zjl', 'wxm'])],
      ['kana reading', () => pick(['たなか', 'さとう', 'すずき', 'やまだ', 'tanaka', 'suzuki'])],
      ['phone digits (7)', digits],
    ];
    const options = { concurrency: CONCURRENCY, durationMs: SECONDS * 1000, warmupMs: 500 };
    const rows: Array<[string, string, LoadResult, LoadResult]> = [];
    for (const [kind, document, probe] of [
      ['members', MEMBERS, memberProbe],
      ['contacts', CONTACTS, contactProbe],
    ] as const) {
      for (const [label, query] of scenarios) {
        const viaGateway = await load(gateway.url, token, document, () => ({ filter: { query: query() } }), options);
        const bare = await measure(async () => {
          await pool.query(probe(orgId, query()));
          return {};
        }, CONCURRENCY, SECONDS * 1000);
        rows.push([kind, label, viaGateway, bare]);
        console.log(`  ${kind} / ${label}: gateway p99 ${viaGateway.p99.toFixed(1)} ms, bare SQL p99 ${bare.p99.toFixed(1)} ms`);
      }
    }
    const settings = (await db.query<{ shared_buffers: string }>('show shared_buffers')).rows[0]!.shared_buffers;
    console.log(`\n${ROWS.toLocaleString('en')} members and ${ROWS.toLocaleString('en')} contacts in one org, first: 20, concurrency ${CONCURRENCY}, ${SECONDS} s per query, shared_buffers ${settings}\n`);
    console.log('| list | search | gateway p50 / p99 ms | gateway req/s | SQL/request | bare SQL p50 / p99 ms | bare SQL req/s | req/s ratio (goal ≥ 0.5) | p99 ≤ 50 ms |');
    console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
    for (const [kind, label, g, b] of rows) {
      console.log(
        `| ${kind} | ${label} | ${g.p50.toFixed(1)} / ${g.p99.toFixed(1)} | ${g.rps.toFixed(0)} | ${g.sqlPerRequest.toFixed(1)} | ${b.p50.toFixed(1)} / ${b.p99.toFixed(1)} | ${b.rps.toFixed(0)} | ${(g.rps / b.rps).toFixed(2)}× | ${g.p99 <= 50 ? 'met' : 'not met'} |`,
      );
    }
  } finally {
    await pool.end();
    await db.end();
    await gateway.stop();
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
