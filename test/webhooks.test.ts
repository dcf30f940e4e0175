import { beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import {
  AuditLogDocument,
  OrgChangesDocument,
  SyncCursorDocument,
  CreateWebhookEndpointDocument,
  DeleteWebhookEndpointDocument,
  RedeliverWebhookDocument,
  RotateWebhookSecretDocument,
  SendInvitationDocument,
  SendTestWebhookDocument,
  UpdateWebhookEndpointDocument,
  WebhookDeliveriesDocument,
  WebhookEndpointNodeDocument,
  WebhookEndpointsDocument,
} from './generated/graphql';
import { DEFAULT_WEBHOOK_RETRY_WINDOW_MS, loadConfig } from '../src/config';
import { OrgEventType } from '../src/modules/changes/org-event-type';
import { refusedAddress, urlProblem } from '../src/modules/webhooks/webhook-address';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor } from './support/limits';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';
import { startWebhookReceiver, waitFor } from './support/webhook-receiver';

let client: GraphQLClient;
beforeAll(async () => {
  const gateway = await startTestGateway({
    webhooks: {
      ...loadConfig({ NODE_ENV: 'test' }).webhooks,
      delivery: true,
      allowPrivate: 'loopback',
      timeoutMs: 1500,
      retryBaseMs: 40,
      retryMaxMs: 200,
      // Short, so an endpoint that never answers is disabled within the test.
      retryWindowMs: 1500,
      pollMs: 50,
    },
  });
  client = new GraphQLClient(gateway.url);
});

async function invite(owner: GraphQLClient, name = 'Invitee') {
  return (await owner.ok(SendInvitationDocument, { input: { name, phone: uniquePhone() } })).sendInvitation.invitation;
}

describe('configuration', () => {
  it('delivers by default, not in NODE_ENV=test unless turned on, and retries for at least a day', () => {
    expect(loadConfig({}).webhooks).toMatchObject({ delivery: true, allowPrivate: 'none' });
    expect(loadConfig({ NODE_ENV: 'test' }).webhooks.delivery).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', WEBHOOK_DELIVERY: 'on', WEBHOOK_ALLOW_PRIVATE: 'loopback' }).webhooks).toMatchObject({ delivery: true, allowPrivate: 'loopback' });
    expect(DEFAULT_WEBHOOK_RETRY_WINDOW_MS).toBeGreaterThanOrEqual(24 * 60 * 60_000);
    expect(() => loadConfig({ WEBHOOK_ALLOW_PRIVATE: 'everything' })).toThrow(/WEBHOOK_ALLOW_PRIVATE/);
  });

  it('judges addresses: public yes; loopback and private only as allowed; link-local and metadata never', () => {
    expect(refusedAddress('93.184.216.34', 'none')).toBeNull();
    expect(refusedAddress('2606:2800:220:1:248:1893:25c8:1946', 'none')).toBeNull();
    expect(refusedAddress('127.0.0.1', 'none')).toMatch(/loopback/);
    expect(refusedAddress('::1', 'none')).toMatch(/loopback/);
    expect(refusedAddress('::ffff:127.0.0.1', 'none')).toMatch(/loopback/);
    expect(refusedAddress('127.0.0.1', 'loopback')).toBeNull();
    expect(refusedAddress('10.1.2.3', 'loopback')).toMatch(/private/);
    expect(refusedAddress('192.168.1.1', 'private')).toBeNull();
    expect(refusedAddress('169.254.169.254', 'private')).toMatch(/metadata/);
    expect(refusedAddress('fe80::1', 'private')).toMatch(/link-local/);
    expect(refusedAddress('0.0.0.0', 'private')).not.toBeNull();
    expect(urlProblem('http://example.com/hook', 'none')?.key).toBe('errors.webhookUrlHttps');
    expect(urlProblem('https://user:pw@example.com/hook', 'none')?.key).toBe('errors.webhookUrlCredentials');
    expect(urlProblem('https://example.com/hook', 'none')).toBeNull();
  });
});

describe('managing endpoints', () => {
  it('creates an endpoint whose secret is shown once, lists, changes, rotates and deletes it, each audited', async () => {
    const owner = await createOrgWithOwner(client);
    const receiver = await startWebhookReceiver();
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, {
      input: { url: receiver.url, eventTypes: ['MEMBER_JOINED', 'INVITATION_SENT', 'MEMBER_JOINED'], description: ' HR sync ' },
    });
    const endpoint = createWebhookEndpoint.endpoint;
    expect(createWebhookEndpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(endpoint).toMatchObject({ url: receiver.url, description: 'HR sync', eventTypes: ['MEMBER_JOINED', 'INVITATION_SENT'], status: 'ENABLED', secretRotatedAt: null });

    const { webhookEndpoints } = await owner.client.ok(WebhookEndpointsDocument);
    expect(webhookEndpoints).toEqual([endpoint]);
    expect(JSON.stringify(webhookEndpoints)).not.toContain(createWebhookEndpoint.secret);
    expect((await owner.client.ok(WebhookEndpointNodeDocument, { id: endpoint.id })).node).toEqual({ id: endpoint.id, url: receiver.url });

    const { updateWebhookEndpoint } = await owner.client.ok(UpdateWebhookEndpointDocument, {
      input: { id: endpoint.id, eventTypes: ['INVITATION_REVOKED'], description: 'Door access', enabled: false },
    });
    expect(updateWebhookEndpoint).toMatchObject({ eventTypes: ['INVITATION_REVOKED'], description: 'Door access', status: 'DISABLED', disabledReason: 'Disabled by an admin' });
    const enabled = await owner.client.ok(UpdateWebhookEndpointDocument, { input: { id: endpoint.id, enabled: true } });
    expect(enabled.updateWebhookEndpoint).toMatchObject({ status: 'ENABLED', disabledAt: null, disabledReason: null });

    const { rotateWebhookSecret } = await owner.client.ok(RotateWebhookSecretDocument, { id: endpoint.id });
    expect(rotateWebhookSecret.secret).toMatch(/^whsec_/);
    expect(rotateWebhookSecret.secret).not.toBe(createWebhookEndpoint.secret);
    expect(rotateWebhookSecret.endpoint.secretRotatedAt).not.toBeNull();

    expect((await owner.client.ok(DeleteWebhookEndpointDocument, { id: endpoint.id })).deleteWebhookEndpoint).toBe(endpoint.id);
    expect((await owner.client.ok(WebhookEndpointsDocument)).webhookEndpoints).toEqual([]);
    expect(errorCode(await owner.client.request(DeleteWebhookEndpointDocument, { id: endpoint.id }))).toBe('NOT_FOUND');

    const audit = await owner.client.ok(AuditLogDocument, { first: 10 });
    const actions = audit.auditLog.edges.map((edge) => edge.node.action).filter((action) => action.startsWith('WEBHOOK_ENDPOINT_'));
    expect(actions).toEqual(['WEBHOOK_ENDPOINT_DELETE', 'WEBHOOK_ENDPOINT_ROTATE_SECRET', 'WEBHOOK_ENDPOINT_UPDATE', 'WEBHOOK_ENDPOINT_UPDATE', 'WEBHOOK_ENDPOINT_CREATE']);
  });

  it('refuses bad URLs, addresses, event types and descriptions with BAD_USER_INPUT naming the field', async () => {
    const owner = await createOrgWithOwner(client);
    const attempts = [
      { url: 'not a url', eventTypes: ['MEMBER_JOINED'] },
      { url: 'ftp://127.0.0.1/hook', eventTypes: ['MEMBER_JOINED'] },
      { url: 'https://169.254.169.254/latest/meta-data', eventTypes: ['MEMBER_JOINED'] },
      { url: 'https://10.0.0.7/hook', eventTypes: ['MEMBER_JOINED'] },
      { url: 'http://93.184.216.34/hook', eventTypes: ['MEMBER_JOINED'] },
      { url: 'https://127.0.0.1/hook', eventTypes: [] },
      { url: 'https://127.0.0.1/hook', eventTypes: ['MEMBER_JOINED'], description: 'x'.repeat(501) },
    ] as const;
    const results = await Promise.all(attempts.map((input) => owner.client.request(CreateWebhookEndpointDocument, { input: { ...input, eventTypes: [...input.eventTypes] } })));
    expect(results.map(errorCode)).toEqual(Array(attempts.length).fill('BAD_USER_INPUT'));
    expect(results.map((result) => result.errors![0]!.extensions!.field)).toEqual(['url', 'url', 'url', 'url', 'url', 'eventTypes', 'description']);
    expect(results[2]!.errors![0]!.message).toMatch(/metadata/);
    const unknownType = await owner.client.request(CreateWebhookEndpointDocument, { input: { url: 'https://127.0.0.1/', eventTypes: ['MEMBER_ADOPTED' as 'MEMBER_JOINED'] } });
    expect(errorCode(unknownType)).toBe('BAD_USER_INPUT');
    expect((await owner.client.ok(WebhookEndpointsDocument)).webhookEndpoints).toEqual([]);
  });

  it('is for OWNER and ADMIN, and API clients holding webhooks:manage: not sub-admins, members or other clients', async () => {
    const owner = await createOrgWithOwner(client);
    const input = { url: 'https://127.0.0.1/hook', eventTypes: ['MEMBER_JOINED' as const] };
    const admin = await seedActiveMember(client, owner.org.id, { role: 'ADMIN' });
    const subAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [owner.org.rootDepartment.id] });
    const member = await seedActiveMember(client, owner.org.id);
    const { createWebhookEndpoint } = await admin.client.ok(CreateWebhookEndpointDocument, { input });
    for (const refused of [subAdmin.client, member.client]) {
      expect(errorCode(await refused.request(CreateWebhookEndpointDocument, { input }))).toBe('FORBIDDEN');
      expect(errorCode(await refused.request(WebhookEndpointsDocument))).toBe('FORBIDDEN');
      expect(errorCode(await refused.request(RotateWebhookSecretDocument, { id: createWebhookEndpoint.endpoint.id }))).toBe('FORBIDDEN');
      expect(errorCode(await refused.request(DeleteWebhookEndpointDocument, { id: createWebhookEndpoint.endpoint.id }))).toBe('FORBIDDEN');
      expect(errorCode(await refused.request(WebhookEndpointNodeDocument, { id: createWebhookEndpoint.endpoint.id }))).toBe('NOT_FOUND');
    }
    expect(errorCode(await client.request(WebhookEndpointsDocument))).toBe('UNAUTHENTICATED');

    const reader = await apiClientFor(owner.client, ['members:read']);
    const refusal = await reader.partner.request(CreateWebhookEndpointDocument, { input });
    expect(errorCode(refusal)).toBe('FORBIDDEN');
    expect(refusal.errors![0]!.message).toMatch(/webhooks:manage/);
    expect(errorCode(await reader.partner.request(WebhookEndpointsDocument))).toBe('FORBIDDEN');

    const manager = await apiClientFor(owner.client, ['webhooks:manage']);
    const created = await manager.partner.ok(CreateWebhookEndpointDocument, { input });
    expect((await manager.partner.ok(WebhookEndpointsDocument)).webhookEndpoints.map((e) => e.id)).toEqual([createWebhookEndpoint.endpoint.id, created.createWebhookEndpoint.endpoint.id]);
    const [entry] = await sql<{ actor_api_client_id: string }>(`select actor_api_client_id from audit_entries where action = 'webhookEndpoint.create' and target_id = $1`, [
      rawIdOf(created.createWebhookEndpoint.endpoint.id),
    ]);
    expect(entry!.actor_api_client_id).toBe(rawIdOf(manager.id));
  });
});

describe('deliveries', () => {
  it('takes every OrgEventType as an endpoint\'s event types', async () => {
    const owner = await createOrgWithOwner(client);
    const all = Object.values(OrgEventType);
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: 'http://127.0.0.1:9/', eventTypes: all } });
    expect([...createWebhookEndpoint.endpoint.eventTypes].sort()).toEqual([...all].sort());
  });

  it('POSTs each event once, signed (verifiable with the standardwebhooks library), with every attempt recorded', async () => {
    const owner = await createOrgWithOwner(client);
    const receiver = await startWebhookReceiver();
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['INVITATION_SENT'] } });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const invitation = await invite(owner.client, 'Li Lei');
    await waitFor(() => receiver.received.length >= 1, 10_000, 'the delivery');
    const [request] = receiver.received;
    const payload = new Webhook(createWebhookEndpoint.secret).verify(request!.body, request!.headers) as { type: string; timestamp: string; data: Record<string, unknown> };
    expect(payload.type).toBe('INVITATION_SENT');
    // `data` is the change as orgChanges gives it (one shared builder), with the org beside it.
    const { orgChanges } = await owner.client.ok(OrgChangesDocument, { first: 10, after: syncCursor, types: ['INVITATION_SENT'] });
    expect(payload.data).toEqual({ ...orgChanges.changes[0], orgId: owner.org.id });
    expect(payload.data).toMatchObject({ objectType: 'Invitation', objectId: invitation.id, type: 'INVITATION_SENT' });
    expect(payload.timestamp).toBe(payload.data.occurredAt);
    expect(request!.headers['webhook-id']).toBe(`evt_${rawIdOf(owner.org.id).replace(/-/g, '')}_${String(payload.data.id)}`);
    expect(Math.abs(Number(request!.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
    expect(() => new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(request!.body, request!.headers)).toThrow();

    await waitFor(async () => {
      const page = await owner.client.ok(WebhookDeliveriesDocument, { endpointId: createWebhookEndpoint.endpoint.id, first: 10 });
      return page.webhookDeliveries.nodes[0]?.status === 'SUCCEEDED';
    });
    const { webhookDeliveries } = await owner.client.ok(WebhookDeliveriesDocument, { endpointId: createWebhookEndpoint.endpoint.id, first: 10, filter: { status: 'SUCCEEDED' } });
    expect(webhookDeliveries.totalCount).toBe(1);
    expect(webhookDeliveries.nodes[0]).toMatchObject({ messageId: request!.headers['webhook-id'], eventType: 'INVITATION_SENT', manual: false, attemptCount: 1 });
    expect(webhookDeliveries.nodes[0]!.attempts).toEqual([expect.objectContaining({ succeeded: true, responseStatus: 204, error: null })]);
    const pending = await owner.client.ok(WebhookDeliveriesDocument, { endpointId: createWebhookEndpoint.endpoint.id, first: 10, filter: { status: 'PENDING' } });
    expect(pending.webhookDeliveries.totalCount).toBe(0);
    // Only the types asked for: a revoked invitation is not sent.
    expect(receiver.received).toHaveLength(1);
  });

  it('delivers a backlog larger than one scan of the log, every event once and in order', async () => {
    const owner = await createOrgWithOwner(client);
    const receiver = await startWebhookReceiver();
    await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['MEMBER_UPDATED'] } });
    const org = rawIdOf(owner.org.id);
    // 450 events committed at once, as `recordEvent` appends them, among events of a type the endpoint does not take.
    await sql(
      `with ids as (update orgs set last_event_id = last_event_id + 900 where id = $1 returning last_event_id - 900 as base)
       insert into org_events (org_id, id, topic, type, payload, department_ids)
       select $1, ids.base + g, 'MEMBER', case when g % 2 = 0 then 'UPDATED' else 'REMOVED' end, jsonb_build_object('memberId', $2::text), '[]'::jsonb
         from ids, generate_series(1, 900) g`,
      [org, rawIdOf(owner.member.id)],
    );
    await waitFor(() => receiver.received.length >= 450, 110_000, 'the backlog');
    const sequences = receiver.received.map((r) => (JSON.parse(r.body) as { type: string; data: { id: string } }));
    expect(new Set(sequences.map((s) => s.type))).toEqual(new Set(['MEMBER_UPDATED']));
    const numbers = sequences.map((s) => Number(s.data.id));
    expect(numbers).toHaveLength(450);
    expect(numbers.every((n, i) => i === 0 || n === numbers[i - 1]! + 2)).toBe(true);
  }, 120_000);

  it('sends tests and redeliveries at once with the same webhook-id; after a rotation both secrets sign for a while', async () => {
    const owner = await createOrgWithOwner(client);
    const receiver = await startWebhookReceiver();
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['INVITATION_SENT'] } });
    const endpointId = createWebhookEndpoint.endpoint.id;
    const { sendTestWebhook } = await owner.client.ok(SendTestWebhookDocument, { endpointId });
    expect(sendTestWebhook).toMatchObject({ eventType: 'WEBHOOK_TEST', manual: true, status: 'SUCCEEDED', attemptCount: 1 });
    expect(receiver.received).toHaveLength(1);
    expect((new Webhook(createWebhookEndpoint.secret).verify(receiver.received[0]!.body, receiver.received[0]!.headers) as { type: string }).type).toBe('WEBHOOK_TEST');

    const { rotateWebhookSecret } = await owner.client.ok(RotateWebhookSecretDocument, { id: endpointId });
    await invite(owner.client);
    await waitFor(() => receiver.received.length >= 2, 10_000, 'the event');
    const event = receiver.received[1]!;
    expect(event.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    new Webhook(rotateWebhookSecret.secret).verify(event.body, event.headers);
    new Webhook(createWebhookEndpoint.secret).verify(event.body, event.headers);

    await waitFor(async () => (await owner.client.ok(WebhookDeliveriesDocument, { endpointId, first: 10, filter: { status: 'SUCCEEDED' } })).webhookDeliveries.totalCount === 2);
    const { webhookDeliveries } = await owner.client.ok(WebhookDeliveriesDocument, { endpointId, first: 1 });
    const original = webhookDeliveries.nodes[0]!;
    expect(original.eventType).toBe('INVITATION_SENT');
    const { redeliverWebhook } = await owner.client.ok(RedeliverWebhookDocument, { deliveryId: original.id });
    expect(redeliverWebhook).toMatchObject({ messageId: original.messageId, manual: true, status: 'SUCCEEDED' });
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received[2]!.headers['webhook-id']).toBe(original.messageId);
    expect(receiver.received[2]!.body).toBe(event.body);

    // Pages, newest first.
    const first = await owner.client.ok(WebhookDeliveriesDocument, { endpointId, first: 2 });
    expect(first.webhookDeliveries.pageInfo.hasNextPage).toBe(true);
    const next = await owner.client.ok(WebhookDeliveriesDocument, { endpointId, first: 2, after: first.webhookDeliveries.pageInfo.endCursor });
    expect(next.webhookDeliveries.nodes.map((d) => d.eventType)).toEqual(['WEBHOOK_TEST']);
  });

  it('follows no redirect, reads a bounded part of the answer, and gives up on a slow receiver at the timeout', async () => {
    const owner = await createOrgWithOwner(client);
    let mode: 'redirect' | 'big' | 'slow' = 'redirect';
    const receiver = await startWebhookReceiver((_request, res) => {
      if (mode === 'redirect') {
        res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
        return 'handled';
      }
      if (mode === 'big') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('y'.repeat(1_000_000));
        return 'handled';
      }
      setTimeout(() => res.writeHead(200).end('late'), 5_000).unref();
      return 'handled';
    });
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['INVITATION_SENT'] } });
    const endpointId = createWebhookEndpoint.endpoint.id;
    const redirected = (await owner.client.ok(SendTestWebhookDocument, { endpointId })).sendTestWebhook;
    expect(redirected.status).toBe('FAILED');
    expect(redirected.attempts[0]).toMatchObject({ succeeded: false, responseStatus: 302 });
    expect(redirected.attempts[0]!.error).toMatch(/redirect .* not followed/);
    expect(receiver.received).toHaveLength(1);

    mode = 'big';
    const big = (await owner.client.ok(SendTestWebhookDocument, { endpointId })).sendTestWebhook;
    expect(big.status).toBe('SUCCEEDED');
    expect(big.attempts[0]!.responseBody).toBe('y'.repeat(1024));

    mode = 'slow';
    const started = Date.now();
    const slow = (await owner.client.ok(SendTestWebhookDocument, { endpointId })).sendTestWebhook;
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(slow.attempts[0]).toMatchObject({ succeeded: false, responseStatus: null });
    expect(slow.attempts[0]!.error).toMatch(/timed out after 1500 ms/);
  });

  it('retries a failing endpoint with backoff, then after the retry window disables it and tells the admins; enabling it resumes in order', async () => {
    const owner = await createOrgWithOwner(client);
    // An admin who reads Japanese is told in Japanese.
    const admin = await seedActiveMember(client, owner.org.id, { role: 'ADMIN' });
    await sql(`update users set locale = 'ja' where id = $1`, [admin.userId]);
    let up = false;
    const receiver = await startWebhookReceiver(() => (up ? 204 : 500));
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['INVITATION_SENT'] } });
    const endpointId = createWebhookEndpoint.endpoint.id;
    await invite(owner.client, 'First');
    await invite(owner.client, 'Second');
    await waitFor(async () => (await owner.client.ok(WebhookEndpointsDocument)).webhookEndpoints[0]!.status === 'DISABLED', 15_000, 'the endpoint disabled');

    const { webhookEndpoints } = await owner.client.ok(WebhookEndpointsDocument);
    expect(webhookEndpoints[0]!.disabledReason).toMatch(/INVITATION_SENT event evt_.* failed for the whole retry window/);
    const { webhookDeliveries } = await owner.client.ok(WebhookDeliveriesDocument, { endpointId, first: 10 });
    const first = webhookDeliveries.nodes.find((delivery) => delivery.status === 'FAILED');
    expect(first).toBeDefined();
    expect(first!.attemptCount).toBeGreaterThan(2);
    expect(first!.attempts.every((attempt) => !attempt.succeeded && attempt.responseStatus === 500 && attempt.responseBody === 'receiver failed')).toBe(true);
    // In order: the second event waited for the first and was never sent.
    expect(webhookDeliveries.nodes.filter((delivery) => delivery !== first).every((delivery) => delivery.attemptCount === 0)).toBe(true);
    expect(new Set(receiver.received.map((r) => r.headers['webhook-id']))).toEqual(new Set([first!.messageId]));
    const gaps = first!.attempts.slice(1).map((attempt, i) => Date.parse(attempt.attemptedAt) - Date.parse(first!.attempts[i]!.attemptedAt));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(20);

    const notified = await sql<{ title: string }>(
      `select n.title from notifications n join notification_deliveries d on d.notification_id = n.id
        where n.org_id = $1 and n.kind = 'WEBHOOK_DISABLED' and d.recipient_id = $2`,
      [rawIdOf(owner.org.id), rawIdOf(owner.member.id)],
    );
    expect(notified.map((n) => n.title)).toEqual(['A webhook endpoint was disabled']);
    const toAdmin = await sql<{ title: string; body: string }>(
      `select n.title, n.body from notifications n join notification_deliveries d on d.notification_id = n.id
        where n.org_id = $1 and n.kind = 'WEBHOOK_DISABLED' and d.recipient_id = $2`,
      [rawIdOf(owner.org.id), rawIdOf(admin.memberId)],
    );
    expect(toAdmin).toEqual([{ title: 'Webhook エンドポイントが無効になりました', body: expect.stringContaining(`${receiver.url} への配信に失敗`) }]);

    up = true;
    await owner.client.ok(UpdateWebhookEndpointDocument, { input: { id: endpointId, enabled: true } });
    await invite(owner.client, 'Third');
    await waitFor(async () => (await owner.client.ok(WebhookDeliveriesDocument, { endpointId, first: 10, filter: { status: 'SUCCEEDED' } })).webhookDeliveries.totalCount === 2);
    const succeeded = receiver.received.filter((r) => r.status === 204).map((r) => Number((JSON.parse(r.body) as { data: { id: string } }).data.id));
    expect(succeeded).toEqual([...succeeded].sort((a, b) => a - b));
    expect(succeeded).toHaveLength(2);
  });
});
