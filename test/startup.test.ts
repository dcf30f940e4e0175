import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { spawnGateway } from './support/process';

const MAIN = join(__dirname, '..', 'dist', 'src', 'main.js');

/** Runs the built gateway with `env` until it exits (it should, at once): its exit code and what it printed. */
async function runToFailure(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, JWT_SECRET: 'test-secret-test-secret-test-secret', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code, stderr, stdout };
}

describe('starting up', () => {
  const admin = () => new URL(inject('databaseUrl'));
  const fresh = `orggraph_startup_${randomUUID().replaceAll('-', '')}`;
  afterAll(async () => {
    const url = admin();
    url.pathname = '/postgres';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query(`drop database if exists "${fresh}" with (force)`);
    await client.end();
  });

  it('three instances started at once on a fresh database all migrate it together and become ready', async () => {
    const url = admin();
    url.pathname = `/${fresh}`;
    const instances = await Promise.all([1, 2, 3].map(() => spawnGateway({ DATABASE_URL: url.toString() })));
    for (const instance of instances) {
      expect((await fetch(instance.url.replace('/graphql', '/readyz'))).status).toBe(200);
    }
    const answers = await Promise.all(instances.map((instance) => fetch(instance.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
  }, 120_000);

  it.each([
    ['a setting that is not a number', { PORT: 'abc' }, /^orggraph: cannot start: PORT must be a number/],
    ['production without its services', { NODE_ENV: 'production' }, /^orggraph: cannot start: DATABASE_URL and REDIS_URL .* must be set in production$/],
    [
      'production with SMS on the log',
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://postgres@127.0.0.1:1/orggraph', REDIS_URL: 'redis://127.0.0.1:6379' },
      /^orggraph: cannot start: SMS_URL must name an SMS provider in production \(twilio:\/\/… or aliyun:\/\/…\); SMS_ALLOW_LOG=true writes SMS to the log instead$/,
    ],
    ['a database that cannot be reached', { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/orggraph', REDIS_URL: 'redis://127.0.0.1:6379' }, /^orggraph: cannot start: PostgreSQL \(DATABASE_URL\) cannot be reached: connect ECONNREFUSED/],
  ])('%s: one clear line, no stack trace, and a non-zero exit', async (_name, env, line) => {
    const { code, stderr } = await runToFailure(env);
    expect(code).not.toBe(0);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr.trim()).toMatch(line);
  }, 30_000);
});
