import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { CreateWebhookEndpointDocument, SendInvitationDocument, WebhookDeliveriesDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { orgEvents } from './support/invitations';
import { spawnGateway } from './support/process';
import { startWebhookReceiver, waitFor } from './support/webhook-receiver';

const EVENTS = 40;

describe('delivery by two gateway instances to a flaky receiver', () => {
  it('leaves the receiver holding every event exactly once after dedupe, in order, after 30% failures and an outage', async () => {
    const env = {
      WEBHOOK_DELIVERY: 'on',
      WEBHOOK_ALLOW_PRIVATE: 'loopback',
      WEBHOOK_TIMEOUT_MS: '1000',
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '300',
      WEBHOOK_POLL_MS: '50',
      WEBHOOK_CONCURRENCY: '4',
    };
    const [a, b] = await Promise.all([spawnGateway(env), spawnGateway(env)]);
    const clients = [new GraphQLClient(a.url), new GraphQLClient(b.url)];
    const owner = await createOrgWithOwner(clients[0]!);
    const owners = clients.map((c) => c.as(owner.client.token));

    let secret = '';
    let down = false;
    /** What the receiver processed, by `webhook-id`, in the order it first did; and how often it answered 2xx for each. */
    const held: string[] = [];
    const sequences: number[] = [];
    const acknowledged = new Map<string, number>();
    let failures = 0;
    const receiver = await startWebhookReceiver((request, res) => {
      if (down) {
        res.socket?.destroy(); // as a host that is gone
        return 'handled';
      }
      const payload = new Webhook(secret).verify(request.body, request.headers) as { data: { id: string } };
      const roll = Math.random();
      if (roll < 0.15) {
        failures++;
        return 503; // refused before processing
      }
      const id = request.headers['webhook-id']!;
      if (!held.includes(id)) {
        held.push(id);
        sequences.push(Number(payload.data.id));
      }
      if (roll < 0.3) {
        failures++;
        return 500; // processed, then failed to answer well: an unknown outcome for the sender
      }
      acknowledged.set(id, (acknowledged.get(id) ?? 0) + 1);
      return 200;
    });

    const { createWebhookEndpoint } = await owners[0]!.ok(CreateWebhookEndpointDocument, {
      input: { url: receiver.url, eventTypes: ['INVITATION_SENT', 'INVITATION_REVOKED'] },
    });
    secret = createWebhookEndpoint.secret;

    for (let i = 0; i < EVENTS; i++) {
      if (i === 15) down = true;
      if (i === 15) setTimeout(() => (down = false), 1500);
      await owners[i % 2]!.ok(SendInvitationDocument, { input: { name: `Invitee ${i}`, phone: uniquePhone() } });
    }
    await waitFor(() => acknowledged.size === EVENTS, 60_000, `all ${EVENTS} events acknowledged (${acknowledged.size} so far)`);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more comes

    const logged = (await orgEvents(owner.org.id, 'INVITATION')).filter((e) => e.type === 'SENT');
    expect(logged).toHaveLength(EVENTS);
    expect(sequences).toEqual(logged.map((e) => Number(e.id)).sort((x, y) => x - y));
    expect(held).toHaveLength(EVENTS);
    // Never sent again once acknowledged: retries only followed failures.
    expect([...acknowledged.values()].every((count) => count === 1)).toBe(true);
    expect(failures).toBeGreaterThan(3);
    expect(receiver.received.length).toBeGreaterThan(EVENTS);
  }, 120_000);
});

describe('a gateway killed mid-delivery', () => {
  it('leaves the delivery to another instance: every event arrives, in order, exactly once after dedupe', async () => {
    const env = {
      WEBHOOK_DELIVERY: 'on',
      WEBHOOK_ALLOW_PRIVATE: 'loopback',
      WEBHOOK_TIMEOUT_MS: '500', // a lease of 6 s: what the second instance waits out
      WEBHOOK_RETRY_BASE_MS: '20',
      WEBHOOK_RETRY_MAX_MS: '300',
      WEBHOOK_POLL_MS: '50',
    };
    const a = await spawnGateway(env);
    const owner = await createOrgWithOwner(new GraphQLClient(a.url));
    let secret = '';
    let b: Awaited<ReturnType<typeof spawnGateway>> | null = null;
    let killedDuring: string | null = null;
    const held: string[] = [];
    const sequences: number[] = [];
    const receiver = await startWebhookReceiver(async (request) => {
      const payload = new Webhook(secret).verify(request.body, request.headers) as { data: { id: string } };
      const id = request.headers['webhook-id']!;
      // A few events in, the first instance is kept retrying (refused before processing) until the second is up...
      if (!b && held.length >= 5) return 503;
      if (!held.includes(id)) {
        held.push(id);
        sequences.push(Number(payload.data.id));
      }
      // ...then killed while this request (its delivery) is in flight.
      if (b && killedDuring === null) {
        killedDuring = id;
        a.child.kill('SIGKILL');
        await a.exited;
      }
      return 204;
    });
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: ['INVITATION_SENT'] } });
    secret = createWebhookEndpoint.secret;
    for (let i = 0; i < 30; i++) await owner.client.ok(SendInvitationDocument, { input: { name: `Invitee ${i}`, phone: uniquePhone() } });
    await waitFor(() => held.length >= 1, 10_000, 'the first delivery');
    b = await spawnGateway(env);

    await waitFor(() => held.length === 30, 50_000, `all 30 events held (${held.length} so far)`);
    await new Promise((resolve) => setTimeout(resolve, 500)); // nothing more comes
    expect(killedDuring).not.toBeNull();
    expect(await a.exited).toBeNull(); // killed, not exited
    const logged = (await orgEvents(owner.org.id, 'INVITATION')).filter((e) => e.type === 'SENT');
    expect(sequences).toEqual(logged.map((e) => Number(e.id)).sort((x, y) => x - y));
    // The one in flight when the first instance died had an unknown outcome: sent again (and dropped by its id).
    expect(receiver.received.filter((r) => r.headers['webhook-id'] === killedDuring).length).toBeGreaterThanOrEqual(2);
    // Every other event was answered 2xx once.
    const acknowledged = receiver.received.filter((r) => r.status === 204).map((r) => r.headers['webhook-id']);
    expect(acknowledged.filter((id) => id !== killedDuring)).toEqual(held.filter((id) => id !== killedDuring));
    const { webhookDeliveries } = await new GraphQLClient(b.url).as(owner.client.token).ok(WebhookDeliveriesDocument, {
      endpointId: createWebhookEndpoint.endpoint.id,
      first: 50,
      filter: { status: 'SUCCEEDED' },
    });
    expect(webhookDeliveries.totalCount).toBe(30);
  }, 90_000);
});
