import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddToExternalGroupDocument,
  ConnectViaContactCardDocument,
  ContactsDocument,
  CreateContactCardDocument,
  CreateDepartmentDocument,
  CreateExternalGroupDocument,
  OrgEventsDocument,
  RemoveFromExternalGroupDocument,
  RemoveMemberDocument,
  SyncCursorDocument,
  TransferGroupOwnershipDocument,
  type OrgChangeFieldsFragment,
  type OrgEventType,
} from './generated/graphql';
import { readAll as readChanges } from './support/changes';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { seedActiveMember } from './support/seed-member';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

/** Change events of external groups and of contacts made through contact cards (issue 13). */

let url: string;
let client: GraphQLClient;
beforeAll(async () => {
  url = (await startTestGateway()).url;
  client = new GraphQLClient(url);
});

type Change = OrgChangeFieldsFragment;

const readAll = async (reader: GraphQLClient, after: string | null, types?: OrgEventType[]): Promise<Change[]> => (await readChanges(reader, after, 50, types)).changes;

const GROUP_TYPES: OrgEventType[] = ['EXTERNAL_GROUP_CREATED', 'EXTERNAL_GROUP_UPDATED', 'EXTERNAL_GROUP_DELETED'];
const TYPES: OrgEventType[] = ['CONTACT_CREATED', 'CONTACT_UPDATED', ...GROUP_TYPES];
const summary = (changes: Change[]) => changes.map((change) => [change.type, change.objectId, change.changedFields]);

describe('orgChanges and orgEvents: external groups and contact cards', () => {
  it('log a card connection and a group created, changed and dissolved, each to those who may see it', async () => {
    const owner = await createOrgWithOwner(client, 'Seller Co');
    const sales = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Sales' } })).createDepartment;
    const ops = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Ops' } })).createDepartment;
    const mei = await seedActiveMember(client, owner.org.id, { name: 'Mei', departmentId: sales.id });
    const chen = await seedActiveMember(client, owner.org.id, { name: 'Chen', departmentId: sales.id });
    const lin = await seedActiveMember(client, owner.org.id, { name: 'Lin', departmentId: sales.id });
    const dan = await seedActiveMember(client, owner.org.id, { name: 'Dan', departmentId: ops.id });
    const salesAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [sales.id], departmentId: sales.id });
    const opsAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [ops.id], departmentId: ops.id });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const ownerLive = subscribeTo(connectWs(url, owner.client.token).client, OrgEventsDocument, { after: syncCursor, types: TYPES });
    const danLive = subscribeTo(connectWs(url, dan.client.token).client, OrgEventsDocument, { after: syncCursor, types: TYPES });

    // A buyer of another org opens Mei's card: a contact in each org.
    const card = (await mei.client.ok(CreateContactCardDocument)).createContactCard;
    const buyer = await createOrgWithOwner(client, 'Buyer Co');
    const { syncCursor: buyerCursor } = await buyer.client.ok(SyncCursorDocument);
    const { connectViaContactCard } = await buyer.client.ok(ConnectViaContactCardDocument, { token: card.url.slice(card.url.lastIndexOf('/') + 1), via: 'QR' });
    const contact = (await mei.client.ok(ContactsDocument, { first: 5 })).contacts.edges[0]!.node;
    // Connecting again changes nothing: no second event.
    await buyer.client.ok(ConnectViaContactCardDocument, { token: card.url.slice(card.url.lastIndexOf('/') + 1) });

    // The group: created, a member in, a member out, handed over and back.
    const group = (await mei.client.ok(CreateExternalGroupDocument, { input: { name: 'Deal', contactIds: [contact.id] } })).createExternalGroup;
    await mei.client.ok(AddToExternalGroupDocument, { input: { groupId: group.id, memberIds: [chen.memberId] } });
    await mei.client.ok(AddToExternalGroupDocument, { input: { groupId: group.id, memberIds: [chen.memberId] } }); // already in: nothing changes
    const whileChenIn = await readAll(chen.client, syncCursor, GROUP_TYPES);
    await mei.client.ok(RemoveFromExternalGroupDocument, { input: { groupId: group.id, memberIds: [chen.memberId] } });
    await mei.client.ok(TransferGroupOwnershipDocument, { groupId: group.id, toMemberId: lin.memberId });
    await lin.client.ok(TransferGroupOwnershipDocument, { groupId: group.id, toMemberId: mei.memberId });
    await mei.client.ok(RemoveFromExternalGroupDocument, { input: { groupId: group.id, memberIds: [lin.memberId] } });
    // Mei leaves the org with no one to hand over to, the group's last member: it goes.
    await owner.client.ok(RemoveMemberDocument, { input: { id: mei.memberId, mode: 'DELETE' } });

    const expected = [
      ['CONTACT_CREATED', contact.id, []],
      ['EXTERNAL_GROUP_CREATED', group.id, []],
      ['EXTERNAL_GROUP_UPDATED', group.id, ['participants']],
      ['EXTERNAL_GROUP_UPDATED', group.id, ['participants']],
      ['EXTERNAL_GROUP_UPDATED', group.id, ['owner', 'participants']],
      ['EXTERNAL_GROUP_UPDATED', group.id, ['owner']],
      ['EXTERNAL_GROUP_UPDATED', group.id, ['participants']],
      ['EXTERNAL_GROUP_DELETED', group.id, []],
    ];
    const seenByOwner = await readAll(owner.client, syncCursor, TYPES);
    expect(summary(seenByOwner)).toEqual(expected);
    expect(seenByOwner[0]!.details).toMatchObject({ source: 'QR', ownerId: mei.memberId });
    expect(seenByOwner[4]!.details).toMatchObject({ ownerId: lin.memberId, previousOwnerId: mei.memberId });
    // The dissolved group names the departments its owner was in: they decide who still learns of it.
    expect(seenByOwner[7]!.departmentIds).toEqual([sales.id]);
    expect(JSON.stringify(seenByOwner)).not.toContain(connectViaContactCard.contact?.phones?.[0] ?? 'no phone');

    // The subscription carries the same changes.
    const live = (await ownerLive.take(expected.length)).map((result) => result.orgEvents);
    expect(live).toEqual(seenByOwner);

    // Chen, a participant then, saw the group's changes while in it; once out (and the group gone), none.
    expect(summary(whileChenIn)).toEqual(expected.slice(1, 3));
    expect(await readAll(chen.client, syncCursor, TYPES)).toEqual([]);
    // An admin over the owner's department learns of the gone group; one over another department and a plain member
    // outside the group do not, live or polling.
    expect(summary(await readAll(salesAdmin.client, syncCursor, GROUP_TYPES))).toEqual(expected.slice(1));
    expect(await readAll(opsAdmin.client, syncCursor, TYPES)).toEqual([]);
    expect(await readAll(dan.client, syncCursor, TYPES)).toEqual([]);
    await danLive.expectNoMoreThan(0, 300);

    // On the buyer's side: Mei became the buyer's contact, once.
    const buyerSide = await readAll(buyer.client, buyerCursor, TYPES);
    expect(buyerSide.map((change) => [change.type, change.objectType, (change.details as { source?: string }).source])).toEqual([['CONTACT_CREATED', 'Contact', 'QR']]);
    expect(buyerSide[0]!.objectId).toBe(connectViaContactCard.contact!.id);
    ownerLive.dispose();
    danLive.dispose();
  }, 60_000);
});
