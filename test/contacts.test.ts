import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddContactsToGroupDocument,
  AuditLogDocument,
  ContactDocument,
  ContactGroupsDocument,
  ContactInteractionsDocument,
  ContactNodeDocument,
  ContactsDocument,
  ContactsPageDocument,
  CreateContactDocument,
  CreateContactGroupDocument,
  CreateTagDocument,
  CreateTagGroupDocument,
  DeleteContactDocument,
  DeleteContactGroupDocument,
  DeleteTagDocument,
  DeleteTagGroupDocument,
  MergeContactsDocument,
  NodeDocument,
  RecordInteractionDocument,
  RemoveContactsFromGroupDocument,
  RestoreContactDocument,
  TagGroupsDocument,
  TagsDocument,
  UpdateContactDocument,
  UpdateContactGroupDocument,
  UpdateTagDocument,
  UpdateTagGroupDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin } from './support/people';
import { sql, rawIdOf } from './support/sql-fixtures';

let anonymous: GraphQLClient;
beforeAll(async () => {
  anonymous = new GraphQLClient((await startTestGateway()).url);
});

async function orgWithPeople() {
  const org = await createOrgWithOwner(anonymous);
  const plain = await addPersonWithLogin(org.client, org.org.code, { name: 'Plain' });
  const other = await addPersonWithLogin(org.client, org.org.code, { name: 'Other' });
  return { owner: org.client, ownerMemberId: org.member.id, org: org.org, plain, other };
}

describe('contacts: create, read, update', () => {
  it('creates a contact owned by the caller, phones in E.164, and reads it back by id and node(id)', async () => {
    const { plain } = await orgWithPeople();
    const { createContact } = await plain.client.ok(CreateContactDocument, {
      input: {
        name: '  Zhang Wei ',
        phones: ['139 1234 5678', '+86 138-0000-0001', '13912345678'],
        email: 'Zhang.Wei@Example.COM',
        company: 'Acme Medical',
        title: 'Buyer',
        notes: 'Prefers WeChat',
      },
    });
    expect(createContact).toMatchObject({
      name: 'Zhang Wei',
      phones: ['+8613912345678', '+8613800000001'],
      email: 'zhang.wei@example.com',
      company: 'Acme Medical',
      notes: 'Prefers WeChat',
      visibility: 'PRIVATE',
      source: 'MANUAL',
      state: 'SHARED',
      viewerCanEdit: true,
      capabilities: { directMessage: false, call: false, inviteToExternalGroup: false },
      owner: { id: plain.memberId },
    });
    const { contact } = await plain.client.ok(ContactDocument, { id: createContact.id });
    expect(contact!.id).toBe(createContact.id);
    const { node } = await plain.client.ok(ContactNodeDocument, { id: createContact.id });
    expect(node).toMatchObject({ __typename: 'Contact', name: 'Zhang Wei', notes: 'Prefers WeChat' });
  });

  it('updates fields (omitted stay, null clears) and refuses to clear the last phone and email', async () => {
    const { plain } = await orgWithPeople();
    const { createContact } = await plain.client.ok(CreateContactDocument, { input: { name: 'Li', phones: [uniquePhone()], company: 'Old Co', source: 'PHONE' } });
    const { updateContact } = await plain.client.ok(UpdateContactDocument, { input: { id: createContact.id, company: 'New Co', title: null, email: 'li@example.org' } });
    expect(updateContact).toMatchObject({ name: 'Li', company: 'New Co', title: null, email: 'li@example.org', source: 'PHONE' });
    const cleared = await plain.client.ok(UpdateContactDocument, { input: { id: createContact.id, phones: [] } });
    expect(cleared.updateContact.phones).toEqual([]);
    const empty = await plain.client.request(UpdateContactDocument, { input: { id: createContact.id, email: null } });
    expect(errorCode(empty)).toBe('BAD_USER_INPUT');
    expect((await plain.client.ok(ContactDocument, { id: createContact.id })).contact!.email).toBe('li@example.org');
  });

  it('answers bad input with clear codes and writes nothing', async () => {
    const { plain, owner } = await orgWithPeople();
    const bad = async (input: Parameters<typeof plain.client.request<any, any>>[1]['input'], code: string, field?: string) => {
      const result = await plain.client.request(CreateContactDocument, { input });
      expect(errorCode(result), JSON.stringify(input).slice(0, 80)).toBe(code);
      if (field) expect(result.errors![0]!.extensions!.field).toBe(field);
    };
    await bad({ name: 'No way to reach' }, 'BAD_USER_INPUT', 'phones');
    await bad({ name: 'Bad phone', phones: ['12345'] }, 'BAD_USER_INPUT', 'phones');
    await bad({ name: 'Bad email', email: 'not-an-email' }, 'BAD_USER_INPUT', 'email');
    await bad({ name: '', phones: [uniquePhone()] }, 'BAD_USER_INPUT', 'name');
    await bad({ name: 'Too many phones', phones: Array.from({ length: 21 }, uniquePhone) }, 'BAD_USER_INPUT', 'phones');
    await bad({ name: 'Long notes', phones: [uniquePhone()], notes: 'x'.repeat(10_001) }, 'BAD_USER_INPUT', 'notes');
    await bad({ name: 'Unknown tag', phones: [uniquePhone()], tagIds: [Buffer.from('Tag:00000000-0000-4000-8000-000000000000').toString('base64url')] }, 'NOT_FOUND');
    await bad({ name: 'Shared to nobody', phones: [uniquePhone()], visibility: 'SHARED' }, 'BAD_USER_INPUT', 'sharedMemberIds');
    await bad({ name: 'Private but shared', phones: [uniquePhone()], visibility: 'PRIVATE', sharedMemberIds: [plain.memberId] }, 'BAD_USER_INPUT');

    const { createTagGroup } = await owner.ok(CreateTagGroupDocument, { input: { name: 'Many' } });
    const tags = await Promise.all(Array.from({ length: 51 }, (_, i) => owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: `t${i}` } })));
    await bad({ name: 'Too many tags', phones: [uniquePhone()], tagIds: tags.map((t) => t.createTag.id) }, 'BAD_USER_INPUT', 'tagIds');
    const fifty = await plain.client.ok(CreateContactDocument, { input: { name: 'Fifty tags', phones: [uniquePhone()], tagIds: tags.slice(0, 50).map((t) => t.createTag.id) } });
    expect(fifty.createContact.tags).toHaveLength(50);

    const { contacts } = await plain.client.ok(ContactsDocument, { first: 10 });
    expect(contacts.edges.map((e) => e.node.name)).toEqual(['Fifty tags']);
    const fiveThousand = await plain.client.ok(CreateContactDocument, { input: { name: 'Long notes ok', phones: [uniquePhone()], notes: 'x'.repeat(10_000) } });
    expect(fiveThousand.createContact.notes).toHaveLength(10_000);
  });
});

describe('duplicates [001]', () => {
  it('answers CONTACT_EXISTS for a phone or email already in the org, with the id only when the caller sees that contact', async () => {
    const { plain, other, owner } = await orgWithPeople();
    const phone = uniquePhone();
    const { createContact: mine } = await plain.client.ok(CreateContactDocument, { input: { name: 'Mine', phones: [phone], email: 'dup@example.org' } });

    const fresh = uniquePhone();
    const again = await plain.client.request(CreateContactDocument, { input: { name: 'Again', phones: [fresh, phone.replace('+86', '')] } });
    expect(errorCode(again)).toBe('CONTACT_EXISTS');
    expect(again.errors![0]!.extensions).toMatchObject({ field: 'phones', existingContactId: mine.id });
    // Nothing of the refused contact was kept: its other phone is still free.
    expect((await plain.client.ok(ContactsDocument, { first: 10 })).contacts.edges).toHaveLength(1);
    await plain.client.ok(CreateContactDocument, { input: { name: 'Fresh', phones: [fresh] } });

    const hidden = await other.client.request(CreateContactDocument, { input: { name: 'Hidden', email: 'DUP@example.org' } });
    expect(errorCode(hidden)).toBe('CONTACT_EXISTS');
    expect(hidden.errors![0]!.extensions!.field).toBe('email');
    expect(hidden.errors![0]!.extensions).not.toHaveProperty('existingContactId');
    expect(JSON.stringify(hidden.errors)).not.toContain('Mine');

    const admin = await owner.request(CreateContactDocument, { input: { name: 'Admin sees', phones: [phone] } });
    expect(admin.errors![0]!.extensions!.existingContactId).toBe(mine.id);

    // An update that takes another contact's phone is a duplicate too; a deleted contact's phone is free again.
    const { createContact: second } = await plain.client.ok(CreateContactDocument, { input: { name: 'Second', phones: [uniquePhone()] } });
    expect(second.name).toBe('Second');
    expect(errorCode(await plain.client.request(UpdateContactDocument, { input: { id: second.id, phones: [phone] } }))).toBe('CONTACT_EXISTS');
    await plain.client.ok(DeleteContactDocument, { id: mine.id });
    await plain.client.ok(UpdateContactDocument, { input: { id: second.id, phones: [phone] } });
    // ... and restoring the deleted one now collides.
    const restore = await plain.client.request(RestoreContactDocument, { id: mine.id });
    expect(errorCode(restore)).toBe('CONTACT_EXISTS');
    expect(restore.errors![0]!.extensions!.existingContactId).toBe(second.id);
  });

  it('lets only one of two simultaneous creates with the same phone through', async () => {
    const { plain, other } = await orgWithPeople();
    const phone = uniquePhone();
    const results = await Promise.all([
      plain.client.request(CreateContactDocument, { input: { name: 'A', phones: [phone] } }),
      other.client.request(CreateContactDocument, { input: { name: 'B', phones: [phone] } }),
    ]);
    expect(results.filter((r) => !r.errors).length).toBe(1);
    expect(results.map(errorCode).filter(Boolean)).toEqual(['CONTACT_EXISTS']);
  });
});

describe('delete and restore', () => {
  it('soft-deletes: gone from every read, restorable within 30 days by its editors, audited', async () => {
    const { plain, other, owner } = await orgWithPeople();
    const { createContact } = await plain.client.ok(CreateContactDocument, { input: { name: 'Gone', phones: [uniquePhone()], visibility: 'ORG' } });
    expect(errorCode(await other.client.request(DeleteContactDocument, { id: createContact.id }))).toBe('FORBIDDEN');
    const { deleteContact } = await plain.client.ok(DeleteContactDocument, { id: createContact.id });
    expect(deleteContact.deletedContactId).toBe(createContact.id);
    expect(new Date(deleteContact.restorableUntil).getTime() - Date.now()).toBeGreaterThan(29 * 24 * 3600 * 1000);

    expect(errorCode(await plain.client.request(ContactDocument, { id: createContact.id }))).toBe('NOT_FOUND');
    expect(errorCode(await owner.request(ContactNodeDocument, { id: createContact.id }))).toBe('NOT_FOUND');
    expect((await owner.ok(ContactsDocument, { first: 10 })).contacts.edges).toHaveLength(0);
    expect(errorCode(await other.client.request(RestoreContactDocument, { id: createContact.id }))).toBe('NOT_FOUND');

    const { restoreContact } = await plain.client.ok(RestoreContactDocument, { id: createContact.id });
    expect(restoreContact.name).toBe('Gone');
    expect((await other.client.ok(ContactDocument, { id: createContact.id })).contact!.name).toBe('Gone');
    expect(errorCode(await plain.client.request(RestoreContactDocument, { id: createContact.id }))).toBe('NOT_FOUND');

    await plain.client.ok(DeleteContactDocument, { id: createContact.id });
    await sql(`update contacts set deleted_at = now() - interval '31 days' where id = $1`, [rawIdOf(createContact.id)]);
    expect(errorCode(await owner.request(RestoreContactDocument, { id: createContact.id }))).toBe('BAD_USER_INPUT');

    const { auditLog } = await owner.ok(AuditLogDocument, { first: 20, filter: { targetId: createContact.id } });
    expect(auditLog.edges.map((e) => e.node.action)).toEqual(['CONTACT_DELETE', 'CONTACT_RESTORE', 'CONTACT_DELETE']);
  });
});

describe('merge [001]', () => {
  it('moves phones, tags, interactions and group places onto the kept contact; merged ones are gone for good', async () => {
    const { plain, owner } = await orgWithPeople();
    const { createTagGroup } = await owner.ok(CreateTagGroupDocument, { input: { name: 'Kind' } });
    const customer = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'customer' } })).createTag.id;
    const supplier = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'supplier' } })).createTag.id;
    const [p1, p2, p3] = [uniquePhone(), uniquePhone(), uniquePhone()];
    const keep = (await plain.client.ok(CreateContactDocument, { input: { name: 'Wang', phones: [p1], tagIds: [customer] } })).createContact;
    const dup = (await plain.client.ok(CreateContactDocument, { input: { name: 'Wang (2)', phones: [p2, p3], email: 'wang@example.org', company: 'Wang Ltd', notes: 'dup notes', tagIds: [supplier, customer] } })).createContact;
    await plain.client.ok(RecordInteractionDocument, { input: { contactId: dup.id, kind: 'CALL', at: '2026-01-02T03:04:05.000Z', summary: 'called' } });
    const group = (await plain.client.ok(CreateContactGroupDocument, { input: { name: 'Hospitals' } })).createContactGroup;
    await plain.client.ok(AddContactsToGroupDocument, { groupId: group.id, contactIds: [dup.id] });

    const { mergeContacts } = await plain.client.ok(MergeContactsDocument, { keepId: keep.id, mergeIds: [dup.id] });
    expect(mergeContacts).toMatchObject({ id: keep.id, name: 'Wang', phones: [p1, p2, p3], email: 'wang@example.org', company: 'Wang Ltd', notes: 'dup notes' });
    expect(mergeContacts.tags.map((t) => t.id).sort()).toEqual([customer, supplier].sort());
    expect(mergeContacts.interactions.nodes).toMatchObject([{ summary: 'called', author: { id: plain.memberId } }]);
    expect(errorCode(await plain.client.request(ContactDocument, { id: dup.id }))).toBe('NOT_FOUND');
    expect(errorCode(await plain.client.request(RestoreContactDocument, { id: dup.id }))).toBe('BAD_USER_INPUT');
    const { contacts } = await plain.client.ok(ContactsDocument, { first: 10, filter: { groupId: group.id } });
    expect(contacts.edges.map((e) => e.node.id)).toEqual([keep.id]);
    // The merged phones now belong to the kept contact.
    const again = await plain.client.request(CreateContactDocument, { input: { name: 'x', phones: [p3] } });
    expect(again.errors![0]!.extensions!.existingContactId).toBe(keep.id);
    const { auditLog } = await owner.ok(AuditLogDocument, { first: 5, filter: { action: 'CONTACT_MERGE' } });
    expect(auditLog.edges[0]!.node.targetId).toBe(keep.id);
  });

  it('needs the right to edit every contact; another org’s contact answers NOT_FOUND and nothing changes', async () => {
    const { plain, other } = await orgWithPeople();
    const mine = (await plain.client.ok(CreateContactDocument, { input: { name: 'Mine', phones: [uniquePhone()] } })).createContact;
    const orgWide = (await other.client.ok(CreateContactDocument, { input: { name: 'Theirs', phones: [uniquePhone()], visibility: 'ORG' } })).createContact;
    const hidden = (await other.client.ok(CreateContactDocument, { input: { name: 'Hidden', phones: [uniquePhone()] } })).createContact;
    expect(errorCode(await plain.client.request(MergeContactsDocument, { keepId: mine.id, mergeIds: [orgWide.id] }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(MergeContactsDocument, { keepId: mine.id, mergeIds: [hidden.id] }))).toBe('NOT_FOUND');
    const foreign = await orgWithPeople();
    const theirs = (await foreign.owner.ok(CreateContactDocument, { input: { name: 'Foreign', phones: [uniquePhone()] } })).createContact;
    expect(errorCode(await plain.client.request(MergeContactsDocument, { keepId: mine.id, mergeIds: [theirs.id] }))).toBe('NOT_FOUND');
    expect(errorCode(await plain.client.request(MergeContactsDocument, { keepId: mine.id, mergeIds: [mine.id] }))).toBe('BAD_USER_INPUT');
    expect((await foreign.owner.ok(ContactDocument, { id: theirs.id })).contact!.name).toBe('Foreign');
    expect((await other.client.ok(ContactDocument, { id: orgWide.id })).contact!.name).toBe('Theirs');
  });
});

describe('tags and groups', () => {
  it('admins define tag groups and tags; members read them, tag contacts and filter by them', async () => {
    const { plain, owner } = await orgWithPeople();
    expect(errorCode(await plain.client.request(CreateTagGroupDocument, { input: { name: 'Nope' } }))).toBe('FORBIDDEN');
    const { createTagGroup } = await owner.ok(CreateTagGroupDocument, { input: { name: 'Relationship' } });
    expect(errorCode(await owner.request(CreateTagGroupDocument, { input: { name: 'relationship' } }))).toBe('CONFLICT');
    const customer = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'customer' } })).createTag;
    expect(customer.group).toEqual({ id: createTagGroup.id, name: 'Relationship' });
    const partner = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'partner' } })).createTag;
    expect(errorCode(await plain.client.request(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'x' } }))).toBe('FORBIDDEN');
    await owner.ok(UpdateTagDocument, { input: { id: partner.id, name: 'Partner' } });
    await owner.ok(UpdateTagGroupDocument, { input: { id: createTagGroup.id, name: 'Kind' } });
    const { tagGroups } = await plain.client.ok(TagGroupsDocument);
    expect(tagGroups).toEqual([{ id: createTagGroup.id, name: 'Kind', tags: [{ id: partner.id, name: 'Partner' }, { id: customer.id, name: 'customer' }] }]);
    expect((await plain.client.ok(TagsDocument, { groupId: createTagGroup.id })).tags).toHaveLength(2);

    const both = (await plain.client.ok(CreateContactDocument, { input: { name: 'Both', phones: [uniquePhone()], tagIds: [customer.id, partner.id] } })).createContact;
    const onlyCustomer = (await plain.client.ok(CreateContactDocument, { input: { name: 'Customer', phones: [uniquePhone()], tagIds: [customer.id] } })).createContact;
    const names = async (tagIds: string[]) => (await plain.client.ok(ContactsDocument, { first: 10, filter: { tagIds } })).contacts.edges.map((e) => e.node.name);
    expect(await names([customer.id])).toEqual(['Both', 'Customer']);
    expect(await names([customer.id, partner.id])).toEqual(['Both']);

    await owner.ok(DeleteTagDocument, { id: partner.id });
    expect((await plain.client.ok(ContactDocument, { id: both.id })).contact!.tags.map((t) => t.id)).toEqual([customer.id]);
    expect(errorCode(await plain.client.request(ContactsDocument, { first: 10, filter: { tagIds: [partner.id] } }))).toBe('NOT_FOUND');
    await owner.ok(DeleteTagGroupDocument, { id: createTagGroup.id });
    expect((await plain.client.ok(ContactDocument, { id: onlyCustomer.id })).contact!.tags).toEqual([]);
    expect((await plain.client.ok(TagGroupsDocument)).tagGroups).toEqual([]);
  });

  it('contact groups are the member’s own filing: counts follow visibility, others’ groups do not exist', async () => {
    const { plain, other } = await orgWithPeople();
    const a = (await plain.client.ok(CreateContactDocument, { input: { name: 'A', phones: [uniquePhone()] } })).createContact;
    const shared = (await other.client.ok(CreateContactDocument, { input: { name: 'Shared', phones: [uniquePhone()], visibility: 'SHARED', sharedMemberIds: [plain.memberId] } })).createContact;
    const hidden = (await other.client.ok(CreateContactDocument, { input: { name: 'Hidden', phones: [uniquePhone()] } })).createContact;
    const group = (await plain.client.ok(CreateContactGroupDocument, { input: { name: 'VIP' } })).createContactGroup;
    expect(errorCode(await plain.client.request(CreateContactGroupDocument, { input: { name: 'vip' } }))).toBe('CONFLICT');
    expect(errorCode(await plain.client.request(AddContactsToGroupDocument, { groupId: group.id, contactIds: [a.id, hidden.id] }))).toBe('NOT_FOUND');
    expect((await plain.client.ok(AddContactsToGroupDocument, { groupId: group.id, contactIds: [a.id, shared.id, a.id] })).addContactsToGroup.contactCount).toBe(2);
    await plain.client.ok(UpdateContactGroupDocument, { input: { id: group.id, name: 'Very important' } });
    expect((await plain.client.ok(ContactGroupsDocument)).contactGroups).toEqual([{ id: group.id, name: 'Very important', contactCount: 2 }]);
    expect((await other.client.ok(ContactGroupsDocument)).contactGroups).toEqual([]);
    expect(errorCode(await other.client.request(ContactsDocument, { first: 5, filter: { groupId: group.id } }))).toBe('NOT_FOUND');
    expect(errorCode(await other.client.request(AddContactsToGroupDocument, { groupId: group.id, contactIds: [shared.id] }))).toBe('NOT_FOUND');

    // Un-sharing drops the contact from the member's group view and count alike.
    await other.client.ok(UpdateContactDocument, { input: { id: shared.id, visibility: 'PRIVATE' } });
    expect((await plain.client.ok(ContactGroupsDocument)).contactGroups[0]!.contactCount).toBe(1);
    expect((await plain.client.ok(ContactsDocument, { first: 5, filter: { groupId: group.id } })).contacts.edges.map((e) => e.node.id)).toEqual([a.id]);
    expect((await plain.client.ok(RemoveContactsFromGroupDocument, { groupId: group.id, contactIds: [a.id] })).removeContactsFromGroup.contactCount).toBe(0);
    await plain.client.ok(DeleteContactGroupDocument, { id: group.id });
    expect((await plain.client.ok(ContactGroupsDocument)).contactGroups).toEqual([]);
  });
});

describe('interaction records', () => {
  it('lists records newest first with their authors, paged; members a contact is shared with record too', async () => {
    const { plain, other } = await orgWithPeople();
    const contact = (await plain.client.ok(CreateContactDocument, { input: { name: 'Client', phones: [uniquePhone()], visibility: 'SHARED', sharedMemberIds: [other.memberId] } })).createContact;
    const record = (client: GraphQLClient, kind: 'CALL' | 'MEETING' | 'MESSAGE' | 'NOTE', at: string, summary: string) =>
      client.ok(RecordInteractionDocument, { input: { contactId: contact.id, kind, at, summary } });
    await record(plain.client, 'CALL', '2026-03-01T09:00:00.000Z', 'first call');
    await record(other.client, 'MEETING', '2026-03-05T09:00:00.000Z', 'met at the fair');
    await record(plain.client, 'MESSAGE', '2026-03-03T09:00:00.000Z', 'sent offer');
    const { recordInteraction } = await record(plain.client, 'NOTE', '2026-03-04T09:00:00.000Z', 'thinking');
    expect(recordInteraction).toMatchObject({ kind: 'NOTE', authorName: 'Plain', author: { id: plain.memberId } });

    const page1 = (await other.client.ok(ContactInteractionsDocument, { id: contact.id, first: 2 })).contact!.interactions;
    expect(page1.edges.map((e) => e.node.summary)).toEqual(['met at the fair', 'thinking']);
    expect(page1.totalCount).toBe(4);
    expect(page1.edges[0]!.node.author?.id).toBe(other.memberId);
    const page2 = (await other.client.ok(ContactInteractionsDocument, { id: contact.id, first: 2, after: page1.pageInfo.endCursor })).contact!.interactions;
    expect(page2.edges.map((e) => e.node.summary)).toEqual(['sent offer', 'first call']);
    expect(page2.pageInfo.hasNextPage).toBe(false);

    // node(id) of a record follows its contact's visibility.
    expect((await other.client.ok(NodeDocument, { id: recordInteraction.id })).node).toEqual({ __typename: 'ContactInteraction', id: recordInteraction.id });
    const hiddenRecord = (await plain.client.ok(CreateContactDocument, { input: { name: 'Hidden', phones: [uniquePhone()] } })).createContact;
    const { recordInteraction: hiddenNote } = await plain.client.ok(RecordInteractionDocument, { input: { contactId: hiddenRecord.id, kind: 'NOTE', at: '2026-03-01T09:00:00.000Z', summary: 'mine' } });
    expect(errorCode(await other.client.request(NodeDocument, { id: hiddenNote.id }))).toBe('NOT_FOUND');
    const outsider = await orgWithPeople();
    expect(errorCode(await outsider.owner.request(RecordInteractionDocument, { input: { contactId: contact.id, kind: 'CALL', at: '2026-03-01T09:00:00.000Z', summary: 'x' } }))).toBe('NOT_FOUND');
    expect(errorCode(await plain.client.request(RecordInteractionDocument, { input: { contactId: contact.id, kind: 'CALL', at: '2026-03-01T09:00:00.000Z', summary: ' ' } }))).toBe('BAD_USER_INPUT');
  });

  it('a page of 5 or of 40 contacts with owner, tags, sharing, notes and interactions costs the same SQL statements', async () => {
    const { plain, owner } = await orgWithPeople();
    const { createTagGroup } = await owner.ok(CreateTagGroupDocument, { input: { name: 'G' } });
    const tag = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 't' } })).createTag.id;
    for (let i = 0; i < 40; i++) {
      const { createContact } = await plain.client.ok(CreateContactDocument, {
        input: { name: `C${String(i).padStart(2, '0')}`, phones: [uniquePhone()], tagIds: [tag], visibility: 'SHARED', sharedMemberIds: [plain.memberId] },
      });
      await plain.client.ok(RecordInteractionDocument, { input: { contactId: createContact.id, kind: 'CALL', at: new Date().toISOString(), summary: 's' } });
    }
    for (const client of [plain.client, owner]) {
      await client.request(ContactsPageDocument, { first: 5 }); // warm the credential: later viewers come from the cache
      const five = await client.request(ContactsPageDocument, { first: 5 });
      const forty = await client.request(ContactsPageDocument, { first: 40 });
      expect(five.errors).toBeUndefined();
      expect(forty.data!.contacts.nodes).toHaveLength(40);
      expect(forty.data!.contacts.nodes[39]!.interactions.nodes).toHaveLength(1);
      expect(forty.extensions!.sqlStatements).toBe(five.extensions!.sqlStatements);
    }
  });
});
