import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { OrgEventType, topicAndTypeOf } from '../src/modules/changes/org-event-type';
import {
  AddMemberDocument,
  CreateContactDocument,
  CreateContactGroupDocument,
  CreateRoleDocument,
  CreateWebhookEndpointDocument,
  SyncCursorDocument,
  type OrgChangeFieldsFragment,
  type OrgEventType as OrgEventTypeName,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { readAll } from './support/changes';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor } from './support/limits';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';
import { startWebhookReceiver, waitFor } from './support/webhook-receiver';

let client: GraphQLClient;
beforeAll(async () => {
  const gateway = await startTestGateway({
    webhooks: { ...loadConfig({ NODE_ENV: 'test' }).webhooks, delivery: true, allowPrivate: 'loopback', pollMs: 50, retryBaseMs: 50 },
  });
  client = new GraphQLClient(gateway.url);
});

function typesOf(...topics: string[]): OrgEventTypeName[] {
  return Object.values(OrgEventType).filter((type) => topics.includes(topicAndTypeOf(type).topic)) as OrgEventTypeName[];
}

/** An endpoint made by `creator` for `eventTypes`, with a receiver of its own. */
async function endpointOf(creator: GraphQLClient, eventTypes: OrgEventTypeName[]) {
  const receiver = await startWebhookReceiver();
  const { createWebhookEndpoint } = await creator.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes } });
  return { receiver, secret: createWebhookEndpoint.secret, rawId: rawIdOf(createWebhookEndpoint.endpoint.id) };
}

/** What the endpoint received once its scan reached the end of the org's log and every delivery of it was sent. */
async function deliveredTo(endpoint: Awaited<ReturnType<typeof endpointOf>>, orgGlobalId: string): Promise<OrgChangeFieldsFragment[]> {
  await waitFor(async () => {
    const [row] = await sql<{ done: boolean; deliveries: number; unsent: number }>(
      `select w.scanned_event_id >= o.last_event_id as done,
              (select count(*)::int from webhook_deliveries d where d.endpoint_id = w.id and not d.manual) as deliveries,
              (select count(*)::int from webhook_deliveries d where d.endpoint_id = w.id and not d.manual and d.status <> 'SUCCEEDED') as unsent
         from webhook_endpoints w join orgs o on o.id = w.org_id where w.id = $1`,
      [endpoint.rawId],
    );
    return !!row?.done && row.unsent === 0 && row.deliveries === endpoint.receiver.received.length;
  }, 20_000, 'the endpoint to scan the whole log');
  const webhook = new Webhook(endpoint.secret);
  return endpoint.receiver.received.map((request) => {
    const { data } = webhook.verify(request.body, request.headers) as { data: OrgChangeFieldsFragment & { orgId: string } };
    const { orgId, ...change } = data;
    expect(orgId).toBe(orgGlobalId);
    return change;
  });
}

/** Issue 13: an endpoint receives exactly what its creator gets from `orgChanges`, as the creator is now. */
describe('webhook audiences', () => {
  it('an API client\'s endpoint gets what its scopes read: role events without roles:read-less MEMBER_* ones; the owner\'s gets both', async () => {
    const owner = await createOrgWithOwner(client);
    const types = typesOf('ROLE', 'MEMBER');
    const partner = await apiClientFor(owner.client, ['webhooks:manage', 'roles:read']);
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const ownerEndpoint = await endpointOf(owner.client, types);
    const partnerEndpoint = await endpointOf(partner.partner, types);

    await owner.client.ok(CreateRoleDocument, { input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } });
    await owner.client.ok(AddMemberDocument, { input: { name: 'Added', phone: uniquePhone() } });

    const ownerFeed = (await readAll(owner.client, syncCursor, 100, types)).changes;
    expect(new Set(ownerFeed.map((change) => topicAndTypeOf(change.type as OrgEventType).topic))).toEqual(new Set(['ROLE', 'MEMBER']));
    expect(await deliveredTo(ownerEndpoint, owner.org.id)).toEqual(ownerFeed);

    const partnerFeed = (await readAll(partner.partner, syncCursor, 100, types)).changes;
    const partnerDelivered = await deliveredTo(partnerEndpoint, owner.org.id);
    expect(partnerDelivered).toEqual(partnerFeed);
    expect(partnerDelivered.map((change) => change.type)).toContain('ROLE_CREATED');
    expect(partnerDelivered.filter((change) => change.type.startsWith('MEMBER_'))).toEqual([]);
    expect(ownerFeed.some((change) => change.type.startsWith('MEMBER_'))).toBe(true);
  }, 60_000);

  it('a member\'s contact group events reach only endpoints whose creator gets them from orgChanges (the group\'s owner)', async () => {
    const owner = await createOrgWithOwner(client);
    const types = typesOf('CONTACT_GROUP');
    const admin = await seedActiveMember(client, owner.org.id, { role: 'ADMIN', name: 'Admin' });
    const member = await seedActiveMember(client, owner.org.id, { name: 'Member X' });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const adminEndpoint = await endpointOf(admin.client, types);

    await member.client.ok(CreateContactGroupDocument, { input: { name: 'X only' } });
    const own = (await admin.client.ok(CreateContactGroupDocument, { input: { name: 'Admin only' } })).createContactGroup;

    const adminFeed = (await readAll(admin.client, syncCursor, 100, types)).changes;
    expect(adminFeed.map((change) => change.objectId)).toEqual([own.id]);
    expect(await deliveredTo(adminEndpoint, owner.org.id)).toEqual(adminFeed);
  }, 60_000);

  it('a PRIVATE contact\'s events skip endpoints whose creator may not see it, judged by the creator\'s grants at scan time', async () => {
    const owner = await createOrgWithOwner(client);
    const types = typesOf('CONTACT');
    const admin = await seedActiveMember(client, owner.org.id, { role: 'ADMIN', name: 'Admin' });
    const member = await seedActiveMember(client, owner.org.id, { name: 'Member X' });
    const blind = await apiClientFor(owner.client, ['webhooks:manage']);
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const ownerEndpoint = await endpointOf(owner.client, types);
    const adminEndpoint = await endpointOf(admin.client, types);
    const blindEndpoint = await endpointOf(blind.partner, types);
    // The admin is an ADMIN no more: a plain member, who sees ORG contacts but not another member's PRIVATE ones.
    await sql(
      `update member_roles set role_id = (select id from roles where org_id = $1 and builtin = 'MEMBER') where member_id = $2`,
      [rawIdOf(owner.org.id), rawIdOf(admin.memberId)],
    );

    const secret = (await member.client.ok(CreateContactDocument, { input: { name: 'Secret', phones: [uniquePhone()], visibility: 'PRIVATE' } })).createContact;
    const open = (await member.client.ok(CreateContactDocument, { input: { name: 'Open', phones: [uniquePhone()], visibility: 'ORG' } })).createContact;

    const ownerFeed = (await readAll(owner.client, syncCursor, 100, types)).changes;
    expect(ownerFeed.map((change) => change.objectId)).toEqual([secret.id, open.id]);
    expect(await deliveredTo(ownerEndpoint, owner.org.id)).toEqual(ownerFeed);

    const adminFeed = (await readAll(admin.client, syncCursor, 100, types)).changes;
    expect(adminFeed.map((change) => change.objectId)).toEqual([open.id]);
    expect(await deliveredTo(adminEndpoint, owner.org.id)).toEqual(adminFeed);

    // Without contacts:read nothing of contacts goes out, and the scan still moves past those events.
    expect(await deliveredTo(blindEndpoint, owner.org.id)).toEqual([]);
    expect((await readAll(blind.partner, syncCursor, 100, types)).changes).toEqual([]);
  }, 60_000);

  it('withholds the events of a disabled creator\'s endpoint and of a revoked client\'s, while the scan moves past them', async () => {
    const owner = await createOrgWithOwner(client);
    const types = typesOf('ROLE');
    const admin = await seedActiveMember(client, owner.org.id, { role: 'ADMIN', name: 'Admin' });
    const partner = await apiClientFor(owner.client, ['webhooks:manage', 'roles:read']);
    const ownerEndpoint = await endpointOf(owner.client, types);
    const adminEndpoint = await endpointOf(admin.client, types);
    const partnerEndpoint = await endpointOf(partner.partner, types);
    await sql(`update members set status = 'DISABLED' where id = $1`, [rawIdOf(admin.memberId)]);
    await sql(`update api_clients set revoked_at = now() where id = $1`, [rawIdOf(partner.id)]);

    await owner.client.ok(CreateRoleDocument, { input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } });
    expect((await deliveredTo(ownerEndpoint, owner.org.id)).map((change) => change.type)).toEqual(['ROLE_CREATED']);
    expect(await deliveredTo(adminEndpoint, owner.org.id)).toEqual([]);
    expect(await deliveredTo(partnerEndpoint, owner.org.id)).toEqual([]);
  }, 60_000);
});
