import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import {
  ContactDocument,
  ContactImportDocument,
  ContactImportsDocument,
  CreateContactDocument,
  CreateTagDocument,
  CreateTagGroupDocument,
  ImportedContactsDocument,
  ImportProgressDocument,
  MemberImportDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csv, importEvents, phoneSeries, postContactImport, type ImportBody } from './support/imports';
import { seedActiveMember } from './support/seed-member';
import { insertDepartment, rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
});

const HEADER = ['name', 'phones', 'email', 'company', 'title', 'notes', 'tags', 'visibility'];

type Org = Awaited<ReturnType<typeof createOrgWithOwner>>;

/** Tags of a new org: Kind/Customer, Kind/Supplier, and "Gold" in two groups (Tier and Region). */
async function createTags(owner: Org) {
  const group = async (name: string) => (await owner.client.ok(CreateTagGroupDocument, { input: { name } })).createTagGroup.id;
  const tag = async (groupId: string, name: string) => (await owner.client.ok(CreateTagDocument, { input: { groupId, name } })).createTag.id;
  const kind = await group('Kind');
  const tier = await group('Tier');
  const region = await group('Region');
  return {
    customer: await tag(kind, 'Customer'),
    supplier: await tag(kind, 'Supplier'),
    tierGold: await tag(tier, 'Gold'),
    regionGold: await tag(region, 'Gold'),
  };
}

/** What a contact import writes in one org: to prove a dry run or a refusal left nothing. */
async function contactFootprint(orgId: string) {
  const [row] = await sql<Record<string, number>>(
    `select (select count(*)::int from contacts where org_id = $1) as contacts,
            (select count(*)::int from contact_keys where org_id = $1) as keys,
            (select count(*)::int from audit_entries where org_id = $1 and action = 'contact.import') as audits`,
    [rawIdOf(orgId)],
  );
  return row!;
}

function codesByRow(body: ImportBody): Array<[number, string | null, string]> {
  return body.report.map((entry) => [entry.row, entry.column, entry.code]);
}

describe('POST /imports/contacts', () => {
  it('creates good rows as contacts of the uploader (source IMPORT) and reports every bad row by row, column and code', async () => {
    const owner = await createOrgWithOwner(client);
    const tags = await createTags(owner);
    const colleague = await seedActiveMember(client, owner.org.id, { name: 'Colleague' });
    const hiddenPhone = uniquePhone();
    // A PRIVATE contact of another member: the owner of the org sees it, the report must still not name it.
    await colleague.client.ok(CreateContactDocument, { input: { name: 'Hidden Person', phones: [hiddenPhone], company: 'Secret Co' } });
    const [p1, p2, p3, p4, p5, p6, p7, p8, p9, p10] = phoneSeries(10);
    const file = csv([...HEADER, 'favourite colour'], [
      ['Alice', `${p1}; ${p2!.replace('+86', '')}`, 'Alice@Example.com', 'Acme', 'CEO', 'Met at the fair\nlikes tea', 'Customer;supplier', 'org', ''], // 2
      ['Bob', p3, '', '', '', '', '', '', ''], // 3
      ['', p4, '', '', '', '', '', '', ''], // 4: MISSING_NAME
      ['Carol', 'abc;12', '', '', '', '', '', '', ''], // 5: INVALID_PHONE x2
      ['Dave', '', '', 'Dave Co', '', '', '', '', ''], // 6: MISSING_CONTACT
      ['Eve', p5, '', '', '', '', 'Customer;Nope', '', ''], // 7: UNKNOWN_TAG
      ['Frank', p6, '', '', '', '', 'Gold', '', ''], // 8: AMBIGUOUS_TAG
      ['Grace', phoneSeries(21).join(';'), '', '', '', '', '', '', ''], // 9: TOO_MANY_PHONES
      ['Heidi', p7, '', '', '', '', Array.from({ length: 51 }, (_, i) => `t${i}`).join(';'), '', ''], // 10: TOO_MANY_TAGS
      ['Ivan', p8, '', '', '', 'x'.repeat(10_001), '', '', ''], // 11: INVALID_NOTES
      ['Judy', p9, '', '', '', '', '', 'SHARED', ''], // 12: INVALID_VISIBILITY
      ['Alice Again', p2, '', '', '', '', '', '', ''], // 13: DUPLICATE_IN_FILE (skipped)
      ['Mallory', hiddenPhone, '', '', '', '', '', '', ''], // 14: CONTACT_EXISTS (skipped)
      ['Oscar', '', 'OSCAR@example.com', '', '', '', 'Tier/Gold', 'PRIVATE', ''], // 15
      ['Peggy', p10, '', 'c'.repeat(201), 't'.repeat(101), '', '', '', ''], // 16: INVALID_COMPANY, INVALID_TITLE
      ['Trent', uniquePhone(), '', '', '', '', '', '', '', 'surplus'], // 17: EXTRA_FIELDS
    ]);

    const { status, body } = await postContactImport(gateway.url, owner.client.token, file);
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'COMPLETED', dryRun: false, summary: { rows: 16, created: 3, skipped: 2, failed: 11 }, reportTruncated: false });
    expect(body.summary).not.toHaveProperty('departmentsCreated');
    expect(codesByRow(body)).toEqual([
      [1, 'favourite colour', 'UNKNOWN_COLUMN'],
      [4, 'name', 'MISSING_NAME'],
      [5, 'phones', 'INVALID_PHONE'],
      [5, 'phones', 'INVALID_PHONE'],
      [6, 'phones', 'MISSING_CONTACT'],
      [7, 'tags', 'UNKNOWN_TAG'],
      [8, 'tags', 'AMBIGUOUS_TAG'],
      [9, 'phones', 'TOO_MANY_PHONES'],
      [10, 'tags', 'TOO_MANY_TAGS'],
      [11, 'notes', 'INVALID_NOTES'],
      [12, 'visibility', 'INVALID_VISIBILITY'],
      [13, 'phones', 'DUPLICATE_IN_FILE'],
      [14, 'phones', 'CONTACT_EXISTS'],
      [16, 'company', 'INVALID_COMPANY'],
      [16, 'title', 'INVALID_TITLE'],
      [17, null, 'EXTRA_FIELDS'],
    ]);
    const exists = body.report.find((entry) => entry.code === 'CONTACT_EXISTS')!;
    expect(exists.message).not.toMatch(/Hidden|Secret|Q29udGFjd/);
    expect(body.report.find((entry) => entry.row === 13)!.message).toBe('Same phone as row 2');
    expect(body.report.find((entry) => entry.row === 8)!.message).toContain('Tier/Gold');

    const { contacts } = await owner.client.ok(ImportedContactsDocument, { first: 50, filter: { ownerId: owner.member.id } });
    const byName = new Map(contacts.nodes.map((contact) => [contact.name, contact]));
    expect([...byName.keys()].sort()).toEqual(['Alice', 'Bob', 'Oscar']);
    expect(byName.get('Alice')).toMatchObject({
      phones: [p1, p2],
      email: 'alice@example.com',
      company: 'Acme',
      title: 'CEO',
      notes: 'Met at the fair\nlikes tea',
      visibility: 'ORG',
      source: 'IMPORT',
      owner: { id: owner.member.id },
    });
    expect(byName.get('Alice')!.tags.map((tag) => tag.id).sort()).toEqual([tags.customer, tags.supplier].sort());
    expect(byName.get('Bob')).toMatchObject({ phones: [p3], visibility: 'PRIVATE', source: 'IMPORT' });
    expect(byName.get('Oscar')).toMatchObject({ phones: [], email: 'oscar@example.com', tags: [{ id: tags.tierGold }] });

    // The duplicate rule of createContact holds for imported contacts: their keys are claimed.
    const again = await owner.client.request(CreateContactDocument, { input: { name: 'Alice 2', phones: [p2!] } });
    expect(errorCode(again)).toBe('CONTACT_EXISTS');

    // The record, its report through GraphQL, and the audit entry.
    const { contactImport } = await owner.client.ok(ContactImportDocument, { id: body.id, first: 100 });
    expect(contactImport).toMatchObject({ importId: body.importId, status: 'COMPLETED', dryRun: false, summary: body.summary, createdBy: { id: owner.member.id } });
    expect(contactImport!.report.totalCount).toBe(body.report.length);
    expect(contactImport!.report.nodes.map((entry) => [entry.row, entry.column, entry.code])).toEqual(codesByRow(body));
    const byRawId = await owner.client.ok(ContactImportDocument, { id: body.importId, first: 1 });
    expect(byRawId.contactImport!.id).toBe(body.id);
    // Not an import of people.
    expect(errorCode(await owner.client.request(MemberImportDocument, { id: body.importId, first: 1 }))).toBe('NOT_FOUND');
    const [audit] = await sql<{ action: string; target_type: string; target_id: string; summary: Record<string, unknown> }>(
      `select action, target_type, target_id, summary from audit_entries where org_id = $1 and action = 'contact.import'`,
      [rawIdOf(owner.org.id)],
    );
    expect(audit).toEqual({
      action: 'contact.import',
      target_type: 'ContactImport',
      target_id: rawIdOf(body.id),
      summary: { status: 'COMPLETED', rows: 16, created: 3, skipped: 2, failed: 11 },
    });
  });

  it('a dry run answers what the real run does and keeps nothing but the record and its report; a re-run skips every row', async () => {
    const owner = await createOrgWithOwner(client);
    await createTags(owner);
    const phones = phoneSeries(2_500);
    // 2,500 rows (three batches): a duplicate in a later batch of an earlier one, and bad rows spread over batches.
    const rows = phones.map((phone, i) => [`Person ${i}`, phone, i % 10 === 0 ? `p${i}@example.org` : '', 'Co', '', '', i % 3 === 0 ? 'Customer' : '', '']);
    rows[1_501] = ['Duplicate', phones[10]!, '', '', '', '', '', ''];
    rows[2_101] = ['Bad tag', phones[2_101]!, '', '', '', '', 'Nope', ''];
    rows[701] = ['Bad phone', '12', '', '', '', '', '', ''];
    const file = csv(HEADER, rows);
    const before = await contactFootprint(owner.org.id);

    const dry = await postContactImport(gateway.url, owner.client.token, file, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, summary: { rows: 2_500, created: 2_497, skipped: 1, failed: 2 } });
    expect(await contactFootprint(owner.org.id)).toEqual(before);
    const dryRecord = await owner.client.ok(ContactImportDocument, { id: dry.body.id, first: 10 });
    expect(dryRecord.contactImport).toMatchObject({ dryRun: true, status: 'COMPLETED', summary: dry.body.summary });
    expect(dryRecord.contactImport!.report.nodes.map((entry) => entry.code)).toEqual(['INVALID_PHONE', 'DUPLICATE_IN_FILE', 'UNKNOWN_TAG']);
    expect((await importEvents(rawIdOf(owner.org.id), dry.body.importId)).map((event) => event.type)).toEqual(['PROGRESS', 'PROGRESS', 'PROGRESS', 'COMPLETED']);

    const real = await postContactImport(gateway.url, owner.client.token, file);
    expect(real.status).toBe(200);
    expect(real.body.summary).toEqual(dry.body.summary);
    expect(real.body.report).toEqual(dry.body.report);
    expect(await contactFootprint(owner.org.id)).toEqual({ contacts: before.contacts + 2_497, keys: before.keys + 2_497 + 250, audits: 1 });

    const rerun = await postContactImport(gateway.url, owner.client.token, file);
    expect(rerun.body.summary).toEqual({ rows: 2_500, created: 0, skipped: 2_498, failed: 2 });
    expect(rerun.body.report.filter((entry) => entry.code === 'CONTACT_EXISTS')).toHaveLength(2_497);
    expect(rerun.body.report.find((entry) => entry.row === 1_503)!.code).toBe('DUPLICATE_IN_FILE');
    expect(await contactFootprint(owner.org.id)).toEqual({ contacts: before.contacts + 2_497, keys: before.keys + 2_497 + 250, audits: 2 });
  });
});

describe('concurrent imports', () => {
  it('two members uploading the same file at once create each contact once: the later batch is retried and skips', async () => {
    const owner = await createOrgWithOwner(client);
    const member = await seedActiveMember(client, owner.org.id);
    const file = csv(['name', 'phones'], phoneSeries(1_500).map((phone, i) => [`Contact ${i}`, phone]));
    const [first, second] = await Promise.all([
      postContactImport(gateway.url, owner.client.token, file),
      postContactImport(gateway.url, member.client.token, file),
    ]);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.summary.created! + second.body.summary.created!).toBe(1_500);
    expect(first.body.summary.skipped! + second.body.summary.skipped!).toBe(1_500);
    expect(first.body.summary.failed! + second.body.summary.failed!).toBe(0);
    expect(await contactFootprint(owner.org.id)).toMatchObject({ contacts: 1_500, keys: 1_500 });
  });
});

describe('owners and visibility of imported contacts', () => {
  it('an admin gives contacts to members; PRIVATE ones stay with their owner (and admins), ORG ones reach everyone', async () => {
    const owner = await createOrgWithOwner(client);
    const member = await seedActiveMember(client, owner.org.id, { name: 'Sales Rep', email: `rep-${randomUUID().slice(0, 8)}@example.org`, employeeNo: 'S-42' });
    const bystander = await seedActiveMember(client, owner.org.id, { name: 'Bystander' });
    const disabled = await seedActiveMember(client, owner.org.id, { name: 'Gone' });
    await sql(`update members set status = 'DISABLED' where id = $1`, [rawIdOf(disabled.memberId)]);
    const [a, b, c, d, e, f] = phoneSeries(6);
    const file = csv([...HEADER, 'owner'], [
      ['Rep by phone', a, '', '', '', 'private note', '', 'PRIVATE', member.phone.replace('+86', '')],
      ['Rep by employee no', b, '', '', '', '', '', 'PRIVATE', 'S-42'],
      ['Org wide', c, '', '', '', '', '', 'ORG', ''],
      ['Admin private', d, '', '', '', '', '', '', ''],
      ['Nobody', e, '', '', '', '', '', '', '+8613000000000'],
      ['To disabled', f, '', '', '', '', '', '', disabled.phone],
    ]);
    const { body } = await postContactImport(gateway.url, owner.client.token, file);
    expect(body.summary).toEqual({ rows: 6, created: 4, skipped: 0, failed: 2 });
    expect(codesByRow(body)).toEqual([
      [6, 'owner', 'UNKNOWN_OWNER'],
      [7, 'owner', 'INACTIVE_OWNER'],
    ]);

    const names = async (who: { client: GraphQLClient }) =>
      (await who.client.ok(ImportedContactsDocument, { first: 50 })).contacts.nodes.map((contact) => contact.name).sort();
    expect(await names(owner)).toEqual(['Admin private', 'Org wide', 'Rep by employee no', 'Rep by phone']);
    expect(await names(member)).toEqual(['Org wide', 'Rep by employee no', 'Rep by phone']);
    expect(await names(bystander)).toEqual(['Org wide']);
    const repContact = (await member.client.ok(ImportedContactsDocument, { first: 50 })).contacts.nodes.find((contact) => contact.name === 'Rep by phone')!;
    expect(repContact).toMatchObject({ owner: { id: member.memberId }, notes: 'private note', source: 'IMPORT' });
    expect(errorCode(await bystander.client.request(ContactDocument, { id: repContact.id }))).toBe('NOT_FOUND');
  });

  it('a member imports their own contacts only; a sub-admin gives contacts to members of their departments only', async () => {
    const owner = await createOrgWithOwner(client);
    const clinic = await insertDepartment(owner.org.id, 'Clinic');
    const office = await insertDepartment(owner.org.id, 'Office');
    const subAdmin = await seedActiveMember(client, owner.org.id, { name: 'Clinic Head', role: 'SUB_ADMIN', scopeDepartmentIds: [clinic.id], departmentId: clinic.id });
    const nurse = await seedActiveMember(client, owner.org.id, { name: 'Nurse', departmentId: clinic.id });
    const clerk = await seedActiveMember(client, owner.org.id, { name: 'Clerk', departmentId: office.id });
    const [a, b, c, d, e] = phoneSeries(5);

    const own = await postContactImport(gateway.url, nurse.client.token, csv(['name', 'phone', 'owner'], [
      ['Mine', a, ''],
      ['Mine too', b, nurse.phone],
      ['For the clerk', c, clerk.phone],
    ]));
    expect(own.status).toBe(200);
    expect(codesByRow(own.body)).toEqual([[4, 'owner', 'FORBIDDEN_OWNER']]);
    expect(own.body.summary).toEqual({ rows: 3, created: 2, skipped: 0, failed: 1 });

    const scoped = await postContactImport(gateway.url, subAdmin.client.token, csv(['name', 'phone', 'owner'], [
      ['For the nurse', d, nurse.phone],
      ['For the clerk', e, clerk.phone],
    ]));
    // The clerk is outside the sub-admin's departments: answered like an unknown member, nothing learnt about them.
    expect(codesByRow(scoped.body)).toEqual([[3, 'owner', 'UNKNOWN_OWNER']]);
    const { contacts } = await nurse.client.ok(ImportedContactsDocument, { first: 10 });
    expect(contacts.nodes.map((contact) => [contact.name, contact.owner?.id])).toEqual(
      expect.arrayContaining([['For the nurse', nurse.memberId], ['Mine', nurse.memberId], ['Mine too', nurse.memberId]]),
    );

    // Everyone reads their own imports; admins read all of the org's.
    const listed = async (who: { client: GraphQLClient }) => (await who.client.ok(ContactImportsDocument, { first: 10 })).contactImports.nodes.map((i) => i.id).sort();
    expect(await listed(nurse)).toEqual([own.body.id]);
    expect(await listed(owner)).toEqual([own.body.id, scoped.body.id].sort());
    expect(errorCode(await clerk.client.request(ContactImportDocument, { id: own.body.id, first: 1 }))).toBe('NOT_FOUND');
  });
});

describe('importProgress for a contact import', () => {
  it('streams PROGRESS per batch and COMPLETED over graphql-ws, live and replayed', async () => {
    const owner = await createOrgWithOwner(client);
    const member = await seedActiveMember(client, owner.org.id);
    const importId = randomUUID();
    // An admin may follow an import before it starts (with the importId the upload will use); from the org's first
    // event, so nothing is missed however long the socket takes to open.
    const live = subscribeTo(connectWs(gateway.url, owner.client.token).client, ImportProgressDocument, { importId, after: '0' });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const file = csv(['name', 'phones'], phoneSeries(2_100).map((phone, i) => [`Contact ${i}`, phone]));
    const upload = await postContactImport(gateway.url, member.client.token, file, { importId });
    expect(upload.status).toBe(200);

    const expected = [
      ['PROGRESS', 1_000, 1_000, null],
      ['PROGRESS', 2_000, 2_000, null],
      ['PROGRESS', 2_100, 2_100, null],
      ['COMPLETED', 2_100, 2_100, 2_100],
    ];
    const events = (await live.take(4)).map(({ importProgress: event }) => [event.type, event.processed, event.created, event.total]);
    expect(events).toEqual(expected);
    expect(await live.endedWith()).toBeUndefined();

    // The member who ran it replays it; another member may not follow it.
    const replay = subscribeTo(connectWs(gateway.url, member.client.token).client, ImportProgressDocument, { importId: upload.body.id, after: '0' });
    expect((await replay.take(4)).map(({ importProgress: event }) => [event.type, event.processed, event.created, event.total])).toEqual(expected);
    const other = await seedActiveMember(client, owner.org.id);
    const refused = subscribeTo(connectWs(gateway.url, other.client.token).client, ImportProgressDocument, { importId, after: '0' });
    expect(await refused.endedWith()).toBe('FORBIDDEN');
  });
});

describe('refused uploads', () => {
  it('refuses bad requests and bad files with a stable code, writing no contact', async () => {
    const owner = await createOrgWithOwner(client);
    const token = owner.client.token!;
    const good = csv(['name', 'phones'], [['A', uniquePhone()]]);
    const refusal = async (upload: Promise<{ status: number; body: ImportBody }>) => {
      const { status, body } = await upload;
      return [status, body.errors?.[0]?.extensions.code];
    };
    expect(await refusal(postContactImport(gateway.url, undefined, good))).toEqual([401, 'UNAUTHENTICATED']);
    expect(await refusal(postContactImport(gateway.url, token, good, { contentType: 'application/json' }))).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(await refusal(postContactImport(gateway.url, token, good, { query: { createDepartments: 'true' } }))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(postContactImport(gateway.url, token, good, { query: { dryRun: 'maybe' } }))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(postContactImport(gateway.url, token, good, { importId: 'not-a-uuid' }))).toEqual([400, 'BAD_USER_INPUT']);
    expect(await refusal(postContactImport(gateway.url, token, csv(['phones', 'email'], [[uniquePhone(), '']])))).toEqual([400, 'MISSING_COLUMN']);
    expect(await refusal(postContactImport(gateway.url, token, csv(['name', 'company'], [['A', 'Co']])))).toEqual([400, 'MISSING_COLUMN']);
    expect(await refusal(postContactImport(gateway.url, token, csv(['name', 'phone', 'Phones'], [['A', uniquePhone(), '']])))).toEqual([400, 'DUPLICATE_COLUMN']);
    expect(await refusal(postContactImport(gateway.url, token, ''))).toEqual([400, 'EMPTY_FILE']);
    const malformed = await postContactImport(gateway.url, token, `name,phones\nA,"${uniquePhone()}\nB,${uniquePhone()}\n`);
    expect([malformed.status, malformed.body.errors?.[0]?.extensions.code, malformed.body.status]).toEqual([400, 'MALFORMED_CSV', 'FAILED']);
    const get = await fetch(gateway.url.replace(/\/graphql$/, '/imports/contacts'), { headers: { authorization: `Bearer ${token}` } });
    expect(get.status).toBe(405);

    const taken = randomUUID();
    expect((await postContactImport(gateway.url, token, csv(['name', 'phones'], [['Z', uniquePhone()]]), { importId: taken })).status).toBe(200);
    expect(await refusal(postContactImport(gateway.url, token, good, { importId: taken }))).toEqual([409, 'CONFLICT']);
    expect((await contactFootprint(owner.org.id)).contacts).toBe(1);
  });
});

describe('cross-org isolation', () => {
  it('a contact of another org with the same phone or email neither blocks the row nor shows anywhere', async () => {
    const orgA = await createOrgWithOwner(client, 'Org A');
    const orgB = await createOrgWithOwner(client, 'Org B');
    const phone = uniquePhone();
    const email = `shared-${randomUUID().slice(0, 8)}@example.org`;
    const inB = await orgB.client.ok(CreateContactDocument, { input: { name: 'B Customer', phones: [phone], email, company: 'B Secret Ltd' } });

    const { status, body } = await postContactImport(gateway.url, orgA.client.token, csv(['name', 'phones', 'email'], [['A Customer', phone, email]]));
    expect(status).toBe(200);
    expect(body.summary).toEqual({ rows: 1, created: 1, skipped: 0, failed: 0 });
    expect(body.report).toEqual([]);
    expect(JSON.stringify(body)).not.toMatch(/B Customer|B Secret/);

    const { contacts: seenByA } = await orgA.client.ok(ImportedContactsDocument, { first: 10 });
    expect(seenByA.nodes.map((contact) => contact.name)).toEqual(['A Customer']);
    expect(errorCode(await orgA.client.request(ContactDocument, { id: inB.createContact.id }))).toBe('NOT_FOUND');
    const { contacts: seenByB } = await orgB.client.ok(ImportedContactsDocument, { first: 10 });
    expect(seenByB.nodes.map((contact) => contact.name)).toEqual(['B Customer']);
    // Org B cannot read org A's import, by global or raw id, nor list it.
    expect(errorCode(await orgB.client.request(ContactImportDocument, { id: body.id, first: 1 }))).toBe('NOT_FOUND');
    expect(errorCode(await orgB.client.request(ContactImportDocument, { id: body.importId, first: 1 }))).toBe('NOT_FOUND');
    expect((await orgB.client.ok(ContactImportsDocument, { first: 10 })).contactImports.totalCount).toBe(0);
  });
});
