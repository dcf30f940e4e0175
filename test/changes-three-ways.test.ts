import { Webhook } from 'standardwebhooks';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { OrgEventType, topicAndTypeOf } from '../src/modules/changes/org-event-type';
import {
  AddMemberDocument,
  ConnectViaContactCardDocument,
  ContactsDocument,
  CreateContactCardDocument,
  CreateContactDocument,
  CreateContactGroupDocument,
  CreateDepartmentDocument,
  CreateExternalGroupDocument,
  CreateRoleDocument,
  CreateRoleGroupDocument,
  CreateTagDocument,
  CreateTagGroupDocument,
  CreateWebhookEndpointDocument,
  OrgChangesDocument,
  OrgEventsDocument,
  SyncCursorDocument,
  UpdateOrgSettingsDocument,
  type OrgChangeFieldsFragment,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { seedActiveMember } from './support/seed-member';
import { subscribeTo } from './support/subscriptions';
import { startWebhookReceiver, waitFor } from './support/webhook-receiver';
import { connectWs } from './support/ws';

let url: string;
let client: GraphQLClient;
beforeAll(async () => {
  const gateway = await startTestGateway({
    webhooks: { ...loadConfig({ NODE_ENV: 'test' }).webhooks, delivery: true, allowPrivate: 'loopback', pollMs: 50, retryBaseMs: 50 },
  });
  url = gateway.url;
  client = new GraphQLClient(url);
});

/** One log behind the three ways (issue 13): each topic's changes reach the feed, the subscription and webhooks alike. */
describe('the three ways to receive changes', () => {
  it('carry one change of every topic, the same change each way, in the same order', async () => {
    const owner = await createOrgWithOwner(client);
    const receiver = await startWebhookReceiver();
    const { createWebhookEndpoint } = await owner.client.ok(CreateWebhookEndpointDocument, { input: { url: receiver.url, eventTypes: Object.values(OrgEventType) } });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const live = subscribeTo(connectWs(url, owner.client.token).client, OrgEventsDocument, { after: syncCursor });

    await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Dept' } }); // DEPARTMENT
    await owner.client.ok(AddMemberDocument, { input: { name: 'Added', phone: uniquePhone() } }); // MEMBER, INVITATION
    await owner.client.ok(CreateRoleGroupDocument, { input: { name: 'Group' } }); // ROLE (group)
    await owner.client.ok(CreateRoleDocument, { input: { name: 'Role', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } }); // ROLE
    await owner.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } }); // ORG
    await (owner.client.ok(CreateContactDocument, { input: { name: 'Customer', phones: [uniquePhone()] } })); // CONTACT
    const tagGroup = (await owner.client.ok(CreateTagGroupDocument, { input: { name: 'Kind' } })).createTagGroup; // TAG
    await owner.client.ok(CreateTagDocument, { input: { groupId: tagGroup.id, name: 'Customer' } }); // TAG
    await owner.client.ok(CreateContactGroupDocument, { input: { name: 'Mine' } }); // CONTACT_GROUP
    // EXTERNAL_GROUP: with a contact connected through a member's card (a buyer of another org opened it).
    const mei = await seedActiveMember(client, owner.org.id, { name: 'Mei' });
    const card = (await mei.client.ok(CreateContactCardDocument)).createContactCard;
    const buyer = await createOrgWithOwner(client, 'Buyer');
    await buyer.client.ok(ConnectViaContactCardDocument, { token: card.url.slice(card.url.lastIndexOf('/') + 1), via: 'QR' }); // CONTACT in Mei's org
    const connected = (await mei.client.ok(ContactsDocument, { first: 5 })).contacts.edges[0]!.node;
    await mei.client.ok(CreateExternalGroupDocument, { input: { name: 'Deal', contactIds: [connected.id] } });

    const { orgChanges } = await owner.client.ok(OrgChangesDocument, { first: 100, after: syncCursor });
    const feed = orgChanges.changes;
    expect(new Set(feed.map((change) => topicAndTypeOf(change.type as OrgEventType).topic))).toEqual(
      new Set(['DEPARTMENT', 'MEMBER', 'INVITATION', 'ROLE', 'ORG', 'CONTACT', 'TAG', 'CONTACT_GROUP', 'EXTERNAL_GROUP']),
    );
    expect(feed.map((change) => change.type)).toEqual(expect.arrayContaining(['ROLE_GROUP_CREATED', 'ROLE_CREATED', 'TAG_CREATED']));

    const subscribed = (await live.take(feed.length)).map((result) => result.orgEvents);
    expect(subscribed).toEqual(feed);
    await live.expectNoMoreThan(feed.length, 300);
    live.dispose();

    await waitFor(() => receiver.received.length >= feed.length, 20_000, `${feed.length} deliveries (${receiver.received.length} so far)`);
    const webhook = new Webhook(createWebhookEndpoint.secret);
    const delivered = receiver.received.map((request) => {
      const { type, data } = webhook.verify(request.body, request.headers) as { type: string; data: OrgChangeFieldsFragment & { orgId: string } };
      const { orgId, ...change } = data;
      expect([type, orgId]).toEqual([change.type, owner.org.id]);
      return change;
    });
    expect(delivered).toEqual(feed);
  }, 60_000);
});
