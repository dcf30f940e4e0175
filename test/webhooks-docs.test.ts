import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateWebhookEndpointDocument, RedeliverWebhookDocument, SendInvitationDocument, UpdateWebhookEndpointDocument, WebhookDeliveriesDocument } from './generated/graphql';
import { loadConfig } from '../src/config';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { waitFor } from './support/webhook-receiver';

const EXAMPLE = join(__dirname, '..', 'docs', 'examples', 'webhook-receiver.mjs');

let client: GraphQLClient;
beforeAll(async () => {
  const gateway = await startTestGateway({
    webhooks: { ...loadConfig({ NODE_ENV: 'test' }).webhooks, delivery: true, allowPrivate: 'loopback', pollMs: 50, retryBaseMs: 50 },
  });
  client = new GraphQLClient(gateway.url);
});

describe('docs/partners-webhooks.md', () => {
  it('shows the example receiver as it is in docs/examples, in at most 30 lines', () => {
    const example = readFileSync(EXAMPLE, 'utf8');
    expect(readFileSync(join(__dirname, '..', 'docs', 'partners-webhooks.md'), 'utf8')).toContain(`\`\`\`js\n${example}\`\`\``);
    expect(example.trimEnd().split('\n').length).toBeLessThanOrEqual(30);
  });

  it('the example receiver verifies, dedupes and applies what a gateway delivers', async () => {
    const owner = await createOrgWithOwner(client);
    // The secret is known only once the endpoint exists: create it for a placeholder URL, then point it at the receiver.
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: 'http://127.0.0.1:9/', eventTypes: ['INVITATION_SENT'] } });
    const child = spawn(process.execPath, [EXAMPLE], { env: { ...process.env, PORT: '0', WEBHOOK_SECRET: createWebhookEndpoint.secret }, stdio: ['ignore', 'pipe', 'inherit'] });
    afterAll(() => void child.kill());
    const lines: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
    await waitFor(() => lines.some((line) => line.startsWith('listening ')), 10_000, 'the receiver');
    const port = Number(lines[0]!.split(' ')[1]);
    const url = `http://127.0.0.1:${port}/`;
    await owner.client.ok(UpdateWebhookEndpointDocument, { input: { id: createWebhookEndpoint.endpoint.id, url } });

    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: 'Zhang Wei', phone: uniquePhone() } });
    await waitFor(() => lines.length >= 2, 10_000, 'the event applied');
    const applied = JSON.parse(lines[1]!) as { id: string; type: string; cursor: string; data: { objectId: string } };
    expect(applied).toMatchObject({ type: 'INVITATION_SENT', data: { objectType: 'Invitation', objectId: sendInvitation.invitation.id } });
    expect(applied.id).toMatch(new RegExp(`_${applied.cursor}$`));

    // A redelivery carries the same webhook-id: answered 2xx, not applied twice.
    const { webhookDeliveries } = await owner.client.ok(WebhookDeliveriesDocument, { endpointId: createWebhookEndpoint.endpoint.id, first: 1 });
    const { redeliverWebhook } = await owner.client.ok(RedeliverWebhookDocument, { deliveryId: webhookDeliveries.nodes[0]!.id });
    expect(redeliverWebhook.status).toBe('SUCCEEDED');
    expect(lines).toHaveLength(2);

    // Unsigned or forged requests are refused.
    const forged = await fetch(url, { method: 'POST', headers: { 'webhook-id': 'evt_x', 'webhook-timestamp': String(Math.floor(Date.now() / 1000)), 'webhook-signature': 'v1,AAAA' }, body: '{}' });
    expect(forged.status).toBe(400);
    expect(lines).toHaveLength(2);
  });
});
