/**
 * `npm run bench:sign-in`: whether a refused sign-in's time tells that the account exists (issue 12, defect 5).
 * Against a real gateway process, one request at a time, the cases alternating within every round, it measures
 * refused sign-ins: `logIn` with a wrong password for an existing phone, and with an unknown phone;
 * `logInWithEnterpriseAccount` with a wrong password for an existing login name, an unknown login name in the same org
 * and an unknown org; and a wrong password for a phone whose hash still has the older, lower cost (2^14), as every
 * account has until its first sign-in after the cost is raised. Prints median and p90 latency, SQL statements per
 * request, and the ratios unknown / existing (1.00 when time says nothing).
 *
 * Every existing-account sample uses an account of its own (seeded with SQL), so no login name reaches the lock-out
 * of 10 failures; rate limits are off.
 *
 * Env: BENCH_DATABASE_URL (default orggraph_bench_sign_in on the local Postgres, dropped and recreated), BENCH_SAMPLES
 * (40 per case), BENCH_WARMUP (5 rounds, not counted), PASSWORD_SCRYPT_LOG2N (the gateway's cost, default 17),
 * BENCH_LEGACY_LOG2N (14: the cost before OWASP's).
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import pg from 'pg';
import { hashPassword, scryptParams } from '../../src/auth/password';
import { loadConfig } from '../../src/config';
import { freshDatabase, graphql, percentile, startGatewayProcess, type GraphQLResponse } from './lib';

const DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench_sign_in';
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 40);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 5);
const LOG2N = loadConfig(process.env).passwordScryptLog2N;
const LEGACY_LOG2N = Number(process.env.BENCH_LEGACY_LOG2N ?? 14);

const PASSWORD = 'bench-password';
const WRONG = 'not the bench password';
const ORG_CODE = 'sign-in-bench';
const LOG_IN = 'mutation($input: LogInInput!) { logIn(input: $input) { token } }';
const LOG_IN_ENTERPRISE = 'mutation($input: LogInWithEnterpriseAccountInput!) { logInWithEnterpriseAccount(input: $input) { token } }';

const phoneOf = (series: number, i: number) => `+86136${series}${String(i).padStart(7, '0')}`;
let unknownCount = 0;
const unknownPhone = () => `+86135${String(++unknownCount).padStart(8, '0')}`;

interface Case {
  name: string;
  /** The i-th request of the case (a target of its own for every i). */
  request: (url: string, i: number) => Promise<GraphQLResponse>;
  latencies: number[];
  statements: number[];
  unexpected: number;
}

function phoneCase(name: string, phone: (i: number) => string): Case {
  return { name, request: (url, i) => graphql(url, LOG_IN, { input: { phone: phone(i), password: WRONG } }), latencies: [], statements: [], unexpected: 0 };
}

function enterpriseCase(name: string, orgCode: (i: number) => string, loginName: (i: number) => string): Case {
  return {
    name,
    request: (url, i) => graphql(url, LOG_IN_ENTERPRISE, { input: { orgCode: orgCode(i), loginName: loginName(i), password: WRONG } }),
    latencies: [],
    statements: [],
    unexpected: 0,
  };
}

/** `accounts` personal accounts per phone series, and as many enterprise accounts in the org, written with SQL. */
async function seed(orgId: string, accounts: number): Promise<void> {
  const current = await hashPassword(PASSWORD, scryptParams(LOG2N));
  const legacy = await hashPassword(PASSWORD, scryptParams(LEGACY_LOG2N));
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  try {
    await db.query('begin');
    const personal = (series: number, hash: string) =>
      db.query(
        `insert into users (id, kind, name, phone, phone_verified_at, password_hash)
         select gen_random_uuid(), 'PERSONAL', 'Bench ' || i, phone, now(), $2 from unnest($1::text[]) with ordinality as t(phone, i)`,
        [Array.from({ length: accounts }, (_, i) => phoneOf(series, i)), hash],
      );
    await personal(1, current);
    await personal(2, legacy);
    await db.query(
      `with seed as (select i, gen_random_uuid() as user_id from generate_series(0, $3::int - 1) i),
            users_in as (
              insert into users (id, kind, name, org_id, login_name, password_hash, must_change_password)
              select user_id, 'ENTERPRISE', 'Bench ' || i, $1, 'bench.' || i, $2, false from seed
            )
       insert into members (id, org_id, user_id, name, status, joined_at) select gen_random_uuid(), $1, user_id, 'Bench ' || i, 'ACTIVE', now() from seed`,
      [orgId, current, accounts],
    );
    await db.query('commit');
    await db.query('analyze');
  } finally {
    await db.end();
  }
}

function ratio(of: Case, to: Case): string {
  return (percentile(of.latencies, 50) / percentile(to.latencies, 50)).toFixed(2);
}

async function main(): Promise<void> {
  await freshDatabase(DATABASE_URL);
  const gateway = await startGatewayProcess({ DATABASE_URL, NODE_ENV: 'development', OUTBOX_POLL_MS: '0', RATE_LIMITS: 'off', EXPOSE_SQL_COUNT: 'true' });
  try {
    const signUp = await graphql(gateway.url, 'mutation($input: SignUpInput!) { signUp(input: $input) { token } }', {
      input: { phone: '+8613900000001', name: 'Owner', password: PASSWORD },
    });
    const created = await graphql(
      gateway.url,
      'mutation($input: CreateOrgInput!) { createOrg(input: $input) { org { id } } }',
      { input: { name: 'Sign-in bench', code: ORG_CODE } },
      signUp.data!.signUp.token,
    );
    const orgId = Buffer.from(created.data!.createOrg.org.id as string, 'base64url').toString().split(':')[1]!;
    await seed(orgId, WARMUP + SAMPLES);

    const phoneExisting = phoneCase('logIn: existing phone, wrong password', (i) => phoneOf(1, i));
    const phoneUnknown = phoneCase('logIn: unknown phone', () => unknownPhone());
    const enterpriseExisting = enterpriseCase('enterprise: existing login name, wrong password', () => ORG_CODE, (i) => `bench.${i}`);
    const enterpriseUnknownLogin = enterpriseCase('enterprise: unknown login name', () => ORG_CODE, (i) => `nobody.${i}`);
    const enterpriseUnknownOrg = enterpriseCase('enterprise: unknown org', (i) => `no-such-org-${i}`, (i) => `bench.${i}`);
    const phoneLegacy = phoneCase(`logIn: existing phone, hash still at 2^${LEGACY_LOG2N}, wrong password`, (i) => phoneOf(2, i));
    const cases = [phoneExisting, phoneUnknown, enterpriseExisting, enterpriseUnknownLogin, enterpriseUnknownOrg];
    if (LEGACY_LOG2N < LOG2N) cases.push(phoneLegacy);

    const before = loadavg()[0]!.toFixed(1);
    for (let round = 0; round < WARMUP + SAMPLES; round++) {
      // Each round starts with another case, so no case always follows the same one.
      for (let k = 0; k < cases.length; k++) {
        const run = cases[(round + k) % cases.length]!;
        const started = performance.now();
        const response = await run.request(gateway.url, round);
        const elapsed = performance.now() - started;
        if (response.errors?.[0]?.extensions?.code !== 'INVALID_CREDENTIALS') run.unexpected++;
        if (round < WARMUP) continue;
        run.latencies.push(elapsed);
        run.statements.push(response.extensions?.sqlStatements ?? NaN);
      }
    }
    const after = loadavg()[0]!.toFixed(1);

    console.log(`\nscrypt N = 2^${LOG2N}, r = 8, p = 1; ${SAMPLES} samples per case after ${WARMUP} warm-up rounds, one request at a time; ${cpus().length} cores, load average ${before} → ${after}`);
    console.log('| refused sign-in | median ms | p90 ms | SQL statements (median) | not INVALID_CREDENTIALS |');
    console.log('| --- | ---: | ---: | ---: | ---: |');
    for (const c of cases) {
      c.latencies.sort((a, b) => a - b);
      c.statements.sort((a, b) => a - b);
      console.log(`| ${c.name} | ${percentile(c.latencies, 50).toFixed(1)} | ${percentile(c.latencies, 90).toFixed(1)} | ${percentile(c.statements, 50)} | ${c.unexpected} |`);
    }
    console.log(`\nmedian ratios (1.00: time tells nothing):`);
    console.log(`  logIn unknown phone / existing phone: ${ratio(phoneUnknown, phoneExisting)}`);
    console.log(`  enterprise unknown login name / existing: ${ratio(enterpriseUnknownLogin, enterpriseExisting)}`);
    console.log(`  enterprise unknown org / existing: ${ratio(enterpriseUnknownOrg, enterpriseExisting)}`);
    if (LEGACY_LOG2N < LOG2N) console.log(`  logIn unknown phone / existing phone with a 2^${LEGACY_LOG2N} hash: ${ratio(phoneUnknown, phoneLegacy)}`);
    if (cases.some((c) => c.unexpected > 0)) console.warn('warning: some sign-ins did not answer INVALID_CREDENTIALS');
  } finally {
    await gateway.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
