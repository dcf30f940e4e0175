import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { renderSchema } from '../scripts/emit-schema';
import type { Gateway } from '../src/server';
import { startTestGateway } from './support/gateway';
import { connectWs } from './support/ws';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startTestGateway();
});

describe('gateway process', () => {
  it('answers /healthz and /readyz', async () => {
    const base = gateway.url.replace('/graphql', '');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', postgres: true, redis: true, draining: false });
  });

  it('never sends stack traces', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ nope }"}' });
    const body = JSON.stringify(await response.json());
    expect(body).toContain('GRAPHQL_VALIDATION_FAILED');
    expect(body).not.toContain('stacktrace');
  });

  it('closes a graphql-ws socket that brings no token with 4401', async () => {
    expect(await connectWs(gateway.url).closed).toBe(4401);
  });

  it('closes a socket with a forged token with 4403', async () => {
    expect(await connectWs(gateway.url, 'forged').closed).toBe(4403);
  });
});

describe('schema artifact', () => {
  it('schema/schema.graphql matches the code (run `npm run schema`)', async () => {
    expect(readFileSync('schema/schema.graphql', 'utf8')).toBe(await renderSchema());
  });
});
