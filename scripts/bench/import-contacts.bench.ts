/**
 * `npm run bench:import-contacts`: uploads a CSV of 100,000 external contacts to `POST /imports/contacts` of a real
 * gateway process (streamed, no content-length) and prints rows/s, beside a plain Postgres `COPY` of the same rows
 * into a scratch table of the contacts table's shape (its columns, defaults, generated columns, constraints and
 * indexes, the trigram GIN index included), in the same run.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench_import_contacts on the local Postgres, dropped and recreated),
 * BENCH_ROWS (100000).
 */
import 'reflect-metadata';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import pg from 'pg';
import { freshDatabase, graphql, startGatewayProcess, uploadCsv } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_import_contacts';
const ROWS = Number(process.env.BENCH_ROWS ?? 100_000);

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤'.split('');
const GIVEN = '伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚华玉萍鹏辉红梅宇浩凯晨阳欣怡轩涵远嘉俊婷'.split('');
const COMPANIES = ['华东医药', '康恩贝制药', '迈瑞医疗', '鱼跃医疗', '国药控股', 'Acme Medical', 'Siemens Healthineers', '联影医疗', '九州通', '上海医药'];
const TITLES = ['销售经理', '采购主管', '区域总监', '技术支持', '客户经理', 'Key Account Manager', '总经理'];
const TAG_GROUPS: Record<string, string[]> = {
  类型: ['客户', '供应商', '合作伙伴', '渠道'],
  级别: ['A', 'B', 'C'],
  地区: ['华东', '华北', '华南', '西南', '海外'],
};
const TAGS = Object.values(TAG_GROUPS).flat();

interface ContactRow {
  name: string;
  phones: string[];
  email: string;
  company: string;
  title: string;
  notes: string;
  tags: string[];
  visibility: string;
}

/** Row i of the file: deterministic, all valid; a third with two phones, a quarter with an email, most with tags. */
function contact(i: number): ContactRow {
  return {
    name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[Math.floor(i / 97) % GIVEN.length]}${GIVEN[Math.floor(i / 7) % GIVEN.length]}`,
    phones: i % 3 === 0 ? [`+86137${String(i).padStart(8, '0')}`, `+86136${String(i).padStart(8, '0')}`] : [`+86137${String(i).padStart(8, '0')}`],
    email: i % 4 === 0 ? `c${i}@example.com` : '',
    company: COMPANIES[i % COMPANIES.length]!,
    title: TITLES[i % TITLES.length]!,
    notes: i % 5 === 0 ? `第${i % 12 + 1}季度拜访；关注采购周期与预算` : '',
    tags: i % 10 === 0 ? [] : [TAGS[i % 4]!, TAGS[4 + (i % 3)]!, ...(i % 2 ? [TAGS[7 + (i % 5)]!] : [])],
    visibility: i % 20 === 0 ? 'ORG' : 'PRIVATE',
  };
}

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function* chunks(line: (i: number) => string): Generator<string> {
  for (let start = 0; start < ROWS; start += 500) {
    let chunk = '';
    for (let i = start; i < Math.min(ROWS, start + 500); i++) chunk += line(i) + '\n';
    yield chunk;
  }
}

/** The upload, produced as it is sent, never held whole. */
function importFile(): Readable {
  return Readable.from(
    (function* () {
      yield 'name,phones,email,company,title,notes,tags,visibility\n';
      yield* chunks((i) => {
        const c = contact(i);
        return [c.name, c.phones.join(';'), c.email, c.company, c.title, c.notes, c.tags.join(';'), c.visibility].map(csvField).join(',');
      });
    })(),
  );
}

/** The same contacts as COPY input (tags as tag ids, phones as a Postgres array literal). */
function copyFile(tagIds: Map<string, string>, ownerId: string): Readable {
  return Readable.from(
    chunks((i) => {
      const c = contact(i);
      return [
        ownerId,
        c.name,
        `{${c.phones.join(',')}}`,
        c.email,
        c.company,
        c.title,
        c.notes,
        `{${c.tags.map((tag) => tagIds.get(tag)).join(',')}}`,
        c.visibility,
        'IMPORT',
      ]
        .map(csvField)
        .join(',');
    }),
  );
}

async function createTags(url: string, token: string): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const [groupName, names] of Object.entries(TAG_GROUPS)) {
    const group = await graphql(url, 'mutation($input: CreateTagGroupInput!) { createTagGroup(input: $input) { id } }', { input: { name: groupName } }, token);
    if (!group.data) throw new Error(JSON.stringify(group.errors));
    for (const name of names) {
      const tag = await graphql(url, 'mutation($input: CreateTagInput!) { createTag(input: $input) { id } }', { input: { groupId: group.data.createTagGroup.id, name } }, token);
      if (!tag.data) throw new Error(JSON.stringify(tag.errors));
      ids.set(name, rawIdOf(tag.data.createTag.id));
    }
  }
  return ids;
}

function rawIdOf(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString().split(':')[1]!;
}

/** A plain COPY through psql (COPY FROM STDIN, as a client uploads), into a table shaped like contacts. */
async function copyIntoScratchTable(orgId: string, tagIds: Map<string, string>, ownerId: string): Promise<number> {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query('drop table if exists bench_contacts_copy');
  await db.query('create table bench_contacts_copy (like contacts including all)');
  await db.query(`alter table bench_contacts_copy alter column id set default gen_random_uuid(), alter column org_id set default '${orgId}'`);
  await db.end();
  const started = performance.now();
  const psql = spawn(
    'psql',
    [DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-q', '-c', '\\copy bench_contacts_copy (owner_id, name, phones, email, company, title, notes, tag_ids, visibility, source) from stdin with (format csv)'],
    { stdio: ['pipe', 'inherit', 'inherit'] },
  );
  copyFile(tagIds, ownerId).pipe(psql.stdin!);
  const [code] = await once(psql, 'exit');
  if (code !== 0) throw new Error(`psql exited with ${code}`);
  return (performance.now() - started) / 1000;
}

async function main(): Promise<void> {
  await freshDatabase(DATABASE_URL);
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', LOG_LEVEL: 'info', OUTBOX_POLL_MS: '0' });
  try {
    const signUp = await graphql(gateway.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', { input: { phone: '+8613900000001', name: '销售总监', password: 'bench-password' } });
    const created = await graphql(gateway.url, 'mutation($input: CreateOrgInput!) { createOrg(input: $input) { token org { id } member { id } } }', { input: { name: '朝阳区卫生健康委员会', code: 'cyqwjw' } }, signUp.data!.signUp.token);
    const token: string = created.data!.createOrg.token;
    const orgId = rawIdOf(created.data!.createOrg.org.id);
    const ownerId = rawIdOf(created.data!.createOrg.member.id);
    const tagIds = await createTags(gateway.url, token);

    const { status, body, seconds: importSeconds } = await uploadCsv(gateway.url.replace(/\/graphql$/, '/imports/contacts'), token, importFile());
    if (status !== 200 || body.summary.created !== ROWS) throw new Error(`import failed: ${status} ${JSON.stringify(body).slice(0, 500)}`);

    const copySeconds = await copyIntoScratchTable(orgId, tagIds, ownerId);

    const db = new pg.Client({ connectionString: DATABASE_URL });
    await db.connect();
    const { rows: [written] } = await db.query(
      `select (select count(*) from contacts where org_id = $1) as contacts,
              (select count(*) from contact_keys where org_id = $1) as keys,
              (select count(*) from org_events where org_id = $1 and topic = 'IMPORT') as events,
              (select count(*) from bench_contacts_copy) as copied`,
      [orgId],
    );
    await db.end();

    console.log(`\n${ROWS} contacts, ${tagIds.size} tags; summary ${JSON.stringify(body.summary)}`);
    console.log(`import wrote: ${JSON.stringify(written)}\n`);
    console.log('| method | rows | seconds | rows/s |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(`| POST /imports/contacts (contacts, duplicate keys, report, progress events; batches of 1,000) | ${ROWS} | ${importSeconds.toFixed(2)} | ${Math.round(ROWS / importSeconds)} |`);
    console.log(`| plain COPY into a contacts-shaped table with its indexes (psql \\copy from stdin) | ${ROWS} | ${copySeconds.toFixed(2)} | ${Math.round(ROWS / copySeconds)} |`);
    console.log(`\nPOST /imports/contacts runs at ${((copySeconds / importSeconds) * 100).toFixed(1)}% of COPY's rate (COPY is ${(importSeconds / copySeconds).toFixed(1)}x faster).`);
  } finally {
    await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
