import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddToExternalGroupDocument,
  ConnectViaContactCardDocument,
  ContactCardQrCodeDocument,
  ContactDocument,
  ContactsDocument,
  CreateContactCardDocument,
  CreateContactDocument,
  CreateExternalGroupDocument,
  DeleteContactDocument,
  ExternalGroupDocument,
  ExternalGroupsDocument,
  MyContactCardDocument,
  MyContactCardLinksDocument,
  RemoveFromExternalGroupDocument,
  RevokeContactCardDocument,
  TransferGroupOwnershipDocument,
  UpdateContactDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin } from './support/people';
import { rawIdOf, sql } from './support/sql-fixtures';

let anonymous: GraphQLClient;
beforeAll(async () => {
  anonymous = new GraphQLClient((await startTestGateway()).url);
});

const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

/** Org O with a member M who hands out a card, and a colleague C. */
async function cardOrg() {
  const org = await createOrgWithOwner(anonymous, 'Seller Co');
  const [m, c] = await Promise.all([
    addPersonWithLogin(org.client, org.org.code, { name: 'Mei' }),
    addPersonWithLogin(org.client, org.org.code, { name: 'Chen' }),
  ]);
  const { createContactCard } = await m.client.ok(CreateContactCardDocument);
  return { org, m, c, card: createContactCard, token: tokenOf(createContactCard.url) };
}

describe('contact cards [002]', () => {
  it('a member shows their card link and QR code; opening it connects both sides', async () => {
    const { org, m, c, card, token } = await cardOrg();
    expect(card.url).toMatch(/^http:\/\/localhost:\d+\/contact-card\/[A-Za-z0-9_-]{43}$/);
    expect((await m.client.ok(MyContactCardDocument)).contactCard).toEqual(card);
    const svg = (await m.client.ok(ContactCardQrCodeDocument, { format: 'SVG' })).contactCardQrCode;
    expect(svg).toMatchObject({ format: 'SVG', mimeType: 'image/svg+xml' });
    expect(svg.data).toMatch(/^<svg[^>]*>.*<\/svg>\s*$/s);
    const png = (await m.client.ok(ContactCardQrCodeDocument, { format: 'PNG' })).contactCardQrCode;
    expect(png).toMatchObject({ format: 'PNG', mimeType: 'image/png', url: svg.url });
    expect(Buffer.from(png.data, 'base64').subarray(1, 4).toString()).toBe('PNG');
    expect(await sql('select 1 from contact_cards where token_hash = $1', [token])).toHaveLength(0); // only the hash is stored

    // The person is a user with an org of their own, and a verified phone.
    const buyer = await createOrgWithOwner(anonymous, 'Buyer Co');
    await sql('update users set phone_verified_at = now() where id = $1', [rawIdOf(buyer.user.id)]);
    const { connectViaContactCard } = await buyer.client.ok(ConnectViaContactCardDocument, { token, via: 'QR' });
    expect(connectViaContactCard).toMatchObject({
      memberName: 'Mei',
      orgName: 'Seller Co',
      orgsLinked: 1,
      contact: {
        name: 'Mei',
        company: 'Seller Co',
        state: 'CONNECTED',
        source: 'QR',
        capabilities: { directMessage: true, call: true, inviteToExternalGroup: true },
        owner: { id: buyer.member.id },
      },
    });
    expect((await buyer.client.ok(MyContactCardLinksDocument)).myContactCardLinks).toMatchObject([{ memberName: 'Mei', orgName: 'Seller Co' }]);

    // On the member's side: the buyer is a CONNECTED contact, with the verified phone.
    const mine = (await m.client.ok(ContactsDocument, { first: 10 })).contacts.edges.map((e) => e.node);
    expect(mine).toHaveLength(1);
    const contactId = mine[0]!.id;
    const { contact } = await m.client.ok(ContactDocument, { id: contactId });
    expect(contact).toMatchObject({
      name: 'Owner',
      phones: [buyer.phone],
      source: 'QR',
      state: 'CONNECTED',
      capabilities: { directMessage: true, call: true, inviteToExternalGroup: true },
      connectedMembers: [{ id: m.memberId }],
    });

    // Shared with a colleague, the same contact is only SHARED for them [002].
    await m.client.ok(UpdateContactDocument, { input: { id: contactId, visibility: 'SHARED', sharedMemberIds: [c.memberId] } });
    expect((await c.client.ok(ContactDocument, { id: contactId })).contact).toMatchObject({
      state: 'SHARED',
      capabilities: { directMessage: false, call: false, inviteToExternalGroup: false },
      connectedMembers: [{ id: m.memberId }],
    });
    expect((await org.client.ok(ContactDocument, { id: contactId })).contact!.state).toBe('SHARED');

    // Connecting again changes nothing.
    await buyer.client.ok(ConnectViaContactCardDocument, { token });
    expect((await m.client.ok(ContactsDocument, { first: 10 })).contacts.edges).toHaveLength(1);
    expect((await buyer.client.ok(ContactsDocument, { first: 10 })).contacts.edges).toHaveLength(1);
  });

  it('links an existing contact with the same phone instead of adding a duplicate [001]', async () => {
    const { m, token } = await cardOrg();
    const person = await signUpUser(anonymous, 'Known Person');
    await sql('update users set phone_verified_at = now() where id = $1', [rawIdOf(person.user.id)]);
    const { createContact } = await m.client.ok(CreateContactDocument, { input: { name: 'Known Person (manual)', phones: [person.phone] } });
    expect(createContact.state).toBe('SHARED');
    const { connectViaContactCard } = await person.client.ok(ConnectViaContactCardDocument, { token });
    // No org yet: the link is kept on the person's side.
    expect(connectViaContactCard).toMatchObject({ contact: null, orgsLinked: 0 });
    expect((await person.client.ok(MyContactCardLinksDocument)).myContactCardLinks).toHaveLength(1);
    const contacts = (await m.client.ok(ContactsDocument, { first: 10 })).contacts.edges;
    expect(contacts.map((e) => e.node.id)).toEqual([createContact.id]);
    expect((await m.client.ok(ContactDocument, { id: createContact.id })).contact).toMatchObject({ state: 'CONNECTED', source: 'MANUAL' });
  });

  it('refuses unknown, revoked and replaced cards alike, one’s own card, and colleagues', async () => {
    const { m, c, token } = await cardOrg();
    const stranger = await signUpUser(anonymous);
    expect(errorCode(await stranger.client.request(ConnectViaContactCardDocument, { token: 'x'.repeat(43) }))).toBe('NOT_FOUND');
    expect(errorCode(await m.client.request(ConnectViaContactCardDocument, { token }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await c.client.request(ConnectViaContactCardDocument, { token }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await anonymous.request(ConnectViaContactCardDocument, { token }))).toBe('UNAUTHENTICATED');

    const replaced = (await m.client.ok(CreateContactCardDocument)).createContactCard;
    expect(tokenOf(replaced.url)).not.toBe(token);
    expect(errorCode(await stranger.client.request(ConnectViaContactCardDocument, { token }))).toBe('NOT_FOUND');
    expect((await m.client.ok(RevokeContactCardDocument)).revokeContactCard).toBe(true);
    expect(errorCode(await stranger.client.request(ConnectViaContactCardDocument, { token: tokenOf(replaced.url) }))).toBe('NOT_FOUND');
    expect((await m.client.ok(MyContactCardDocument)).contactCard).toBeNull();
    expect(errorCode(await m.client.request(ContactCardQrCodeDocument, { format: 'SVG' }))).toBe('NOT_FOUND');
  });
});

/** M with a connected contact (a buyer who opened M's card) and a contact that is merely shared. */
async function groupSetting() {
  const setting = await cardOrg();
  const buyer = await createOrgWithOwner(anonymous, 'Buyer Co');
  await buyer.client.ok(ConnectViaContactCardDocument, { token: setting.token });
  const connected = (await setting.m.client.ok(ContactsDocument, { first: 5 })).contacts.edges[0]!.node;
  const merelyShared = (await setting.m.client.ok(CreateContactDocument, { input: { name: 'Paper card', phones: [uniquePhone()] } })).createContact;
  await setting.m.client.ok(UpdateContactDocument, { input: { id: connected.id, visibility: 'SHARED', sharedMemberIds: [setting.c.memberId] } });
  return { ...setting, buyer, connected, merelyShared };
}

describe('external groups [002]', () => {
  it('takes connected contacts only, saying why a shared one cannot join', async () => {
    const { m, c, connected, merelyShared } = await groupSetting();
    const refused = await m.client.request(CreateExternalGroupDocument, { input: { name: 'Deal', contactIds: [connected.id, merelyShared.id] } });
    expect(errorCode(refused)).toBe('CONTACT_NOT_CONNECTED');
    expect(refused.errors![0]!.extensions).toMatchObject({ contactId: merelyShared.id, reason: 'NOT_LINKED' });
    expect(refused.errors![0]!.message).toMatch(/contact card/);
    expect((await m.client.ok(ExternalGroupsDocument, { first: 5 })).externalGroups.nodes).toEqual([]);

    const { createExternalGroup: group } = await m.client.ok(CreateExternalGroupDocument, { input: { name: 'Deal', memberIds: [c.memberId], contactIds: [connected.id] } });
    expect(group).toMatchObject({ isExternal: true, owner: { id: m.memberId }, memberCount: 2, contactCount: 1 });
    expect(group.participants.map((p) => [p.kind, p.displayName])).toEqual([
      ['MEMBER', 'Mei'],
      ['MEMBER', 'Chen'],
      ['CONTACT', 'Owner'],
    ]);

    // Chen sees the buyer (shared with Chen) but is not connected with them: Mei is.
    const byColleague = await c.client.request(AddToExternalGroupDocument, { input: { groupId: group.id, contactIds: [connected.id] } });
    expect(errorCode(byColleague)).toBe('CONTACT_NOT_CONNECTED');
    expect(byColleague.errors![0]!.extensions!.reason).toBe('CONNECTED_WITH_OTHER_MEMBERS');
    expect(errorCode(await m.client.request(AddToExternalGroupDocument, { input: { groupId: group.id, contactIds: [merelyShared.id] } }))).toBe('CONTACT_NOT_CONNECTED');

    // A deleted contact leaves the room with it.
    await m.client.ok(DeleteContactDocument, { id: connected.id });
    expect((await c.client.ok(ExternalGroupDocument, { id: group.id })).externalGroup).toMatchObject({ isExternal: true, contactCount: 0, memberCount: 2 });
  });

  it('stays external whatever its membership becomes, even with one member left; ownership moves on', async () => {
    const { org, m, c, connected } = await groupSetting();
    const outsider = await addPersonWithLogin(org.client, org.org.code, { name: 'Outsider' });
    const { createExternalGroup: group } = await m.client.ok(CreateExternalGroupDocument, { input: { name: 'Deal', contactIds: [connected.id] } });
    expect(errorCode(await outsider.client.request(ExternalGroupDocument, { id: group.id }))).toBe('NOT_FOUND');
    expect(errorCode(await outsider.client.request(AddToExternalGroupDocument, { input: { groupId: group.id, memberIds: [outsider.memberId] } }))).toBe('NOT_FOUND');

    const withChen = (await m.client.ok(AddToExternalGroupDocument, { input: { groupId: group.id, memberIds: [c.memberId] } })).addToExternalGroup;
    expect(withChen.memberCount).toBe(2);
    expect(errorCode(await c.client.request(RemoveFromExternalGroupDocument, { input: { groupId: group.id, contactIds: [connected.id] } }))).toBe('FORBIDDEN');
    const noContacts = (await m.client.ok(RemoveFromExternalGroupDocument, { input: { groupId: group.id, contactIds: [connected.id] } })).removeFromExternalGroup;
    expect(noContacts).toMatchObject({ isExternal: true, contactCount: 0, memberCount: 2 });
    expect(errorCode(await m.client.request(RemoveFromExternalGroupDocument, { input: { groupId: group.id, memberIds: [m.memberId] } }))).toBe('BAD_USER_INPUT');

    expect(errorCode(await c.client.request(TransferGroupOwnershipDocument, { groupId: group.id, toMemberId: c.memberId }))).toBe('FORBIDDEN');
    const handed = (await m.client.ok(TransferGroupOwnershipDocument, { groupId: group.id, toMemberId: outsider.memberId })).transferGroupOwnership;
    expect(handed).toMatchObject({ owner: { id: outsider.memberId }, memberCount: 3 });
    await m.client.ok(RemoveFromExternalGroupDocument, { input: { groupId: group.id, memberIds: [m.memberId] } });
    const alone = (await outsider.client.ok(RemoveFromExternalGroupDocument, { input: { groupId: group.id, memberIds: [c.memberId] } })).removeFromExternalGroup;
    expect(alone).toMatchObject({ isExternal: true, memberCount: 1, contactCount: 0 });
    expect((await outsider.client.ok(ExternalGroupsDocument, { first: 5 })).externalGroups.nodes.map((g) => g.id)).toEqual([group.id]);
    expect(errorCode(await m.client.request(ExternalGroupDocument, { id: group.id }))).toBe('NOT_FOUND');
    // An admin over the owner sees the group and may hand it over too.
    expect((await org.client.ok(ExternalGroupDocument, { id: group.id })).externalGroup.isExternal).toBe(true);
    expect((await org.client.ok(TransferGroupOwnershipDocument, { groupId: group.id, toMemberId: c.memberId })).transferGroupOwnership.owner?.id).toBe(c.memberId);
  });
});
