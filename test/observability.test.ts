import { Writable } from 'node:stream';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import type { Gateway } from '../src/server';
import { ensureExplorerAssets } from '../scripts/explorer-bundle';
import { AddMemberDocument, InvitationEventsDocument, ViewerDocument } from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo, waitUntil } from './support/subscriptions';
import { connectWs } from './support/ws';

/** Every line the gateway logs, parsed (pino writes one JSON object per line). */
const logLines: Array<Record<string, unknown>> = [];
const captured = new Writable({
  write(chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) logLines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one series with exactly these labels (0 when it does not exist yet). */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const keys = Object.keys(labels);
  const found = samples.filter(
    (sample) => sample.name === name && Object.keys(sample.labels).length === keys.length && keys.every((key) => sample.labels[key] === labels[key]),
  );
  if (found.length > 1) throw new Error(`${found.length} series of ${name} match ${JSON.stringify(labels)}`);
  return found[0]?.value ?? 0;
}

let gateway: Gateway;
let client: GraphQLClient;
const origin = () => gateway.url.replace(/\/graphql$/, '');

async function scrape(headers: Record<string, string> = {}, target: Gateway = gateway): Promise<Sample[]> {
  const response = await fetch(`${target.url.replace(/\/graphql$/, '')}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  return parseMetrics(await response.text());
}

beforeAll(async () => {
  gateway = await startTestGateway({ eventSweepMs: 0 }, pino({ level: 'info' }, captured));
  client = new GraphQLClient(gateway.url);
});

describe('GET /metrics', () => {
  it('counts operations by name, type and outcome, with their latency and SQL statements', async () => {
    const owner = await createOrgWithOwner(client);
    const before = await scrape();

    for (let i = 0; i < 3; i++) await owner.client.ok(ViewerDocument);
    const refused = await client.request(ViewerDocument); // no token
    const refusal = errorCode(refused);
    expect(refusal).toBeDefined();
    await owner.client.ok(AddMemberDocument, { input: { name: 'Counted', phone: uniquePhone() } });

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);
    expect(delta('orggraph_graphql_operations_total', { operation: 'Viewer', type: 'query', outcome: 'ok' })).toBe(3);
    expect(delta('orggraph_graphql_operations_total', { operation: 'Viewer', type: 'query', outcome: refusal! })).toBe(1);
    expect(delta('orggraph_graphql_operations_total', { operation: 'AddMember', type: 'mutation', outcome: 'ok' })).toBe(1);
    expect(delta('orggraph_graphql_operation_duration_seconds_count', { operation: 'Viewer', type: 'query' })).toBe(4);
    expect(delta('orggraph_graphql_operation_duration_seconds_sum', { operation: 'Viewer', type: 'query' })).toBeGreaterThan(0);
    // The three answered Viewers ran SQL (the viewer, orgs, membership); the refused one none.
    expect(delta('orggraph_graphql_operation_sql_statements_count', { operation: 'Viewer', type: 'query' })).toBe(4);
    expect(delta('orggraph_graphql_operation_sql_statements_sum', { operation: 'Viewer', type: 'query' })).toBeGreaterThanOrEqual(3 * 2);
    expect(delta('orggraph_graphql_operation_sql_statements_bucket', { operation: 'Viewer', type: 'query', le: '0' })).toBe(1);
    // addMember's invitation event went to Redis; its SMS waits in the outbox (no dispatcher in tests).
    expect(delta('orggraph_events_published_total', { topic: 'INVITATION' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(after, 'orggraph_outbox_pending_messages')).toBeGreaterThanOrEqual(1);
    expect(valueOf(after, 'orggraph_outbox_oldest_pending_seconds')).toBeGreaterThanOrEqual(0);
    // Node process metrics come along.
    expect(after.some((sample) => sample.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect(after.some((sample) => sample.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
  });

  it('shows open sockets and running subscriptions, and counts the events delivered to them', async () => {
    const owner = await createOrgWithOwner(client);
    const before = await scrape();
    const { client: ws } = connectWs(gateway.url, owner.client.token);
    const events = subscribeTo(ws, InvitationEventsDocument, {});
    await events.untilLive(() => owner.client.ok(AddMemberDocument, { input: { name: 'Live', phone: uniquePhone() } }));

    const open = await scrape();
    expect(valueOf(open, 'orggraph_websocket_connections')).toBeGreaterThanOrEqual(1);
    expect(valueOf(open, 'orggraph_subscriptions_active', { subscription: 'invitationEvents' })).toBe(valueOf(before, 'orggraph_subscriptions_active', { subscription: 'invitationEvents' }) + 1);
    expect(valueOf(open, 'orggraph_graphql_operations_total', { operation: 'InvitationEvents', type: 'subscription', outcome: 'ok' })).toBe(
      valueOf(before, 'orggraph_graphql_operations_total', { operation: 'InvitationEvents', type: 'subscription', outcome: 'ok' }) + 1,
    );
    const delivered = (samples: Sample[]) => valueOf(samples, 'orggraph_events_delivered_total', { subscription: 'invitationEvents' });
    expect(delivered(open) - delivered(before)).toBe(events.results.length);

    events.dispose();
    await waitUntil(() => logLines.some((line) => line.msg === 'subscription ended' && line.subscription === 'invitationEvents'), 'the subscription to end');
    const closed = await scrape();
    expect(valueOf(closed, 'orggraph_subscriptions_active', { subscription: 'invitationEvents' })).toBe(valueOf(before, 'orggraph_subscriptions_active', { subscription: 'invitationEvents' }));
  });

  it('reads the invitation expiry backlog on scrape', async () => {
    const owner = await createOrgWithOwner(client);
    const { addMember } = await owner.client.ok(AddMemberDocument, { input: { name: 'Overdue', phone: uniquePhone() } });
    await sql(`update invitations set expires_at = now() - interval '1 minute' where member_id = $1`, [rawIdOf(addMember.id)]);
    expect(valueOf(await scrape(), 'orggraph_invitations_due_for_expiry')).toBeGreaterThanOrEqual(1);
  });
});

describe('request ids and operation logs', () => {
  it("echoes the caller's x-request-id, or one of its own, and logs each operation with it", async () => {
    const owner = await createOrgWithOwner(client);
    const requestId = `test-${Date.now()}`;
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.client.token}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: 'query MyOrg { viewer { org { id } } }', operationName: 'MyOrg' }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-request-id')).toBe(requestId);

    await waitUntil(() => logLines.some((line) => line.requestId === requestId), 'the log line');
    const line = logLines.find((entry) => entry.requestId === requestId && entry.msg === 'graphql operation')!;
    expect(line).toMatchObject({
      level: 30,
      operation: 'MyOrg',
      operationType: 'query',
      userId: rawIdOf(owner.user.id),
      orgId: rawIdOf(owner.org.id),
      outcome: 'ok',
    });
    expect(line.durationMs).toEqual(expect.any(Number));
    expect(line.sqlStatements).toBeGreaterThan(0);

    const generated = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    // Not a plain id (spaces, too long): replaced rather than logged as given.
    const odd = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'a b'.repeat(60) }, body: '{"query":"{ __typename }"}' });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs a refused operation with its error code, and a subscription with its user and org', async () => {
    const owner = await createOrgWithOwner(client);
    const requestId = `refused-${Date.now()}`;
    await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify({ query: 'query NoToken { viewer { user { id } } }' }),
    });
    await waitUntil(() => logLines.some((line) => line.requestId === requestId), 'the log line');
    expect(logLines.find((line) => line.requestId === requestId)).toMatchObject({ operation: 'NoToken', outcome: 'UNAUTHENTICATED' });

    const { client: ws } = connectWs(gateway.url, owner.client.token);
    const events = subscribeTo(ws, InvitationEventsDocument, {});
    const isMine = (line: Record<string, unknown>) => line.operation === 'InvitationEvents' && line.orgId === rawIdOf(owner.org.id);
    await waitUntil(() => logLines.some((line) => isMine(line) && line.msg === 'graphql operation'), 'the subscription log line');
    expect(logLines.find((line) => isMine(line) && line.msg === 'graphql operation')).toMatchObject({
      operationType: 'subscription',
      userId: rawIdOf(owner.user.id),
      outcome: 'ok',
      transport: 'ws',
      requestId: expect.any(String),
    });
    events.dispose();
  });
});

describe('METRICS and METRICS_TOKEN', () => {
  it('asks for the bearer token when one is configured', async () => {
    const guarded = await startTestGateway({ metricsToken: 'scrape-secret' });
    const url = guarded.url.replace(/\/graphql$/, '/metrics');
    expect((await fetch(url)).status).toBe(401);
    expect((await fetch(url, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    const samples = await scrape({ authorization: 'Bearer scrape-secret' }, guarded);
    expect(samples.some((sample) => sample.name === 'orggraph_websocket_connections')).toBe(true);
  });

  it('serves no /metrics when off', async () => {
    const off = await startTestGateway({ metrics: false });
    expect((await fetch(off.url.replace(/\/graphql$/, '/metrics'))).status).toBe(404);
    expect(loadConfig({ METRICS: 'off', JWT_SECRET: 'x' }).metrics).toBe(false);
    expect(loadConfig({ JWT_SECRET: 'x' }).metrics).toBe(true);
    expect(() => loadConfig({ METRICS: 'maybe', JWT_SECRET: 'x' })).toThrow(/METRICS must be on or off/);
  });
});

describe('GraphiQL explorer', () => {
  beforeAll(() => ensureExplorerAssets(), 120_000);

  it('answers a browser at GET /graphql with a page whose script and styles all come from the gateway', async () => {
    const response = await fetch(gateway.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await response.text();
    expect(html).toContain('<div id="graphiql">');
    expect(html).not.toMatch(/(https?:)?\/\/[a-z0-9]/i); // nothing from a CDN, not even protocol-relative

    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!).filter((link) => !link.startsWith('data:'));
    expect(assets.some((asset) => asset.endsWith('.js'))).toBe(true);
    expect(assets.some((asset) => asset.endsWith('.css'))).toBe(true);
    for (const asset of assets) {
      const file = await fetch(new URL(asset, gateway.url));
      expect(file.status, asset).toBe(200);
      expect(file.headers.get('content-type'), asset).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect(file.headers.get('content-encoding'), asset).toBe('gzip'); // fetch asks for it, and unpacks it
      expect((await file.arrayBuffer()).byteLength, asset).toBeGreaterThan(10_000);
    }
    expect((await fetch(`${origin()}/graphiql/..%2Fmanifest.json`)).status).toBe(404);
    expect((await fetch(`${origin()}/graphiql/manifest.json`)).status).toBe(404);
  });

  it('leaves GET with a query to GraphQL over HTTP', async () => {
    const response = await fetch(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: 'text/html, application/json', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ data: { __typename: 'Query' } });
  });

  it('is off in production unless GRAPHIQL=on, and then serves neither page nor files', async () => {
    const production = { NODE_ENV: 'production', JWT_SECRET: 'x', DATABASE_URL: 'postgres://db/orggraph', REDIS_URL: 'redis://redis', SMS_ALLOW_LOG: 'true' };
    expect(loadConfig(production).graphiql).toBe(false);
    expect(loadConfig({ ...production, GRAPHIQL: 'on' }).graphiql).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'x' }).graphiql).toBe(true);
    expect(loadConfig({ JWT_SECRET: 'x', GRAPHIQL: 'off' }).graphiql).toBe(false);

    const page = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    const script = /src="graphiql\/([^"]+)"/.exec(await page.text())![1]!;
    const off = await startTestGateway({ graphiql: false });
    const refused = await fetch(off.url, { headers: { accept: 'text/html' } });
    expect(refused.headers.get('content-type')).not.toMatch(/text\/html/);
    expect(await refused.text()).not.toContain('graphiql');
    expect((await fetch(off.url.replace(/\/graphql$/, `/graphiql/${script}`))).status).toBe(404);
  });
});
