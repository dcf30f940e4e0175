import { beforeAll, describe, expect, it } from 'vitest';
import {
  AuditLogDocument,
  ConnectViaContactCardDocument,
  ContactDocument,
  ContactInteractionsDocument,
  ContactsDocument,
  CreateContactCardDocument,
  CreateContactDocument,
  CreateDepartmentDocument,
  CreateExternalGroupDocument,
  DeleteContactDocument,
  ExternalGroupDocument,
  RecordInteractionDocument,
  RemoveMemberDocument,
  RestoreContactDocument,
  RolesDocument,
  SetMemberStatusDocument,
  TransferContactsDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin, type Person } from './support/people';

let anonymous: GraphQLClient;
beforeAll(async () => {
  anonymous = new GraphQLClient((await startTestGateway()).url);
});

/**
 * An org where a leaver (in department A) owns three contacts (one connected through their card, one shared with the
 * receiver) and an external group; the receiver is in A too.
 */
async function handOverSetting() {
  const org = await createOrgWithOwner(anonymous, 'Hand-over Co');
  const owner = org.client;
  const a = (await owner.ok(CreateDepartmentDocument, { input: { name: 'A' } })).createDepartment.id;
  const b = (await owner.ok(CreateDepartmentDocument, { input: { name: 'B' } })).createDepartment.id;
  const { roles } = await owner.ok(RolesDocument);
  const subAdminRole = roles.find((role) => role.builtin === 'SUB_ADMIN')!.id;
  const join = (name: string, departmentIds: string[], roleList: Array<{ roleId: string; scopeDepartmentIds?: string[] }> = []) =>
    addPersonWithLogin(owner, org.org.code, { name, departmentIds, roles: roleList });
  const [leaver, receiver, disabled, colleague, subAdminA, outsiderOfA] = await Promise.all([
    join('Leaver', [a]),
    join('Receiver', [a]),
    join('Disabled', [a]),
    join('Colleague', [b]),
    join('Sub-admin of A', [b], [{ roleId: subAdminRole, scopeDepartmentIds: [a] }]),
    join('In B', [b]),
  ]);
  await owner.ok(SetMemberStatusDocument, { input: { id: disabled.memberId, status: 'DISABLED' } });

  const create = async (who: Person, input: Record<string, unknown>) =>
    (await who.client.ok(CreateContactDocument, { input: { phones: [uniquePhone()], ...input } as any })).createContact.id;
  const privateId = await create(leaver, { name: 'Alpha', notes: 'leaver notes' });
  const sharedId = await create(leaver, { name: 'Charlie', visibility: 'SHARED', sharedMemberIds: [receiver.memberId] });
  const colleagueContactId = await create(colleague, { name: 'Colleague’s', visibility: 'ORG' });
  await leaver.client.ok(RecordInteractionDocument, { input: { contactId: privateId, kind: 'MEETING', at: '2026-02-01T10:00:00.000Z', summary: 'kick-off' } });

  const buyer = await createOrgWithOwner(anonymous, 'Buyer Co');
  const card = (await leaver.client.ok(CreateContactCardDocument)).createContactCard;
  await buyer.client.ok(ConnectViaContactCardDocument, { token: card.url.slice(card.url.lastIndexOf('/') + 1) });
  const connectedId = (await leaver.client.ok(ContactsDocument, { first: 10, filter: { query: 'owner' } })).contacts.edges[0]!.node.id;
  const group = (await leaver.client.ok(CreateExternalGroupDocument, { input: { name: 'Buyer deal', contactIds: [connectedId] } })).createExternalGroup;
  return { org, owner, leaver, receiver, disabled, colleague, subAdminA, outsiderOfA, privateId, sharedId, connectedId, colleagueContactId, group };
}

describe('transferContacts [004] [001]', () => {
  it('dry run lists per contact what would move and what cannot, and changes nothing', async () => {
    const s = await handOverSetting();
    const { transferContacts: all } = await s.owner.ok(TransferContactsDocument, { input: { fromMemberId: s.leaver.memberId, toMemberId: s.receiver.memberId, dryRun: true } });
    expect(all).toMatchObject({ dryRun: true, from: { id: s.leaver.memberId }, to: { id: s.receiver.memberId }, movedCount: 3, skippedCount: 0 });
    expect(all.contacts.map((c) => [c.name, c.outcome, c.connectionMoves])).toEqual([
      ['Alpha', 'WOULD_MOVE', false],
      ['Charlie', 'WOULD_MOVE', false],
      ['Owner', 'WOULD_MOVE', true],
    ]);
    expect(all.externalGroups).toEqual([{ groupId: s.group.id, name: 'Buyer deal', outcome: 'WOULD_MOVE' }]);

    const foreign = await createOrgWithOwner(anonymous);
    const foreignContact = (await foreign.client.ok(CreateContactDocument, { input: { name: 'Foreign', phones: [uniquePhone()] } })).createContact.id;
    const deleted = (await s.leaver.client.ok(CreateContactDocument, { input: { name: 'Deleted', phones: [uniquePhone()] } })).createContact.id;
    await s.leaver.client.ok(DeleteContactDocument, { id: deleted });
    const { transferContacts: chosen } = await s.owner.ok(TransferContactsDocument, {
      input: { fromMemberId: s.leaver.memberId, toMemberId: s.receiver.memberId, dryRun: true, contactIds: [s.privateId, s.colleagueContactId, 'garbage', foreignContact, deleted] },
    });
    expect(chosen.contacts.map((c) => [c.contactId, c.outcome, c.reason])).toEqual([
      [s.privateId, 'WOULD_MOVE', null],
      [s.colleagueContactId, 'SKIPPED', 'NOT_OWNED_BY_SOURCE'],
      ['garbage', 'SKIPPED', 'NOT_FOUND'],
      [foreignContact, 'SKIPPED', 'NOT_FOUND'],
      [deleted, 'SKIPPED', 'NOT_FOUND'],
    ]);
    expect(chosen).toMatchObject({ movedCount: 1, skippedCount: 4, externalGroups: [] });
    expect(chosen.contacts[3]!.name).toBeNull();
    expect((await s.owner.ok(ContactDocument, { id: s.privateId })).contact!.owner?.id).toBe(s.leaver.memberId);
  });

  it('refuses a DISABLED receiver, another org’s member, the same member, and callers without the right', async () => {
    const s = await handOverSetting();
    const transfer = (client: GraphQLClient, toMemberId: string, fromMemberId = s.leaver.memberId) =>
      client.request(TransferContactsDocument, { input: { fromMemberId, toMemberId } });
    expect(errorCode(await transfer(s.owner, s.disabled.memberId))).toBe('BAD_USER_INPUT');
    const foreign = await createOrgWithOwner(anonymous);
    expect(errorCode(await transfer(s.owner, foreign.member.id))).toBe('NOT_FOUND');
    expect(errorCode(await transfer(s.owner, s.leaver.memberId))).toBe('BAD_USER_INPUT');
    expect(errorCode(await transfer(s.leaver.client, s.receiver.memberId))).toBe('FORBIDDEN');
    expect(errorCode(await transfer(s.subAdminA.client, s.colleague.memberId))).toBe('FORBIDDEN'); // the receiver is outside A
    expect(errorCode(await transfer(foreign.client, s.receiver.memberId))).toBe('NOT_FOUND');
    expect((await s.owner.ok(ContactDocument, { id: s.privateId })).contact!.owner?.id).toBe(s.leaver.memberId);
  });

  it('moves chosen contacts; interaction records keep their author; audited', async () => {
    const s = await handOverSetting();
    const { transferContacts } = await s.subAdminA.client.ok(TransferContactsDocument, {
      input: { fromMemberId: s.leaver.memberId, toMemberId: s.receiver.memberId, contactIds: [s.privateId] },
    });
    expect(transferContacts).toMatchObject({ dryRun: false, movedCount: 1, contacts: [{ contactId: s.privateId, outcome: 'MOVED' }], externalGroups: [] });
    const { contact } = await s.receiver.client.ok(ContactDocument, { id: s.privateId });
    expect(contact).toMatchObject({ owner: { id: s.receiver.memberId }, notes: 'leaver notes', viewerCanEdit: true });
    expect(errorCode(await s.leaver.client.request(ContactDocument, { id: s.privateId }))).toBe('NOT_FOUND');
    const records = (await s.receiver.client.ok(ContactInteractionsDocument, { id: s.privateId, first: 5 })).contact!.interactions.edges;
    expect(records.map((e) => [e.node.summary, e.node.author?.id])).toEqual([['kick-off', s.leaver.memberId]]);
    const { auditLog } = await s.owner.ok(AuditLogDocument, { first: 5, filter: { action: 'CONTACT_TRANSFER' } });
    expect(auditLog.edges[0]!.node).toMatchObject({ targetId: s.leaver.memberId, summary: { contactIds: [expect.any(String)] } });
    // The group did not move: only a whole hand-over takes the member's groups.
    expect((await s.leaver.client.ok(ExternalGroupDocument, { id: s.group.id })).externalGroup.owner?.id).toBe(s.leaver.memberId);
  });
});

describe('removeMember hands contacts over [004]', () => {
  it('TRANSFER moves every contact, the connections and the owned external groups in the removal’s transaction', async () => {
    const s = await handOverSetting();
    await s.owner.ok(RemoveMemberDocument, { input: { id: s.leaver.memberId, mode: 'TRANSFER', transferToMemberId: s.receiver.memberId } });
    const mine = (await s.receiver.client.ok(ContactsDocument, { first: 10, filter: { ownerId: s.receiver.memberId } })).contacts.edges.map((e) => e.node.name);
    expect(mine).toEqual(['Alpha', 'Charlie', 'Owner']);
    expect((await s.receiver.client.ok(ContactDocument, { id: s.connectedId })).contact).toMatchObject({
      state: 'CONNECTED',
      capabilities: { inviteToExternalGroup: true },
      connectedMembers: [{ id: s.receiver.memberId }],
    });
    const { externalGroup } = await s.receiver.client.ok(ExternalGroupDocument, { id: s.group.id });
    expect(externalGroup).toMatchObject({ owner: { id: s.receiver.memberId }, isExternal: true, contactCount: 1 });
    const records = (await s.receiver.client.ok(ContactInteractionsDocument, { id: s.privateId, first: 5 })).contact!.interactions.edges;
    expect(records.map((e) => [e.node.authorName, e.node.author])).toEqual([['Leaver', null]]);
    const { auditLog } = await s.owner.ok(AuditLogDocument, { first: 5, filter: { targetId: s.leaver.memberId } });
    expect(auditLog.edges.map((e) => e.node.action).slice(0, 2)).toEqual(['MEMBER_REMOVE', 'CONTACT_TRANSFER']);
  });

  it('DELETE removes the contacts restorably, and groups pass to a member left', async () => {
    const s = await handOverSetting();
    const { createExternalGroup: shared } = await s.leaver.client.ok(CreateExternalGroupDocument, { input: { name: 'With colleague', memberIds: [s.colleague.memberId] } });
    await s.owner.ok(RemoveMemberDocument, { input: { id: s.leaver.memberId, mode: 'DELETE' } });
    expect(errorCode(await s.owner.request(ContactDocument, { id: s.privateId }))).toBe('NOT_FOUND');
    expect(errorCode(await s.receiver.client.request(ContactDocument, { id: s.sharedId }))).toBe('NOT_FOUND');
    // The owner restores one and owns it now.
    const { restoreContact } = await s.owner.ok(RestoreContactDocument, { id: s.privateId });
    expect(restoreContact.owner?.id).toBe(s.org.member.id);
    expect(errorCode(await s.subAdminA.client.request(RestoreContactDocument, { id: s.sharedId }))).toBe('NOT_FOUND');
    // The group shared with a colleague is theirs now; the one with only the leaver and a contact is gone.
    expect((await s.colleague.client.ok(ExternalGroupDocument, { id: shared.id })).externalGroup.owner?.id).toBe(s.colleague.memberId);
    expect(errorCode(await s.owner.request(ExternalGroupDocument, { id: s.group.id }))).toBe('NOT_FOUND');
  });
});
