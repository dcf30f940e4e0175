/**
 * The contact rows of the authorization matrix [001]: each kind of viewer against one SHARED contact (shared with a
 * member and with a department subtree) and one PRIVATE contact of the same owner, through every read (contact(id),
 * node(id), the list, search, counts), the field rule (phones, email, notes) and updates. Built through the API.
 *
 * Tree: root > A > A1, root > B, root > C, root > D. The contacts' owner sits in C. The SHARED contact is shared with
 * the department A (so A and A1 see it) and with one member placed in B. Partner API clients of the org read as org-wide
 * readers (`contacts:read`) or editors (`contacts:write`); follow-ups are scheduled by whoever sees the contact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ContactDocument,
  ContactNodeDocument,
  ContactsCountDocument,
  ContactsDocument,
  CreateContactDocument,
  CreateDepartmentDocument,
  RolesDocument,
  ScheduleFollowUpDocument,
  UpdateContactDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor } from './support/limits';
import { addPersonWithLogin } from './support/people';

type ViewerKind =
  | 'contactOwner'
  | 'sharedMember'
  | 'sharedDepartmentMember'
  | 'subDepartmentMember'
  | 'orgOwner'
  | 'admin'
  | 'inScopeSubAdmin'
  | 'sharedIntoScopeSubAdmin'
  | 'outOfScopeSubAdmin'
  | 'otherMember'
  | 'otherOrgMember'
  | 'anonymous'
  | 'contactsReaderClient'
  | 'contactsWriterClient';

interface Expected {
  /** contact(id) / node(id) of the SHARED contact: 'ok' or the error code. */
  shared: 'ok' | string;
  /** ... of the PRIVATE contact. */
  private: 'ok' | string;
  /** Sees notes (phones and email go with seeing the contact). */
  notes: boolean;
  /** updateContact on the SHARED contact. */
  update: 'ok' | string;
  /** scheduleFollowUp on the SHARED contact, for oneself. */
  followUp: 'ok' | string;
}

const EXPECTED: Record<ViewerKind, Expected> = {
  contactOwner: { shared: 'ok', private: 'ok', notes: true, update: 'ok', followUp: 'ok' },
  sharedMember: { shared: 'ok', private: 'NOT_FOUND', notes: false, update: 'FORBIDDEN', followUp: 'ok' },
  sharedDepartmentMember: { shared: 'ok', private: 'NOT_FOUND', notes: false, update: 'FORBIDDEN', followUp: 'ok' },
  subDepartmentMember: { shared: 'ok', private: 'NOT_FOUND', notes: false, update: 'FORBIDDEN', followUp: 'ok' },
  orgOwner: { shared: 'ok', private: 'ok', notes: true, update: 'ok', followUp: 'ok' },
  admin: { shared: 'ok', private: 'ok', notes: true, update: 'ok', followUp: 'ok' },
  inScopeSubAdmin: { shared: 'ok', private: 'ok', notes: true, update: 'ok', followUp: 'ok' },
  sharedIntoScopeSubAdmin: { shared: 'ok', private: 'NOT_FOUND', notes: false, update: 'FORBIDDEN', followUp: 'ok' },
  outOfScopeSubAdmin: { shared: 'NOT_FOUND', private: 'NOT_FOUND', notes: false, update: 'NOT_FOUND', followUp: 'NOT_FOUND' },
  otherMember: { shared: 'NOT_FOUND', private: 'NOT_FOUND', notes: false, update: 'NOT_FOUND', followUp: 'NOT_FOUND' },
  otherOrgMember: { shared: 'NOT_FOUND', private: 'NOT_FOUND', notes: false, update: 'NOT_FOUND', followUp: 'NOT_FOUND' },
  anonymous: { shared: 'UNAUTHENTICATED', private: 'UNAUTHENTICATED', notes: false, update: 'UNAUTHENTICATED', followUp: 'UNAUTHENTICATED' },
  // Partners: org-wide, as a role granting CONTACTS VIEW (read) or every CONTACTS action (write); follow-ups need a person.
  contactsReaderClient: { shared: 'ok', private: 'ok', notes: false, update: 'FORBIDDEN', followUp: 'FORBIDDEN' },
  contactsWriterClient: { shared: 'ok', private: 'ok', notes: true, update: 'ok', followUp: 'FORBIDDEN' },
};
const KINDS = Object.keys(EXPECTED) as ViewerKind[];

let viewers: Record<ViewerKind, GraphQLClient>;
let shared: { id: string; phone: string };
let privateContact: { id: string; phone: string };
let orgContactId: string;

beforeAll(async () => {
  const anonymous = new GraphQLClient((await startTestGateway()).url);
  const org = await createOrgWithOwner(anonymous);
  const owner = org.client;
  const dept = async (name: string, parentId?: string) => (await owner.ok(CreateDepartmentDocument, { input: { name, parentId } })).createDepartment.id;
  const a = await dept('A');
  const a1 = await dept('A1', a);
  const b = await dept('B');
  const c = await dept('C');
  const d = await dept('D');
  const { roles } = await owner.ok(RolesDocument);
  const builtin = (key: string) => roles.find((role) => role.builtin === key)!.id;
  const join = (name: string, departmentIds: string[], roleList: Array<{ roleId: string; scopeDepartmentIds?: string[] }> = []) =>
    addPersonWithLogin(owner, org.org.code, { name, departmentIds, roles: roleList });

  const [contactOwner, sharedMember, sharedDepartmentMember, subDepartmentMember, admin, inScope, sharedIntoScope, outOfScope, otherMember] = await Promise.all([
    join('Contact owner', [c]),
    join('Shared member', [b]),
    join('In A', [a]),
    join('In A1', [a1]),
    join('Admin', [d], [{ roleId: builtin('ADMIN') }]),
    join('Sub-admin of C', [d], [{ roleId: builtin('SUB_ADMIN'), scopeDepartmentIds: [c] }]),
    join('Sub-admin of B', [d], [{ roleId: builtin('SUB_ADMIN'), scopeDepartmentIds: [b] }]),
    join('Sub-admin of D', [d], [{ roleId: builtin('SUB_ADMIN'), scopeDepartmentIds: [d] }]),
    join('Other', [d]),
  ]);
  const other = await createOrgWithOwner(anonymous);
  // The types these operations select (owner, sharing targets) need members:read and departments:read besides.
  const [reader, writer] = await Promise.all([
    apiClientFor(owner, ['contacts:read', 'members:read', 'departments:read']),
    apiClientFor(owner, ['contacts:write', 'members:read', 'departments:read']),
  ]);
  viewers = {
    contactOwner: contactOwner.client,
    sharedMember: sharedMember.client,
    sharedDepartmentMember: sharedDepartmentMember.client,
    subDepartmentMember: subDepartmentMember.client,
    orgOwner: owner,
    admin: admin.client,
    inScopeSubAdmin: inScope.client,
    sharedIntoScopeSubAdmin: sharedIntoScope.client,
    outOfScopeSubAdmin: outOfScope.client,
    otherMember: otherMember.client,
    otherOrgMember: other.client,
    anonymous,
    contactsReaderClient: reader.partner,
    contactsWriterClient: writer.partner,
  };

  const create = async (input: Parameters<typeof contactOwner.client.ok<any, any>>[1]['input']) =>
    (await contactOwner.client.ok(CreateContactDocument, { input })).createContact.id as string;
  shared = { phone: uniquePhone(), id: '' };
  shared.id = await create({
    name: 'Shared Quokka',
    phones: [shared.phone],
    email: 'shared.quokka@example.org',
    company: 'Quokka Trading',
    notes: 'owner-only notes',
    visibility: 'SHARED',
    sharedDepartmentIds: [a],
    sharedMemberIds: [sharedMember.memberId],
  });
  privateContact = { phone: uniquePhone(), id: '' };
  privateContact.id = await create({ name: 'Private Quokka', phones: [privateContact.phone], notes: 'secret' });
  orgContactId = await create({ name: 'Everyone Wombat', phones: [uniquePhone()], visibility: 'ORG' });
});

describe.each(KINDS)('viewer: %s', (kind) => {
  const expected = EXPECTED[kind];

  it(`contact(id) and node(id) of the SHARED contact: ${expected.shared}${expected.shared === 'ok' ? (expected.notes ? ', with notes' : ', phones and email but no notes') : ''}`, async () => {
    for (const document of [ContactDocument, ContactNodeDocument] as const) {
      const result = await viewers[kind].request(document as typeof ContactDocument, { id: shared.id });
      if (expected.shared !== 'ok') {
        expect(errorCode(result)).toBe(expected.shared);
        expect(JSON.stringify(result.data ?? null)).not.toContain('Quokka');
        continue;
      }
      expect(result.errors).toBeUndefined();
      const contact = (result.data as any).contact ?? (result.data as any).node;
      expect(contact).toMatchObject({ name: 'Shared Quokka', company: 'Quokka Trading', phones: [shared.phone], email: 'shared.quokka@example.org' });
      expect(contact.notes).toBe(expected.notes ? 'owner-only notes' : null);
    }
  });

  it(`contact(id) of the PRIVATE contact: ${expected.private}`, async () => {
    const result = await viewers[kind].request(ContactDocument, { id: privateContact.id });
    if (expected.private === 'ok') {
      expect(result.data!.contact).toMatchObject({ name: 'Private Quokka', phones: [privateContact.phone], notes: expected.notes ? 'secret' : null });
    } else {
      expect(errorCode(result)).toBe(expected.private);
      expect(result.data?.contact ?? null).toBeNull();
    }
  });

  it('the list, search and count show exactly the contacts single reads show, with the same fields', async () => {
    const seen = [expected.shared === 'ok' && shared.id, expected.private === 'ok' && privateContact.id].filter(Boolean);
    const list = await viewers[kind].request(ContactsDocument, { first: 50 });
    const search = await viewers[kind].request(ContactsDocument, { first: 50, filter: { query: 'quokk' } });
    const byPhone = await viewers[kind].request(ContactsDocument, { first: 50, filter: { query: shared.phone.slice(-8) } });
    const count = await viewers[kind].request(ContactsCountDocument, { filter: { query: 'QUOKKA' } });
    if (kind === 'anonymous') {
      for (const result of [list, search, byPhone, count]) expect(errorCode(result)).toBe('UNAUTHENTICATED');
      return;
    }
    const listed = list.data!.contacts.edges.map((e) => e.node);
    expect(listed.map((c) => c.id).filter((id) => id !== orgContactId).sort()).toEqual([...seen].sort());
    expect(listed.some((c) => c.id === orgContactId)).toBe(kind !== 'otherOrgMember');
    expect(search.data!.contacts.edges.map((e) => e.node.id).sort()).toEqual([...seen].sort());
    expect(byPhone.data!.contacts.edges.map((e) => e.node.id)).toEqual(expected.shared === 'ok' ? [shared.id] : []);
    expect(count.data!.contacts.totalCount).toBe(seen.length);
    const row = listed.find((c) => c.id === shared.id);
    if (row) {
      expect(row).toMatchObject({ phones: [shared.phone], email: 'shared.quokka@example.org', company: 'Quokka Trading' });
      expect(row.notes).toBe(expected.notes ? 'owner-only notes' : null);
    }
  });

  it(`updateContact on the SHARED contact: ${expected.update}`, async () => {
    const result = await viewers[kind].request(UpdateContactDocument, { input: { id: shared.id, title: `by ${kind}` } });
    if (expected.update === 'ok') {
      expect(result.errors).toBeUndefined();
      expect(result.data!.updateContact.title).toBe(`by ${kind}`);
    } else {
      expect(errorCode(result)).toBe(expected.update);
      if (expected.update === 'FORBIDDEN') expect(result.errors![0]!.message).toMatch(/No permission/);
    }
  });

  it(`scheduleFollowUp on the SHARED contact, for oneself: ${expected.followUp}`, async () => {
    const result = await viewers[kind].request(ScheduleFollowUpDocument, { contactId: shared.id, dueAt: new Date(Date.now() + 86_400_000).toISOString(), note: `by ${kind}` });
    if (expected.followUp === 'ok') {
      expect(result.errors).toBeUndefined();
      expect(result.data!.scheduleFollowUp).toMatchObject({ note: `by ${kind}`, status: 'OPEN', contact: { id: shared.id } });
    } else {
      expect(errorCode(result)).toBe(expected.followUp);
      expect(JSON.stringify(result.data ?? null)).not.toContain('Quokka');
    }
  });
});
