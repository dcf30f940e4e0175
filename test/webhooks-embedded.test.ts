import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { afterAll, describe, expect, it } from 'vitest';
import { CreateWebhookEndpointDocument, OrgChangesDocument, SendInvitationDocument, SyncCursorDocument, WebhookDeliveriesDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { spawnGateway } from './support/process';
import { startWebhookReceiver, waitFor } from './support/webhook-receiver';

const dataDir = mkdtempSync(join(tmpdir(), 'orggraph-embedded-webhooks-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * Webhooks where the gateway runs on its embedded database (PGlite, one connection): pg-boss shares the gateway's
 * pool, so its queue, the leases and the deliveries all go through that one connection.
 */
describe('webhooks on the embedded database', () => {
  it('delivers a signed change to a loopback receiver, the same change orgChanges gives', { timeout: 90_000 }, async () => {
    const gateway = await spawnGateway({
      DATABASE_URL: '',
      REDIS_URL: '',
      JWT_SECRET: '',
      DATA_DIR: dataDir,
      EVENT_SWEEP_MS: '0',
      WEBHOOK_DELIVERY: 'on',
      WEBHOOK_ALLOW_PRIVATE: 'loopback',
      WEBHOOK_POLL_MS: '100',
    });
    expect(gateway.logs.some((line) => line.includes('"database":"embedded"'))).toBe(true);
    const owner = await createOrgWithOwner(new GraphQLClient(gateway.url), 'Embedded Webhooks');
    const receiver = await startWebhookReceiver();
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['INVITATION_SENT', 'MEMBER_ADDED'] } });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: 'Embedded Invitee', phone: uniquePhone() } });

    await waitFor(() => receiver.received.length >= 1, 30_000, 'the delivery');
    const [request] = receiver.received;
    const payload = new Webhook(createWebhookEndpoint.secret).verify(request!.body, request!.headers) as { type: string; data: Record<string, unknown> };
    expect(payload).toMatchObject({ type: 'INVITATION_SENT', data: { objectId: sendInvitation.invitation.id } });
    const { orgChanges } = await owner.client.ok(OrgChangesDocument, { first: 10, after: syncCursor, types: ['INVITATION_SENT'] });
    expect(payload.data).toEqual({ ...orgChanges.changes[0], orgId: owner.org.id });
    await waitFor(async () => {
      const { webhookDeliveries } = await owner.client.ok(WebhookDeliveriesDocument, { endpointId: createWebhookEndpoint.endpoint.id, first: 5 });
      return webhookDeliveries.nodes[0]?.status === 'SUCCEEDED';
    }, 15_000, 'the delivery recorded');
    expect(receiver.received).toHaveLength(1);
    expect(gateway.logs.filter((line) => line.includes('webhook queue error') || line.includes('webhook sweep failed'))).toEqual([]);
  });
});
