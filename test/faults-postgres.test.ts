import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isServiceUnavailable } from '../src/errors';
import type { Gateway } from '../src/server';
import { MemberEventsDocument, SignUpDocument, UpdateMemberDocument, ViewerDocument } from './generated/graphql';
import { errorCode, GraphQLClient, type GraphQLResult } from './support/client';
import { createOrgWithOwner, PASSWORD, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { startPrivatePostgres, type PrivatePostgres } from './support/private-postgres';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

let db: PrivatePostgres;
let gateway: Gateway;
let base: string;
beforeAll(async () => {
  db = await startPrivatePostgres();
  gateway = await startTestGateway({ databaseUrl: db.url, databaseTimeouts: { connectMs: 1000, acquireMs: 2000, statementMs: 1500 } });
  base = gateway.url.replace('/graphql', '');
});
afterAll(async () => {
  await gateway.close(); // before the database goes (hooks registered later run first anyway)
});

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

function expectUnavailable(result: GraphQLResult<unknown>): void {
  expect(errorCode(result)).toBe('SERVICE_UNAVAILABLE');
  const text = JSON.stringify(result);
  expect(text).not.toContain('stacktrace');
  expect(text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|select |insert |update /i); // nothing of the database leaks
}

describe('Postgres stops', () => {
  it('answers SERVICE_UNAVAILABLE at once and /readyz 503, then recovers without a restart when it returns', async () => {
    const client = new GraphQLClient(gateway.url);
    const owner = await createOrgWithOwner(client);
    const rename = (name: string) => owner.client.request(UpdateMemberDocument, { input: { id: owner.member.id, name } });
    const sub = subscribeTo(connectWs(gateway.url, owner.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(`Probe ${++probe}`));
    const seen = sub.results.length;

    await db.stop();

    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'unavailable', postgres: false, redis: true });
    expect((await fetch(`${base}/healthz`)).status).toBe(200); // alive: no reason to restart it

    const viewerWhileDown = await owner.client.request(ViewerDocument);
    expectUnavailable(viewerWhileDown);
    expect(viewerWhileDown.status).toBe(503); // refused before it ran: the viewer could not be loaded
    const attempts: Array<() => Promise<GraphQLResult<unknown>>> = [
      () => owner.client.request(ViewerDocument),
      () => rename('While down'),
      () => client.request(SignUpDocument, { input: { phone: uniquePhone(), name: 'Down', password: PASSWORD } }),
    ];
    for (const attempt of attempts) {
      const { result, ms } = await timed(attempt);
      expectUnavailable(result);
      expect(ms).toBeLessThan(3000);
    }
    expect(sub.ended).toBe(false); // open subscriptions wait for the database to come back

    await db.start();
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${base}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('/readyz never recovered');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await owner.client.ok(ViewerDocument)).viewer).toBeTruthy();
    expect((await rename('Back')).errors).toBeUndefined();
    const [event] = (await sub.take(seen + 1)).slice(seen);
    expect(event!.memberEvents).toMatchObject({ type: 'UPDATED', member: { name: 'Back' } });
    expect((await client.request(SignUpDocument, { input: { phone: uniquePhone(), name: 'After', password: PASSWORD } })).errors).toBeUndefined();
  });

  it('cancels a statement that runs past DATABASE_STATEMENT_TIMEOUT_MS, and the client is told the service is unavailable', async () => {
    const connection = gateway.app.orm.em.fork().getConnection();
    const { result: error, ms } = await timed(() => connection.execute('select pg_sleep(10)').then(() => null, (e: unknown) => e));
    expect(error).toBeTruthy();
    expect(isServiceUnavailable(error)).toBe(true);
    expect(ms).toBeGreaterThanOrEqual(1400);
    expect(ms).toBeLessThan(5000);
  });
});
