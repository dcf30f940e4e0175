/**
 * `npm run bench:import`: uploads a CSV of 100,000 people to `POST /imports` of a real gateway process (streamed,
 * no content-length) and prints rows/s, beside a plain Postgres `COPY` of the same rows into a scratch table of the
 * members table's shape (its columns, defaults, constraints and indexes), in the same run.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench_import on the local Postgres, dropped and recreated),
 * BENCH_ROWS (100000), BENCH_ROUNDS (2: import and COPY alternated, each import into an org of its own), BENCH_OUTBOX (false: the outbox dispatcher stays off so only the import is timed),
 * BENCH_GATEWAY_NODE_ARGS (node arguments of the gateway process, space-separated: e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`).
 *
 * Goal (issue 11): the import at >= 0.2x COPY's rate, with every check it makes.
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import pg from 'pg';
import { keyColumns, nameKeys } from '../../src/search/name-keys';
import { freshDatabase, graphql, startGatewayProcess, uploadCsv } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_import';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);
const OUTBOX = process.env.BENCH_OUTBOX === 'true';
const GATEWAY_NODE_ARGS = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
/** Import / COPY pairs, alternated; each import goes into an org of its own. */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** Issue 11: the import's rate over COPY's. */
const GOAL_RATIO = 0.2;

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍鹏辉红梅宇浩凯晨阳欣怡轩涵远嘉俊婷'.split('');
const TITLES = ['主任医师', '副主任医师', '主治医师', '住院医师', '护士长', '护士', '药师', '技师', '科员', '科长'];
const CATEGORIES = ['三级医院', '二级医院', '一级医院'];
const INSTITUTIONS = 10;
const CLINICAL = ['内科', '外科', '儿科', '急诊科', '护理部'];

interface Person {
  name: string;
  phone: string;
  email: string;
  department: string;
  roles: string;
  title: string;
  employeeNo: string;
}

/** Row i of the file: deterministic, all valid, spread over 150 existing departments (医疗机构/<category>/<institution>/<clinical>). */
function person(i: number): Person {
  const category = CATEGORIES[i % CATEGORIES.length]!;
  const institution = `${category}${(Math.floor(i / 3) % INSTITUTIONS) + 1}号`;
  return {
    name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[Math.floor(i / 97) % GIVEN.length]}${GIVEN[Math.floor(i / 7) % GIVEN.length]}`,
    phone: `+86138${String(i).padStart(8, '0')}`,
    email: i % 4 === 0 ? `p${i}@example.org` : '',
    department: `医疗机构/${category}/${institution}/${CLINICAL[Math.floor(i / 30) % CLINICAL.length]}`,
    roles: i % 50 === 0 ? 'Admin;Member' : '',
    title: TITLES[i % TITLES.length]!,
    employeeNo: `E${String(i).padStart(7, '0')}`,
  };
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** The upload, produced as it is sent (chunks of 500 lines), never held whole. */
function importFile(): Readable {
  return Readable.from(
    (function* () {
      yield 'name,phone,email,department,roles,title,employeeNo\n';
      for (let start = 0; start < ROWS; start += 500) {
        let chunk = '';
        for (let i = start; i < Math.min(ROWS, start + 500); i++) {
          const p = person(i);
          chunk += [p.name, p.phone, p.email, p.department, p.roles, p.title, p.employeeNo].map(csvField).join(',') + '\n';
        }
        yield chunk;
      }
    })(),
  );
}

/** Name search keys (NOT NULL on members) of every distinct name of the file, derived by the code the import uses. */
function copyKeys(): Map<string, ReturnType<typeof keyColumns>> {
  const keysByName = new Map<string, ReturnType<typeof keyColumns>>();
  for (let i = 0; i < ROWS; i++) {
    const { name } = person(i);
    if (!keysByName.has(name)) keysByName.set(name, keyColumns(nameKeys(name)));
  }
  return keysByName;
}

/** The same people as COPY input for the members columns, the name keys given (derived before COPY is timed). */
function copyFile(keysByName: Map<string, ReturnType<typeof keyColumns>>): Readable {
  return Readable.from(
    (function* () {
      for (let start = 0; start < ROWS; start += 500) {
        let chunk = '';
        for (let i = start; i < Math.min(ROWS, start + 500); i++) {
          const p = person(i);
          const keys = keysByName.get(p.name)!;
          chunk += [p.name, keys.name_key, keys.search_keys, keys.sort_key, p.phone, p.email, p.title, p.employeeNo].map(csvField).join(',') + '\n';
        }
        yield chunk;
      }
    })(),
  );
}

async function createTree(url: string, token: string): Promise<number> {
  let count = 0;
  const create = async (name: string, parentId?: string): Promise<string> => {
    const result = await graphql(url, 'mutation($input: CreateDepartmentInput!) { createDepartment(input: $input) { id } }', { input: { name, parentId } }, token);
    if (!result.data) throw new Error(JSON.stringify(result.errors));
    count++;
    return result.data.createDepartment.id;
  };
  const division = await create('医疗机构');
  for (const category of CATEGORIES) {
    const categoryId = await create(category, division);
    for (let n = 1; n <= INSTITUTIONS; n++) {
      const institutionId = await create(`${category}${n}号`, categoryId);
      for (const clinical of CLINICAL) await create(clinical, institutionId);
    }
  }
  return count;
}

/**
 * A plain COPY through psql (COPY FROM STDIN, as a client uploads), into a table shaped like members: `like members
 * including all` brings its columns (the generated `detail_keys` too), defaults, NOT NULL and check constraints and
 * every index (the trigram GIN index on the name keys included); not its triggers or foreign keys.
 */
async function copyIntoScratchTable(orgId: string, keysByName: Map<string, ReturnType<typeof keyColumns>>): Promise<number> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query('drop table if exists bench_members_copy');
  await db.query('create table bench_members_copy (like members including all)');
  await db.query(`alter table bench_members_copy alter column id set default gen_random_uuid(),
                    alter column org_id set default '${orgId}', alter column status set default 'PENDING'`);
  await db.end();
  const started = performance.now();
  const psql = spawn('psql', [DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', '\\copy bench_members_copy (name, name_key, search_keys, sort_key, phone, email, title, employee_no) from stdin with (format csv)'], {
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  copyFile(keysByName).pipe(psql.stdin!);
  const [code] = await once(psql, 'exit');
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  return (performance.now() - started) / 1000;
}

interface Round {
  importSeconds: number;
  copySeconds: number;
  summary: Record<string, number>;
  written: Record<string, unknown>;
}

async function main(): Promise<void> {
  await freshDatabase(DATABASE_URL);
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', LOG_LEVEL: 'info', OUTBOX_POLL_MS: OUTBOX ? '1000' : '0', DEFAULT_MEMBER_LIMIT: String(ROWS + 1000) }, GATEWAY_NODE_ARGS);
  const rounds: Round[] = [];
  let departments = 0;
  // The floor is the database's: COPY gets its rows' keys ready-made, the import derives its own while it runs.
  const keysStarted = performance.now();
  const keysByName = copyKeys();
  const keySeconds = (performance.now() - keysStarted) / 1000;
  console.log(`name keys of ${keysByName.size} distinct names derived in ${keySeconds.toFixed(2)} s (not part of COPY's time)`);
  try {
    const signUp = await graphql(gateway.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', { input: { phone: '+8613900000001', name: '管理员', password: 'bench-password' } });
    for (let round = 1; round <= ROUNDS; round++) {
      const created = await graphql(gateway.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } } }', { input: { name: `朝阳区卫生健康委员会${round}`, code: `cyqwjw${round}` } }, signUp.data!.signUp.token);
      if (!created.data) throw new Error(JSON.stringify(created.errors));
      const token: string = created.data.createOrg.token;
      const orgId = Buffer.from(created.data.createOrg.org.id as string, 'base64url').toString().split(':')[1]!;
      departments = await createTree(gateway.url, token);

      const { status, body, seconds: importSeconds } = await uploadCsv(gateway.url.replace(/\/graphql$/, '/imports'), token, importFile());
      if (status !== 200 || body.summary.created !== ROWS) throw new Error(`import failed: ${status} ${JSON.stringify(body).slice(0, 500)}`);

      const copySeconds = await copyIntoScratchTable(orgId, keysByName);

      const db = new pg.Client({ connectionString: DATABASE_URL });
      await db.connect();
      const { rows: [written] } = await db.query(
        `select (select count(*) from members where org_id = $1) - 1 as members,
                (select count(*) from member_departments where org_id = $1) - 1 as placements,
                (select count(*) from member_roles where org_id = $1) - 1 as grants,
                (select count(*) from invitations where org_id = $1) as invitations,
                (select count(*) from outbox_messages where org_id = $1) as messages,
                (select count(*) from org_events where org_id = $1) as events,
                (select count(*) from members where org_id = $1 and search_keys like '%' || chr(31) || '%') - 1 as with_pinyin,
                (select count(*) from bench_members_copy) as copied`,
        [orgId],
      );
      await db.end();
      rounds.push({ importSeconds, copySeconds, summary: body.summary, written });
      console.log(`round ${round}: import ${importSeconds.toFixed(2)} s (${Math.round(ROWS / importSeconds)} rows/s), COPY ${copySeconds.toFixed(2)} s (${Math.round(ROWS / copySeconds)} rows/s), ratio ${(copySeconds / importSeconds).toFixed(3)}`);
    }
  } finally {
    await gateway.stop();
  }

  const importSeconds = rounds.reduce((sum, r) => sum + r.importSeconds, 0);
  const copySeconds = rounds.reduce((sum, r) => sum + r.copySeconds, 0);
  const rows = ROWS * rounds.length;
  console.log(`\n${ROWS} people x ${rounds.length} rounds, ${departments} departments; summary ${JSON.stringify(rounds[0]!.summary)}`);
  console.log(`import wrote (last round): ${JSON.stringify(rounds.at(-1)!.written)}\n`);
  console.log('| method | rows | seconds | rows/s |');
  console.log('| --- | ---: | ---: | ---: |');
  console.log(`| POST /imports (members with name keys, departments, roles, invitations, outbox, events; batches of 1,000) | ${rows} | ${importSeconds.toFixed(2)} | ${Math.round(rows / importSeconds)} |`);
  console.log(`| plain COPY into a members-shaped table with its indexes, name keys given (psql \\copy from stdin) | ${rows} | ${copySeconds.toFixed(2)} | ${Math.round(rows / copySeconds)} |`);
  const ratio = copySeconds / importSeconds;
  console.log(`\nPOST /imports runs at ${(ratio * 100).toFixed(1)}% of COPY's rate (COPY is ${(importSeconds / copySeconds).toFixed(1)}x faster).`);
  console.log(`ratio gateway/COPY: ${ratio.toFixed(3)} (goal >= ${GOAL_RATIO}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'})`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
