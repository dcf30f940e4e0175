import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  ApiClientsDocument,
  AuditLogDocument,
  AuditLogWithClientsDocument,
  CreateApiClientDocument,
  CreateDepartmentDocument,
  DepartmentDocument,
  InvitationsDocument,
  MemberDocument,
  NodeDocument,
  PartnerDirectoryDocument,
  PartnerDirectoryWithDepartmentsDocument,
  PartnerSendInvitationDocument,
  RemoveMemberDocument,
  RevokeApiClientDocument,
  RotateApiClientSecretDocument,
  UpdateMemberDocument,
  ViewerDocument,
  type ApiScope,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { invitationMessagesTo } from './support/invitations';
import { apiClientFor, gql, rawCode, requestToken } from './support/limits';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';

let client: GraphQLClient;
let url: string;
beforeAll(async () => {
  url = (await startTestGateway()).url;
  client = new GraphQLClient(url);
});

/** An org whose owner added a member with contact details, for partners to read. */
async function orgWithPeople() {
  const owner = await createOrgWithOwner(client);
  const { addMember } = await owner.client.ok(AddMemberDocument, {
    input: { name: 'Wang Fang', phone: uniquePhone(), email: 'wang.fang@example.com', employeeNo: 'E-7', title: 'Nurse' },
  });
  return { ...owner, person: addMember };
}

describe('managing API clients', () => {
  it('creates a client whose secret is shown once and stored only as a hash', async () => {
    const owner = await createOrgWithOwner(client);
    const { createApiClient } = await owner.client.ok(CreateApiClientDocument, {
      input: { name: 'HR sync', scopes: ['MEMBERS_WRITE', 'MEMBERS_READ', 'DEPARTMENTS_READ', 'MEMBERS_READ'] },
    });
    expect(createApiClient.clientId).toMatch(/^ogc_/);
    expect(createApiClient.clientSecret).toMatch(/^ogs_[A-Za-z0-9_-]{43}$/);
    expect(createApiClient.client).toMatchObject({
      name: 'HR sync',
      clientId: createApiClient.clientId,
      scopes: ['MEMBERS_READ', 'MEMBERS_WRITE', 'DEPARTMENTS_READ'],
      revokedAt: null,
      secretRotatedAt: null,
      lastTokenAt: null,
      createdBy: { id: owner.member.id },
    });
    const [row] = await sql<{ secret_hash: string }>('select secret_hash from api_clients where id = $1', [rawIdOf(createApiClient.client.id)]);
    expect(row!.secret_hash).toBe(createHash('sha256').update(createApiClient.clientSecret).digest('hex'));
    expect(JSON.stringify(await sql('select * from api_clients where id = $1', [rawIdOf(createApiClient.client.id)]))).not.toContain(createApiClient.clientSecret);

    const { apiClients } = await owner.client.ok(ApiClientsDocument);
    expect(apiClients.map((c) => c.id)).toEqual([createApiClient.client.id]);
    const audit = await owner.client.ok(AuditLogDocument, { first: 5, filter: { action: 'API_CLIENT_CREATE' } });
    expect(audit.auditLog.edges[0]!.node.summary).toEqual({ name: 'HR sync', scopes: ['members:read', 'members:write', 'departments:read'] });
  });

  it('refuses unknown or no scopes, blank names, duplicate active names, and anyone but OWNER and ADMIN', async () => {
    const owner = await createOrgWithOwner(client);
    const refused = await Promise.all([
      owner.client.request(CreateApiClientDocument, { input: { name: 'X', scopes: ['MEMBERS_READ', 'MEMBERS_ADMIN' as ApiScope] } }),
      owner.client.request(CreateApiClientDocument, { input: { name: 'X', scopes: [] } }),
      owner.client.request(CreateApiClientDocument, { input: { name: '   ', scopes: ['MEMBERS_READ'] } }),
    ]);
    expect(refused.map(errorCode)).toEqual(['BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
    expect(refused[0]!.errors![0]!.message).toMatch(/MEMBERS_ADMIN.*ApiScope/);

    await owner.client.ok(CreateApiClientDocument, { input: { name: 'CRM', scopes: ['CONTACTS_READ'] } });
    expect(errorCode(await owner.client.request(CreateApiClientDocument, { input: { name: 'crm', scopes: ['CONTACTS_READ'] } }))).toBe('CONFLICT');

    const member = await seedActiveMember(client, owner.org.id);
    expect(errorCode(await member.client.request(CreateApiClientDocument, { input: { name: 'Mine', scopes: ['MEMBERS_READ'] } }))).toBe('FORBIDDEN');
    expect(errorCode(await member.client.request(ApiClientsDocument))).toBe('FORBIDDEN');
    expect(errorCode(await client.request(ApiClientsDocument))).toBe('UNAUTHENTICATED');
  });
});

describe('POST /oauth/token', () => {
  it('exchanges client credentials (form, JSON or HTTP Basic) for a short-lived bearer token', async () => {
    const owner = await createOrgWithOwner(client);
    const { createApiClient } = await owner.client.ok(CreateApiClientDocument, { input: { name: 'CRM', scopes: ['MEMBERS_READ', 'DEPARTMENTS_READ'] } });
    const credentials = { client_id: createApiClient.clientId, client_secret: createApiClient.clientSecret };

    const form = await requestToken(url, { grant_type: 'client_credentials', ...credentials });
    expect(form.status).toBe(200);
    expect(form.headers['cache-control']).toBe('no-store');
    expect(form.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 900, scope: 'members:read departments:read' });
    const [, payload] = (form.body.access_token as string).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8'));
    expect(claims.exp - claims.iat).toBe(900);
    expect(claims).toMatchObject({ typ: 'api_client', org: rawIdOf(owner.org.id), scope: 'members:read departments:read' });

    const json = await requestToken(url, { grant_type: 'client_credentials', ...credentials, scope: 'departments:read' }, { json: true });
    expect(json.body).toMatchObject({ token_type: 'Bearer', scope: 'departments:read' });
    const basic = await requestToken(url, { grant_type: 'client_credentials' }, { basic: { clientId: credentials.client_id, clientSecret: credentials.client_secret } });
    expect(basic.status).toBe(200);

    const { apiClients } = await owner.client.ok(ApiClientsDocument);
    expect(apiClients[0]!.lastTokenAt).not.toBeNull();
  });

  it('answers RFC 6749 errors', async () => {
    const owner = await createOrgWithOwner(client);
    const { createApiClient } = await owner.client.ok(CreateApiClientDocument, { input: { name: 'CRM', scopes: ['MEMBERS_READ'] } });
    const good = { client_id: createApiClient.clientId, client_secret: createApiClient.clientSecret };
    const cases: Array<[Promise<{ status: number; body: { error: string } }>, number, string]> = [
      [requestToken(url, { grant_type: 'client_credentials', client_id: good.client_id, client_secret: 'ogs_wrong' }), 401, 'invalid_client'],
      [requestToken(url, { grant_type: 'client_credentials', client_id: 'ogc_unknown', client_secret: good.client_secret }), 401, 'invalid_client'],
      [requestToken(url, { grant_type: 'client_credentials', client_id: good.client_id }), 401, 'invalid_client'],
      [requestToken(url, { ...good }), 400, 'invalid_request'],
      [requestToken(url, { grant_type: 'password', ...good }), 400, 'unsupported_grant_type'],
      [requestToken(url, { grant_type: 'client_credentials', ...good, scope: 'members:read audit:read' }), 400, 'invalid_scope'],
      [requestToken(url, { grant_type: 'client_credentials', ...good }, { basic: { clientId: good.client_id, clientSecret: good.client_secret } }), 400, 'invalid_request'],
    ];
    for (const [answer, status, error] of cases) {
      const result = await answer;
      expect([result.status, result.body.error]).toEqual([status, error]);
    }
    const get = await fetch(url.replace('/graphql', '/oauth/token'));
    expect(get.status).toBe(405);
    const duplicated = await fetch(url.replace('/graphql', '/oauth/token'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${good.client_id}&client_id=other&client_secret=${good.client_secret}`,
    });
    expect([duplicated.status, ((await duplicated.json()) as { error: string }).error]).toEqual([400, 'invalid_request']);
  });
});

describe('a partner with scopes', () => {
  it('reads what members:read grants, with contact details hidden (null) until members:read_sensitive', async () => {
    const org = await orgWithPeople();
    const reader = await apiClientFor(org.client, ['members:read']);
    const { members } = await reader.partner.ok(PartnerDirectoryDocument, { first: 10 });
    expect(members.totalCount).toBe(2);
    const person = members.nodes.find((m) => m.id === org.person.id)!;
    expect(person).toMatchObject({ name: 'Wang Fang', title: 'Nurse', phone: null, email: null, employeeNo: null, account: null });
    const one = await gql(url, 'query ($id: ID!) { member(id: $id) { name phone manager { name } } }', { id: org.person.id }, { token: reader.token });
    expect(one.body.data.member).toEqual({ name: 'Wang Fang', phone: null, manager: null });

    const sensitive = await apiClientFor(org.client, ['members:read', 'members:read_sensitive']);
    const full = (await sensitive.partner.ok(PartnerDirectoryDocument, { first: 10 })).members.nodes.find((m) => m.id === org.person.id)!;
    expect(full).toMatchObject({ email: 'wang.fang@example.com', employeeNo: 'E-7', phone: expect.stringMatching(/^\+86/) });

    // A token asked for with fewer scopes holds only those.
    const narrowed = await requestToken(url, { grant_type: 'client_credentials', client_id: sensitive.clientId, client_secret: sensitive.clientSecret, scope: 'members:read' });
    const narrow = (await client.as(narrowed.body.access_token).ok(PartnerDirectoryDocument, { first: 10 })).members.nodes.find((m) => m.id === org.person.id)!;
    expect(narrow.email).toBeNull();
  });

  it('reads departments, invitations, roles and the audit log with their read scopes', async () => {
    const org = await orgWithPeople();
    const reader = await apiClientFor(org.client, ['departments:read', 'invitations:read', 'roles:read', 'audit:read']);
    const root = org.org.rootDepartment.id;
    const result = await gql(
      url,
      `query ($root: ID!) {
        department(id: $root) { name children { id } }
        invitations(first: 5) { totalCount nodes { status phone } }
        roles { name builtin }
        auditLog(first: 5) { nodes { action actorApiClient { name } } }
      }`,
      { root },
      { token: reader.token },
    );
    expect(result.body.errors).toBeUndefined();
    expect(result.body.data.department.name).toBe('Test Org');
    expect(result.body.data.invitations).toEqual({ totalCount: 1, nodes: [{ status: 'PENDING', phone: null }] });
    expect(result.body.data.roles.map((role: { builtin: string }) => role.builtin)).toEqual(['OWNER', 'ADMIN', 'SUB_ADMIN', 'MEMBER']);
    expect(result.body.data.auditLog.nodes.map((entry: { action: string }) => entry.action)).toContain('API_CLIENT_CREATE');
    expect(result.body.extensions.cost).toMatchObject({ requested: expect.any(Number), actual: expect.any(Number), remaining: expect.any(Number) });
  });

  it('gets FORBIDDEN for what its scopes do not cover, before anything runs', async () => {
    const org = await orgWithPeople();
    const reader = await apiClientFor(org.client, ['members:read']);
    const root = org.org.rootDepartment.id;
    const refusals = {
      departmentsOfMembers: await reader.partner.request(PartnerDirectoryWithDepartmentsDocument, { first: 5 }),
      department: await reader.partner.request(DepartmentDocument, { id: root }),
      departmentNode: await reader.partner.request(NodeDocument, { id: root }),
      addMember: await reader.partner.request(AddMemberDocument, { input: { name: 'New', phone: uniquePhone() } }),
      updateMember: await reader.partner.request(UpdateMemberDocument, { input: { id: org.person.id, title: 'Doctor' } }),
      auditLog: await reader.partner.request(AuditLogDocument, { first: 5 }),
      invitations: await reader.partner.request(InvitationsDocument, { first: 5 }),
      viewer: await reader.partner.request(ViewerDocument),
      createApiClient: await reader.partner.request(CreateApiClientDocument, { input: { name: 'Child', scopes: ['MEMBERS_READ'] } }),
      apiClients: await reader.partner.request(ApiClientsDocument),
    };
    for (const [name, result] of Object.entries(refusals)) expect([name, errorCode(result)]).toEqual([name, 'FORBIDDEN']);
    expect(refusals.departmentsOfMembers.errors![0]!.message).toMatch(/departments:read/);
    expect(refusals.departmentsOfMembers.extensions?.sqlStatements).toBeLessThanOrEqual(2); // the client's row and org only
    expect((await org.client.ok(MemberDocument, { id: org.person.id })).member!.title).toBe('Nurse');
  });

  it('writes with a write scope, and the audit log names the client as the actor', async () => {
    const org = await orgWithPeople();
    const hr = await apiClientFor(org.client, ['members:write', 'departments:write'], 'HR system');
    const { createDepartment } = await hr.partner.ok(CreateDepartmentDocument, { input: { name: 'Cardiology' } });
    const { addMember } = await hr.partner.ok(AddMemberDocument, { input: { name: 'Li Lei', phone: uniquePhone(), departmentIds: [createDepartment.id] } });
    expect(addMember.departments.map((d) => d.id)).toEqual([createDepartment.id]);
    await hr.partner.ok(RemoveMemberDocument, { input: { id: org.person.id, mode: 'OFFBOARD' } });

    const { auditLog } = await org.client.ok(AuditLogWithClientsDocument, { first: 10, filter: { actorId: hr.id } });
    expect(auditLog.nodes.map((entry) => entry.action)).toEqual(['MEMBER_REMOVE', 'MEMBER_ADD', 'DEPARTMENT_CREATE']);
    for (const entry of auditLog.nodes) expect(entry).toMatchObject({ actor: null, actorApiClient: { id: hr.id, name: 'HR system' } });
    const [record] = await sql<{ recorded_by_member_id: string | null; recorded_by_api_client_id: string }>(
      'select recorded_by_member_id, recorded_by_api_client_id from offboarding_records where member_id = $1',
      [rawIdOf(org.person.id)],
    );
    expect(record).toEqual({ recorded_by_member_id: null, recorded_by_api_client_id: rawIdOf(hr.id) });
  });

  it('invites with invitations:write (and only with it, even while invitations are open to members)', async () => {
    const org = await createOrgWithOwner(client);
    const crm = await apiClientFor(org.client, ['invitations:write', 'members:read'], 'Acme CRM');
    const phone = uniquePhone();
    const { sendInvitation } = await crm.partner.ok(PartnerSendInvitationDocument, { input: { name: 'Zhao Min', phone } });
    expect(sendInvitation.invitation).toMatchObject({ status: 'PENDING', invitedBy: null, name: 'Zhao Min', phone: null });
    const [message] = await invitationMessagesTo(phone);
    expect(message!.payload).toMatchObject({ inviterName: 'Acme CRM' });

    const reader = await apiClientFor(org.client, ['members:read', 'invitations:read']);
    expect(errorCode(await reader.partner.request(PartnerSendInvitationDocument, { input: { name: 'Zhao Min', phone: uniquePhone() } }))).toBe('FORBIDDEN');
  });

  it('stays inside its org: foreign ids answer NOT_FOUND, and a token naming another org is worthless', async () => {
    const a = await orgWithPeople();
    const b = await orgWithPeople();
    const partner = await apiClientFor(a.client, ['members:write', 'departments:read']);
    expect(errorCode(await partner.partner.request(MemberDocument, { id: b.person.id }))).toBe('NOT_FOUND');
    expect(rawCode(await gql(url, 'query ($id: ID!) { node(id: $id) { id } }', { id: b.person.id }, { token: partner.token }))).toBe('NOT_FOUND');
    expect(errorCode(await partner.partner.request(UpdateMemberDocument, { input: { id: b.person.id, title: 'x' } }))).toBe('NOT_FOUND');
    expect(errorCode(await partner.partner.request(AddMemberDocument, { input: { name: 'x', phone: uniquePhone(), departmentIds: [b.org.rootDepartment.id] } }))).toBe('NOT_FOUND');
    expect(errorCode(await partner.partner.request(RevokeApiClientDocument, { id: partner.id }))).toBe('FORBIDDEN');
  });
});

describe('a partner and external contacts', () => {
  const CONTACT = 'id name phones notes viewerCanEdit state capabilities { call } tags { id }';

  it('reads every contact of its org with contacts:read, as an org-wide reader: notes null, nothing written', async () => {
    const org = await createOrgWithOwner(client);
    const rep = await seedActiveMember(client, org.org.id, { name: 'Sales Rep' });
    const create = (who: GraphQLClient, input: Record<string, unknown>) =>
      gql(url, `mutation ($input: CreateContactInput!) { createContact(input: $input) { id } }`, { input: { phones: [uniquePhone()], ...input } }, { token: who.token });
    const privateId = (await create(rep.client, { name: 'Private Co buyer', notes: 'likes tea' })).body.data.createContact.id as string;
    const orgWideId = (await create(org.client, { name: 'Everyone’s', visibility: 'ORG' })).body.data.createContact.id as string;
    const other = await createOrgWithOwner(client);
    const foreignId = (await create(other.client, { name: 'Foreign' })).body.data.createContact.id as string;

    const reader = await apiClientFor(org.client, ['contacts:read']);
    const list = await gql(url, `query { contacts(first: 10) { totalCount nodes { ${CONTACT} } } }`, {}, { token: reader.token });
    expect(list.body.errors).toBeUndefined();
    expect(list.body.data.contacts.totalCount).toBe(2);
    const byId = new Map(list.body.data.contacts.nodes.map((c: { id: string }) => [c.id, c]));
    expect(byId.get(privateId)).toMatchObject({ name: 'Private Co buyer', notes: null, viewerCanEdit: false, state: 'SHARED', capabilities: { call: false } });
    expect(byId.has(orgWideId)).toBe(true);
    const one = await gql(url, 'query ($id: ID!) { contact(id: $id) { name } node(id: $id) { id } }', { id: privateId }, { token: reader.token });
    expect(one.body.data).toEqual({ contact: { name: 'Private Co buyer' }, node: { id: privateId } });
    const search = await gql(url, 'query { contacts(first: 5, filter: { query: "private" }) { nodes { id } } }', {}, { token: reader.token });
    expect(search.body.data.contacts.nodes).toEqual([{ id: privateId }]);

    const refusals = {
      foreign: await gql(url, 'query ($id: ID!) { contact(id: $id) { name } }', { id: foreignId }, { token: reader.token }),
      foreignNode: await gql(url, 'query ($id: ID!) { node(id: $id) { id } }', { id: foreignId }, { token: reader.token }),
      ownerWithoutMembersRead: await gql(url, 'query { contacts(first: 5) { nodes { owner { name } } } }', {}, { token: reader.token }),
      create: await create(reader.partner, { name: 'New', ownerId: rep.memberId }),
      update: await gql(url, 'mutation ($id: ID!) { updateContact(input: { id: $id, name: "Renamed" }) { id } }', { id: privateId }, { token: reader.token }),
      delete: await gql(url, 'mutation ($id: ID!) { deleteContact(id: $id) { deletedContactId } }', { id: privateId }, { token: reader.token }),
      followUp: await gql(url, 'mutation ($id: ID!) { scheduleFollowUp(contactId: $id, dueAt: "2030-01-01T00:00:00.000Z") { id } }', { id: privateId }, { token: reader.token }),
    };
    expect(Object.fromEntries(Object.entries(refusals).map(([name, result]) => [name, rawCode(result)]))).toEqual({
      foreign: 'NOT_FOUND',
      foreignNode: 'NOT_FOUND',
      ownerWithoutMembersRead: 'FORBIDDEN',
      create: 'FORBIDDEN',
      update: 'FORBIDDEN',
      delete: 'FORBIDDEN',
      followUp: 'FORBIDDEN',
    });
    expect(refusals.ownerWithoutMembersRead.body.errors[0].message).toMatch(/members:read/);

    // Without a contacts scope, contacts do not exist for the client.
    const hr = await apiClientFor(org.client, ['members:read']);
    const refused = await gql(url, 'query { contacts(first: 5) { nodes { id } } }', {}, { token: hr.token });
    expect(rawCode(refused)).toBe('FORBIDDEN');
    expect(refused.body.errors[0].message).toMatch(/contacts:read/);
    const [row] = await sql<{ name: string }>('select name from contacts where id = $1', [rawIdOf(privateId)]);
    expect(row!.name).toBe('Private Co buyer');
  });

  it('with contacts:write creates contacts for a member it names, edits and deletes any, audited as the client', async () => {
    const org = await createOrgWithOwner(client);
    const rep = await seedActiveMember(client, org.org.id, { name: 'Sales Rep' });
    const other = await createOrgWithOwner(client);
    const crm = await apiClientFor(org.client, ['contacts:write', 'members:read'], 'Acme CRM');
    const create = (input: Record<string, unknown>) =>
      gql(url, `mutation ($input: CreateContactInput!) { createContact(input: $input) { ${CONTACT} owner { id } source } }`, { input }, { token: crm.token });
    const phone = uniquePhone();

    expect(rawCode(await create({ name: 'No owner', phones: [phone] }))).toBe('BAD_USER_INPUT');
    expect(rawCode(await create({ name: 'Foreign owner', phones: [phone], ownerId: other.member.id }))).toBe('NOT_FOUND');
    const created = await create({ name: 'Synced Buyer', phones: [phone], notes: 'from the CRM', ownerId: rep.memberId, source: 'IMPORT' });
    expect(created.body.errors).toBeUndefined();
    const contact = created.body.data.createContact;
    expect(contact).toMatchObject({ name: 'Synced Buyer', notes: 'from the CRM', viewerCanEdit: true, owner: { id: rep.memberId }, source: 'IMPORT' });
    // The owner has it; a duplicate phone names it (the client sees every contact).
    const mine = await gql(url, 'query { contacts(first: 5) { nodes { id } } }', {}, { token: rep.client.token });
    expect(mine.body.data.contacts.nodes).toEqual([{ id: contact.id }]);
    const duplicate = await create({ name: 'Again', phones: [phone], ownerId: rep.memberId });
    expect(duplicate.body.errors[0].extensions).toMatchObject({ code: 'CONTACT_EXISTS', existingContactId: contact.id });

    const updated = await gql(url, 'mutation ($id: ID!) { updateContact(input: { id: $id, title: "Buyer", notes: "updated" }) { title notes } }', { id: contact.id }, { token: crm.token });
    expect(updated.body.data.updateContact).toEqual({ title: 'Buyer', notes: 'updated' });
    const deleted = await gql(url, 'mutation ($id: ID!) { deleteContact(id: $id) { deletedContactId } }', { id: contact.id }, { token: crm.token });
    expect(deleted.body.data.deleteContact.deletedContactId).toBe(contact.id);
    const [row] = await sql<{ deleted_at: Date | null; deleted_by_member_id: string | null }>('select deleted_at, deleted_by_member_id from contacts where id = $1', [rawIdOf(contact.id)]);
    expect(row).toMatchObject({ deleted_at: expect.any(Date), deleted_by_member_id: null });

    const { auditLog } = await org.client.ok(AuditLogWithClientsDocument, { first: 10, filter: { actorId: crm.id } });
    expect(auditLog.nodes.map((entry) => entry.action)).toEqual(['CONTACT_DELETE', 'CONTACT_UPDATE', 'CONTACT_CREATE']);
    for (const entry of auditLog.nodes) expect(entry).toMatchObject({ actor: null, actorApiClient: { id: crm.id, name: 'Acme CRM' } });

    // People: a plain member may not create contacts for a colleague; an admin may.
    const colleague = await create({ name: 'x', phones: [uniquePhone()], ownerId: rep.memberId });
    expect(colleague.body.errors).toBeUndefined();
    const byMember = await gql(url, 'mutation ($input: CreateContactInput!) { createContact(input: $input) { id } }', { input: { name: 'For the owner', phones: [uniquePhone()], ownerId: org.member.id } }, { token: rep.client.token });
    expect(rawCode(byMember)).toBe('FORBIDDEN');
    const byAdmin = await gql(url, 'mutation ($input: CreateContactInput!) { createContact(input: $input) { owner { id } } }', { input: { name: 'For the rep', phones: [uniquePhone()], ownerId: rep.memberId } }, { token: org.client.token });
    expect(byAdmin.body.data.createContact.owner).toEqual({ id: rep.memberId });
  });
});

describe('rotation and revocation', () => {
  it('rotating kills the old secret and its tokens at once', async () => {
    const org = await orgWithPeople();
    const partner = await apiClientFor(org.client, ['members:read']);
    const { rotateApiClientSecret } = await org.client.ok(RotateApiClientSecretDocument, { id: partner.id });
    expect(rotateApiClientSecret.clientId).toBe(partner.clientId);
    expect(rotateApiClientSecret.clientSecret).not.toBe(partner.clientSecret);
    expect(rotateApiClientSecret.client.secretRotatedAt).not.toBeNull();

    expect(errorCode(await partner.partner.request(PartnerDirectoryDocument, { first: 5 }))).toBe('UNAUTHENTICATED');
    const old = await requestToken(url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret });
    expect([old.status, old.body.error]).toEqual([401, 'invalid_client']);
    const fresh = await requestToken(url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: rotateApiClientSecret.clientSecret });
    expect((await client.as(fresh.body.access_token).ok(PartnerDirectoryDocument, { first: 5 })).members.totalCount).toBe(2);
  });

  it('revoking stops its tokens on their very next request', async () => {
    const org = await orgWithPeople();
    const partner = await apiClientFor(org.client, ['members:read']);
    expect((await partner.partner.ok(PartnerDirectoryDocument, { first: 5 })).members.totalCount).toBe(2);
    const { revokeApiClient } = await org.client.ok(RevokeApiClientDocument, { id: partner.id });
    expect(revokeApiClient).toMatchObject({ revokedAt: expect.any(String), revokedBy: { id: org.member.id } });

    const after = await partner.partner.request(PartnerDirectoryDocument, { first: 5 });
    expect(errorCode(after)).toBe('UNAUTHENTICATED');
    const exchange = await requestToken(url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret });
    expect([exchange.status, exchange.body.error]).toEqual([401, 'invalid_client']);
    expect(errorCode(await org.client.request(RotateApiClientSecretDocument, { id: partner.id }))).toBe('BAD_USER_INPUT');
    // Revoking again changes nothing; the audit log has one entry.
    await org.client.ok(RevokeApiClientDocument, { id: partner.id });
    const audit = await org.client.ok(AuditLogDocument, { first: 10, filter: { action: 'API_CLIENT_REVOKE' } });
    expect(audit.auditLog.edges.map((e) => e.node.targetId)).toEqual([partner.id]);
    // Its name is free again for a new client.
    await org.client.ok(CreateApiClientDocument, { input: { name: revokeApiClient.name, scopes: ['MEMBERS_READ'] } });
  });

  it('a user token never passes for a client, nor a client token for a user', async () => {
    const org = await orgWithPeople();
    const partner = await apiClientFor(org.client, ['members:read']);
    const result = await gql(url, '{ viewer { user { id } } }', {}, { token: partner.token });
    expect(rawCode(result)).toBe('FORBIDDEN');
    expect(result.status).toBe(403);
  });
});
