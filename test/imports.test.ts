import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { hashInvitationToken } from '../src/modules/invitations/invitation-token';
import type { Gateway } from '../src/server';
import {
  AuditLogDocument,
  CreateDepartmentDocument,
  ImportedMemberDocument,
  ImportedMembersDocument,
  MemberImportDocument,
  MemberImportsDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csv, csvLine, importEvents, importFootprint, phoneSeries, postContactImport, postImport } from './support/imports';
import { seedActiveMember } from './support/seed-member';
import { insertDepartment, rawIdOf, setMemberLimit, sql } from './support/sql-fixtures';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway({ publicUrl: 'https://app.example.test' });
  client = new GraphQLClient(gateway.url);
});

const HEADER = ['name', 'phone', 'email', 'department', 'roles', 'title', 'employeeNo'];

describe('POST /imports', () => {
  it('imports good rows as PENDING members with PENDING invitations, messages and SENT events', async () => {
    const owner = await createOrgWithOwner(client, 'Health Commission');
    const orgId = rawIdOf(owner.org.id);
    const hospitals = await insertDepartment(owner.org.id, 'Hospitals');
    const level1 = await insertDepartment(owner.org.id, 'Level 1', hospitals.id);
    const hospital = await insertDepartment(owner.org.id, 'Some Hospital', level1.id);
    const office = await insertDepartment(owner.org.id, 'Office');
    const [phoneA, phoneB] = [uniquePhone(), uniquePhone()];
    const file = csv(HEADER, [
      ['Wang Fang', phoneA, '', 'Hospitals/Level 1/Some Hospital', '', 'Nurse', 'E001'],
      ['Li Na', '', 'Li.Na@Example.org', '', 'Admin', '', ''],
      ['Zhang Wei', phoneB.replace('+86', ''), 'zw@example.org', 'Hospitals/Level 1/Some Hospital; Office', 'member;Admin', 'Doctor', 'E002'],
    ]);

    const { status, body } = await postImport(gateway.url, owner.client.token, file);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      status: 'COMPLETED',
      dryRun: false,
      summary: { rows: 3, created: 3, skipped: 0, failed: 0, departmentsCreated: 0 },
      report: [],
      reportTruncated: false,
    });

    const { members } = await owner.client.ok(ImportedMembersDocument, { first: 10, filter: { status: 'PENDING' } });
    expect(members.nodes.map((m) => m.name).sort()).toEqual(['Li Na', 'Wang Fang', 'Zhang Wei']);
    const zhang = members.nodes.find((m) => m.name === 'Zhang Wei')!;
    const { member } = await owner.client.ok(ImportedMemberDocument, { id: zhang.id });
    expect(member).toMatchObject({ phone: phoneB, email: 'zw@example.org', title: 'Doctor', employeeNo: 'E002', status: 'PENDING' });
    expect(member!.departments.map((d) => d.id).sort()).toEqual([hospital.id, office.id].sort());
    expect(member!.roles.map((r) => r.role.builtin).sort()).toEqual(['ADMIN', 'MEMBER']);
    const li = members.nodes.find((m) => m.name === 'Li Na')!;
    expect(li).toMatchObject({ phone: null, email: 'li.na@example.org' });
    expect(li.departments.map((d) => d.name)).toEqual(['Health Commission']);
    expect(li.roles.map((r) => r.role.builtin)).toEqual(['ADMIN']);

    const invitations = await sql<{
      id: string; channel: string; phone: string | null; email: string | null; name: string; member_id: string; status: string;
      token_hash: string; import_id: string; department_ids: string[]; role_ids: string[]; ttl: number;
    }>(
      `select id, channel, phone, email, name, member_id, status, token_hash, import_id, department_ids, role_ids,
              round(extract(epoch from expires_at - created_at))::int as ttl
         from invitations where org_id = $1 order by name`,
      [orgId],
    );
    expect(invitations).toHaveLength(3);
    for (const invitation of invitations) {
      expect(invitation).toMatchObject({ status: 'PENDING', import_id: rawIdOf(body.id), ttl: 7 * 24 * 3600 });
      expect(invitation.token_hash).toMatch(/^[0-9a-f]{64}$/);
    }
    expect(invitations.map((i) => [i.name, i.channel, i.phone, i.email])).toEqual([
      ['Li Na', 'EMAIL', null, 'li.na@example.org'],
      ['Wang Fang', 'PHONE', phoneA, null],
      ['Zhang Wei', 'PHONE', phoneB, null],
    ]);
    expect(invitations[2]!.member_id).toBe(rawIdOf(zhang.id));
    expect(invitations[2]!.department_ids.sort()).toEqual([hospital.rawId, office.rawId].sort());

    // One message per invitation, carrying the only copy of the token, which hashes to the stored hash.
    const messages = await sql<{ channel: string; recipient: string; template: string; payload: Record<string, string>; invitation_id: string }>(
      `select channel, recipient, template, payload, invitation_id from outbox_messages where org_id = $1 order by payload->>'inviteeName'`,
      [orgId],
    );
    expect(messages.map((m) => [m.channel, m.recipient, m.template])).toEqual([
      ['EMAIL', 'li.na@example.org', 'INVITATION'],
      ['SMS', phoneA, 'INVITATION'],
      ['SMS', phoneB, 'INVITATION'],
    ]);
    messages.forEach((message, index) => {
      expect(message.payload).toMatchObject({ orgName: 'Health Commission', inviterName: 'Owner', inviteeName: invitations[index]!.name });
      const token = /^https:\/\/app\.example\.test\/invite\/([A-Za-z0-9_-]{43})$/.exec(message.payload.url!)![1]!;
      expect(hashInvitationToken(token)).toBe(invitations[index]!.token_hash);
      expect(message.invitation_id).toBe(invitations[index]!.id);
    });

    const sent = await sql<{ type: string; payload: { invitationId: string }; department_ids: string[]; recipient_phone: string | null; recipient_email: string | null }>(
      `select type, payload, department_ids, recipient_phone, recipient_email from org_events where org_id = $1 and topic = 'INVITATION' order by id`,
      [orgId],
    );
    expect(sent.map((e) => e.type)).toEqual(['SENT', 'SENT', 'SENT']);
    expect(sent.map((e) => e.payload.invitationId).sort()).toEqual(invitations.map((i) => i.id).sort());
    const zhangEvent = sent.find((e) => e.payload.invitationId === invitations[2]!.id)!;
    expect(zhangEvent).toMatchObject({ recipient_phone: phoneB, recipient_email: null });
    expect(zhangEvent.department_ids.sort()).toEqual([hospital.rawId, office.rawId].sort());
    expect(sent.find((e) => e.payload.invitationId === invitations[0]!.id)).toMatchObject({ recipient_phone: null, recipient_email: 'li.na@example.org' });

    const events = await importEvents(orgId, body.importId);
    expect(events.map((e) => e.type)).toEqual(['PROGRESS', 'COMPLETED']);
    expect(events[1]!.payload).toMatchObject({ importId: body.importId, processed: 3, created: 3, skipped: 0, failed: 0, total: 3, status: 'COMPLETED' });

    const { auditLog } = await owner.client.ok(AuditLogDocument, { first: 5, filter: { action: 'MEMBER_IMPORT' } });
    expect(auditLog.edges.map((e) => e.node.summary)).toEqual([
      expect.objectContaining({ status: 'COMPLETED', rows: 3, created: 3, skipped: 0, failed: 0 }),
    ]);

    const { memberImport } = await owner.client.ok(MemberImportDocument, { id: body.id, first: 10 });
    expect(memberImport).toMatchObject({
      importId: body.importId,
      status: 'COMPLETED',
      dryRun: false,
      createdBy: { id: owner.member.id },
      summary: body.summary,
      report: { totalCount: 0, nodes: [] },
    });
    expect(memberImport!.finishedAt).not.toBeNull();
    // The raw importId the upload used finds it too.
    expect((await owner.client.ok(MemberImportDocument, { id: body.importId, first: 1 })).memberImport!.id).toBe(body.id);
  });
});

describe('importId', () => {
  it("is the client's key within its org only: another org's id is a fresh import here, revealing nothing", async () => {
    const a = await createOrgWithOwner(client, 'Org A');
    const b = await createOrgWithOwner(client, 'Org B');
    const importId = randomUUID();
    const file = () => csv(['name', 'phone'], [['Wang Fang', uniquePhone()]]);
    const inA = await postImport(gateway.url, a.client.token, file(), { importId });
    expect(inA.status).toBe(200);

    // The same id in org B: not 409 (which would tell B that some org uses it), a new import of B's own.
    const inB = await postImport(gateway.url, b.client.token, file(), { importId });
    expect(inB.status).toBe(200);
    expect(inB.body).toMatchObject({ importId, status: 'COMPLETED', summary: { created: 1 } });
    expect(inB.body.id).not.toBe(inA.body.id);
    const contactsInB = await postContactImport(gateway.url, b.client.token, csv(['name', 'phones'], [['Zhao Lei', uniquePhone()]]), { importId: randomUUID() });
    expect(contactsInB.status).toBe(200);

    // Within an org the key still answers 409, so a retried upload is not run twice.
    const again = await postImport(gateway.url, b.client.token, file(), { importId });
    expect([again.status, again.body.errors?.[0]?.extensions.code]).toEqual([409, 'CONFLICT']);
    const contactsAgain = await postContactImport(gateway.url, b.client.token, csv(['name', 'phones'], [['Qian Yu', uniquePhone()]]), { importId });
    expect(contactsAgain.status).toBe(409);

    // Each org finds its own import by the key, and the other's global id answers NOT_FOUND.
    expect((await a.client.ok(MemberImportDocument, { id: importId, first: 1 })).memberImport).toMatchObject({ id: inA.body.id, importId });
    expect((await b.client.ok(MemberImportDocument, { id: importId, first: 1 })).memberImport).toMatchObject({ id: inB.body.id, importId, summary: { created: 1 } });
    expect(errorCode(await b.client.request(MemberImportDocument, { id: inA.body.id, first: 1 }))).toBe('NOT_FOUND');
    expect((await importEvents(rawIdOf(b.org.id), importId)).map((event) => event.type)).toEqual(['PROGRESS', 'COMPLETED']);
  });
});

describe('import report', () => {
  it('reports every problem by row, column and code, skips bad rows and imports the good ones; a dry run answers the same and keeps nothing', async () => {
    const owner = await createOrgWithOwner(client);
    const orgId = rawIdOf(owner.org.id);
    await insertDepartment(owner.org.id, 'Hospitals');
    const active = await seedActiveMember(client, owner.org.id, { employeeNo: 'E-TAKEN' });
    const invitedPhone = uniquePhone();
    expect((await postImport(gateway.url, owner.client.token, csv(['name', 'phone'], [['Invited Before', invitedPhone]]))).body.summary.created).toBe(1);

    const [good, duplicate] = [uniquePhone(), uniquePhone()];
    const lines = [
      csvLine([...HEADER, 'nickname']),
      csvLine(['Good One', good, '', 'Hospitals', '', 'Nurse', 'E1', 'ignored']), // 2
      csvLine(['', uniquePhone()]), // 3
      csvLine(['x'.repeat(101), uniquePhone()]), // 4
      csvLine(['Bad Phone', 'abc']), // 5
      csvLine(['Bad Email', '', 'not-an-email']), // 6
      csvLine(['No Contact', '', '']), // 7
      csvLine(['Lost', uniquePhone(), '', 'Nowhere/Else']), // 8
      csvLine(['Wizard', uniquePhone(), '', '', 'Wizard']), // 9
      csvLine(['Would Be Sub', uniquePhone(), '', '', 'Sub-admin']), // 10
      csvLine(['Good Again', good]), // 11
      csvLine(['Already Here', active.phone]), // 12
      csvLine(['Invited Again', invitedPhone]), // 13
      csvLine(['Taken Number', uniquePhone(), '', '', '', '', 'E-TAKEN']), // 14
      csvLine(['Same Number', uniquePhone(), '', '', '', '', 'E1']), // 15
      csvLine(['Too Wide', uniquePhone(), '', '', '', '', '', '', 'surplus']), // 16
      '', // 17: blank, not a row of people
      csvLine(['Two Problems', '12', '', '', 'Wizard']), // 18
      csvLine(['Long Title', uniquePhone(), '', '', '', 't'.repeat(101)]), // 19
      csvLine(['Mail Only', '', `only.${duplicate.slice(-8)}@example.org`]), // 20
      csvLine(['Long Number', uniquePhone(), '', '', '', '', 'n'.repeat(51)]), // 21
    ];
    const file = lines.join('\n') + '\n';
    const expected = [
      [1, 'nickname', 'UNKNOWN_COLUMN'],
      [3, 'name', 'MISSING_NAME'],
      [4, 'name', 'INVALID_NAME'],
      [5, 'phone', 'INVALID_PHONE'],
      [6, 'email', 'INVALID_EMAIL'],
      [7, 'phone', 'MISSING_CONTACT'],
      [8, 'department', 'UNKNOWN_DEPARTMENT'],
      [9, 'roles', 'UNKNOWN_ROLE'],
      [10, 'roles', 'FORBIDDEN_ROLE'],
      [11, 'phone', 'DUPLICATE_IN_FILE'],
      [12, 'phone', 'ALREADY_MEMBER'],
      [13, 'phone', 'ALREADY_INVITED'],
      [14, 'employeeNo', 'DUPLICATE_EMPLOYEE_NO'],
      [15, 'employeeNo', 'DUPLICATE_EMPLOYEE_NO'],
      [16, null, 'EXTRA_FIELDS'],
      [18, 'phone', 'INVALID_PHONE'], // every problem of a row is reported
      [18, 'roles', 'UNKNOWN_ROLE'],
      [19, 'title', 'INVALID_TITLE'],
      [21, 'employeeNo', 'INVALID_EMPLOYEE_NO'],
    ];
    const summary = { rows: 19, created: 2, skipped: 3, failed: 14, departmentsCreated: 0 };

    const before = await importFootprint(orgId);
    const dry = await postImport(gateway.url, owner.client.token, file, { dryRun: true });
    expect(dry.status).toBe(200);
    expect(dry.body).toMatchObject({ dryRun: true, status: 'COMPLETED', summary });
    expect(dry.body.report.map((e) => [e.row, e.column, e.code])).toEqual(expected);
    expect(await importFootprint(orgId)).toEqual(before);

    const real = await postImport(gateway.url, owner.client.token, file);
    expect(real.status).toBe(200);
    expect(real.body.summary).toEqual(summary);
    expect(real.body.report).toEqual(dry.body.report);
    expect(real.body.report.find((e) => e.row === 8)!.message).toBe('No department "Nowhere/Else": the org root has no sub-department "Nowhere"');
    expect(real.body.report.find((e) => e.row === 11)!.message).toBe('Same phone as row 2');
    expect(real.body.report.find((e) => e.row === 15)!.message).toBe('Same employee number as row 2');

    const after = await importFootprint(orgId);
    expect(after.members - before.members).toBe(2);
    expect(after.invitations - before.invitations).toBe(2);
    expect(after.messages - before.messages).toBe(2);
    const { members } = await owner.client.ok(ImportedMembersDocument, { first: 20, filter: { status: 'PENDING' } });
    expect(members.nodes.map((m) => m.name).sort()).toEqual(['Good One', 'Invited Before', 'Mail Only']);

    // The same report afterwards through GraphQL, paged in order.
    const first = await owner.client.ok(MemberImportDocument, { id: real.body.id, first: 10 });
    expect(first.memberImport!.report.totalCount).toBe(real.body.report.length);
    expect(first.memberImport!.report.pageInfo.hasNextPage).toBe(true);
    const rest = await owner.client.ok(MemberImportDocument, { id: real.body.id, first: 100, after: first.memberImport!.report.pageInfo.endCursor });
    expect([...first.memberImport!.report.nodes, ...rest.memberImport!.report.nodes]).toEqual(real.body.report);
    expect(rest.memberImport!.report.pageInfo.hasNextPage).toBe(false);
    const { memberImport: dryImport } = await owner.client.ok(MemberImportDocument, { id: dry.body.id, first: 100 });
    expect(dryImport).toMatchObject({ dryRun: true, status: 'COMPLETED', summary });
    expect(dryImport!.report.nodes).toEqual(dry.body.report);

    // Re-running the file duplicates nobody: who was imported is now reported as invited.
    const again = await postImport(gateway.url, owner.client.token, file);
    expect(again.body.summary).toEqual({ rows: 19, created: 0, skipped: 5, failed: 14, departmentsCreated: 0 });
    expect(again.body.report.filter((e) => e.row === 2 || e.row === 20).map((e) => [e.row, e.code])).toEqual([
      [2, 'ALREADY_INVITED'],
      [20, 'ALREADY_INVITED'],
    ]);
    expect(await importFootprint(orgId)).toMatchObject({ members: after.members, invitations: after.invitations, messages: after.messages });
  });

  it('re-running a good file creates nothing and fails nothing', async () => {
    const owner = await createOrgWithOwner(client);
    const file = csv(['Name', 'PHONE', 'e-mail'], [
      ['A', uniquePhone(), 'a@example.org'],
      ['B', uniquePhone(), ''],
      ['C', '', 'c@example.org'],
    ]);
    const first = await postImport(gateway.url, owner.client.token, file);
    expect(first.body.summary).toMatchObject({ rows: 3, created: 3, skipped: 0, failed: 0 });
    const second = await postImport(gateway.url, owner.client.token, file);
    expect(second.body.summary).toMatchObject({ rows: 3, created: 0, skipped: 3, failed: 0 });
    expect(second.body.report.map((e) => [e.row, e.column, e.code])).toEqual([
      [2, 'phone', 'ALREADY_INVITED'],
      [3, 'phone', 'ALREADY_INVITED'],
      [4, 'email', 'ALREADY_INVITED'],
    ]);
    const [{ count }] = await sql<{ count: number }>('select count(*)::int as count from members where org_id = $1', [rawIdOf(owner.org.id)]);
    expect(count).toBe(4);
  });

  it('refuses rows beyond the member quota with QUOTA_EXCEEDED', async () => {
    const owner = await createOrgWithOwner(client);
    await setMemberLimit(owner.org.id, 3); // the owner uses one
    const file = csv(['name', 'phone'], [['A', uniquePhone()], ['B', 'bad'], ['C', uniquePhone()], ['D', uniquePhone()], ['E', uniquePhone()]]);
    const { body } = await postImport(gateway.url, owner.client.token, file);
    expect(body.summary).toMatchObject({ rows: 5, created: 2, failed: 3 });
    expect(body.report.map((e) => [e.row, e.code])).toEqual([
      [3, 'INVALID_PHONE'],
      [5, 'QUOTA_EXCEEDED'],
      [6, 'QUOTA_EXCEEDED'],
    ]);
    expect(body.report[1]!.message).toBe('The org has reached its member limit of 3');
  });
});

describe('checks across batches', () => {
  it('duplicates of earlier batches, existing people, unknown departments and a quota used up mid-file: the same report dry and real', { timeout: 120_000 }, async () => {
    const owner = await createOrgWithOwner(client);
    const orgId = rawIdOf(owner.org.id);
    await insertDepartment(owner.org.id, 'Ward');
    const active = await seedActiveMember(client, owner.org.id);
    const invitedPhone = uniquePhone();
    expect((await postImport(gateway.url, owner.client.token, csv(['name', 'phone'], [['Invited Before', invitedPhone]]))).body.summary.created).toBe(1);
    const [{ used }] = await sql<{ used: number }>('select count(*)::int as used from members where org_id = $1', [orgId]);
    await setMemberLimit(owner.org.id, used + 1100); // runs out in the second batch (rows 1002..2001)

    const rows = 2500; // batches of 1,000: rows 2..1001, 1002..2001, 2002..2501
    const phones = phoneSeries(rows);
    const special: Record<number, { change: Partial<Record<'phone' | 'email' | 'department' | 'employeeNo', string>>; expect: [string | null, string, string?] }> = {
      1200: { change: { phone: phones[5]! }, expect: ['phone', 'DUPLICATE_IN_FILE', 'Same phone as row 7'] },
      1300: { change: { email: 'first@example.org' }, expect: ['email', 'DUPLICATE_IN_FILE', 'Same email as row 12'] },
      1400: { change: { employeeNo: 'N20' }, expect: ['employeeNo', 'DUPLICATE_EMPLOYEE_NO', 'Same employee number as row 22'] },
      1500: { change: { phone: active.phone }, expect: ['phone', 'ALREADY_MEMBER'] },
      1600: { change: { department: 'Nowhere' }, expect: ['department', 'UNKNOWN_DEPARTMENT'] },
      2100: { change: { phone: invitedPhone }, expect: ['phone', 'ALREADY_INVITED'] },
    };
    const lines = Array.from({ length: rows }, (_, i) => {
      const person = { phone: phones[i]!, email: i === 10 ? 'first@example.org' : '', department: 'Ward', employeeNo: `N${i}`, ...special[i]?.change };
      return csvLine([`Person ${i}`, person.phone, person.email, person.department, '', '', person.employeeNo]);
    });
    const file = [csvLine(HEADER), ...lines].join('\n') + '\n';
    const expected: Array<[number, string | null, string]> = [];
    for (let i = 1100; i < rows; i++) {
      const entry = special[i]?.expect;
      expected.push([i + 2, entry ? entry[0] : null, entry ? entry[1] : 'QUOTA_EXCEEDED']);
    }
    const summary = { rows, created: 1100, skipped: 4, failed: rows - 1100 - 4, departmentsCreated: 0 };

    const before = await importFootprint(orgId);
    const dry = await postImport(gateway.url, owner.client.token, file, { dryRun: true });
    expect(dry.body).toMatchObject({ status: 'COMPLETED', summary });
    expect(dry.body.report.map((e) => [e.row, e.column, e.code])).toEqual(expected);
    expect(await importFootprint(orgId)).toEqual(before);

    const real = await postImport(gateway.url, owner.client.token, file);
    expect(real.body).toMatchObject({ status: 'COMPLETED', summary });
    expect(real.body.report).toEqual(dry.body.report);
    for (const [i, { expect: [, , message] }] of Object.entries(special)) {
      if (message) expect(real.body.report.find((e) => e.row === Number(i) + 2)!.message).toBe(message);
    }
    expect(real.body.report.find((e) => e.code === 'QUOTA_EXCEEDED')!.message).toBe(`The org has reached its member limit of ${used + 1100}`);
    const after = await importFootprint(orgId);
    expect(after.members - before.members).toBe(1100);
    expect(after.invitations - before.invitations).toBe(1100);
    const [{ count }] = await sql<{ count: number }>('select member_count as count from orgs where id = $1', [orgId]);
    expect(count).toBe(used + 1100);
  });
});

describe('createDepartments', () => {
  it('off: unknown paths are UNKNOWN_DEPARTMENT; on: each missing level is created once, with its path and position, under the tree lock', async () => {
    const owner = await createOrgWithOwner(client, 'Commission');
    const orgId = rawIdOf(owner.org.id);
    const { createDepartment: hospitals } = await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Hospitals' } });
    const { createDepartment: level1 } = await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Level 1', parentId: hospitals.id } });
    const people = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
    const file = csv(['name', 'phone', 'department'], [
      ['A', people[0], 'Hospitals/Level 2/Hospital A'],
      ['B', people[1], '/Hospitals/Level 2/Hospital B/'],
      ['C', people[2], 'Hospitals / Level 1 / Hospital C'],
      ['D', people[3], 'Clinics/North; Hospitals/Level 1'],
      ['E', people[4], 'Hospitals/Level 2/Hospital A'],
    ]);

    const before = await importFootprint(orgId);
    const off = await postImport(gateway.url, owner.client.token, file);
    expect(off.body.summary).toMatchObject({ created: 0, failed: 5, departmentsCreated: 0 });
    expect(off.body.report.map((e) => [e.row, e.code, e.message])).toEqual([
      [2, 'UNKNOWN_DEPARTMENT', 'No department "Hospitals/Level 2/Hospital A": "Hospitals" has no sub-department "Level 2"'],
      [3, 'UNKNOWN_DEPARTMENT', 'No department "Hospitals/Level 2/Hospital B": "Hospitals" has no sub-department "Level 2"'],
      [4, 'UNKNOWN_DEPARTMENT', 'No department "Hospitals/Level 1/Hospital C": "Hospitals/Level 1" has no sub-department "Hospital C"'],
      [5, 'UNKNOWN_DEPARTMENT', 'No department "Clinics/North": the org root has no sub-department "Clinics"'],
      [6, 'UNKNOWN_DEPARTMENT', 'No department "Hospitals/Level 2/Hospital A": "Hospitals" has no sub-department "Level 2"'],
    ]);

    const dry = await postImport(gateway.url, owner.client.token, file, { createDepartments: true, dryRun: true });
    expect(dry.body.summary).toMatchObject({ created: 5, failed: 0, departmentsCreated: 6 });
    expect(await importFootprint(orgId)).toEqual({ ...before, audit_entries: before.audit_entries + 1 }); // the refused run's member.import

    const on = await postImport(gateway.url, owner.client.token, file, { createDepartments: true });
    expect(on.status).toBe(200);
    expect(on.body.summary).toEqual({ rows: 5, created: 5, skipped: 0, failed: 0, departmentsCreated: 6 });
    const rows = await sql<{ id: string; name: string; parent_name: string | null; path: string; parent_path: string | null; position: number }>(
      `select d.id, d.name, p.name as parent_name, d.path, p.path as parent_path, d.position
         from departments d left join departments p on p.id = d.parent_id where d.org_id = $1 order by d.path`,
      [orgId],
    );
    const tree = Object.fromEntries(rows.map((row) => [row.name, row]));
    expect(Object.keys(tree).sort()).toEqual(['Clinics', 'Commission', 'Hospital A', 'Hospital B', 'Hospital C', 'Hospitals', 'Level 1', 'Level 2', 'North']);
    for (const row of rows.filter((r) => r.parent_path)) expect(row.path).toBe(`${row.parent_path}${row.id}/`);
    expect(Object.fromEntries(rows.map((row) => [row.name, [row.parent_name, row.position]]))).toEqual({
      Commission: [null, 0],
      Hospitals: ['Commission', 0],
      Clinics: ['Commission', 1],
      'Level 1': ['Hospitals', 0],
      'Level 2': ['Hospitals', 1],
      'Hospital A': ['Level 2', 0],
      'Hospital B': ['Level 2', 1],
      'Hospital C': ['Level 1', 0],
      North: ['Clinics', 0],
    });
    const placed = await sql<{ name: string; departments: string[] }>(
      `select m.name, array_agg(d.name order by d.name) as departments from members m
         join member_departments md on md.member_id = m.id join departments d on d.id = md.department_id
        where m.org_id = $1 and m.status = 'PENDING' group by m.name order by m.name`,
      [orgId],
    );
    expect(placed).toEqual([
      { name: 'A', departments: ['Hospital A'] },
      { name: 'B', departments: ['Hospital B'] },
      { name: 'C', departments: ['Hospital C'] },
      { name: 'D', departments: ['Level 1', 'North'] },
      { name: 'E', departments: ['Hospital A'] },
    ]);
    expect(rawIdOf(level1.id)).toBe(tree['Level 1']!.id);
    const { auditLog } = await owner.client.ok(AuditLogDocument, { first: 20, filter: { action: 'DEPARTMENT_CREATE' } });
    expect(auditLog.edges.map((e) => (e.node.summary as { name: string }).name).sort()).toEqual(['Clinics', 'Hospital A', 'Hospital B', 'Hospital C', 'Level 1', 'Level 2', 'North', 'Hospitals'].sort());

    // Paths that exist now are reused, not created again.
    const later = await postImport(gateway.url, owner.client.token, csv(['name', 'phone', 'department'], [['F', uniquePhone(), 'Clinics/North']]), { createDepartments: true });
    expect(later.body.summary).toMatchObject({ created: 1, departmentsCreated: 0 });
  });
});

describe('concurrent uploads', () => {
  it('two files at once creating the same path and naming the same people: one department, each person once', async () => {
    const owner = await createOrgWithOwner(client);
    const orgId = rawIdOf(owner.org.id);
    const shared = Array.from({ length: 20 }, () => uniquePhone());
    const file = (tag: string) =>
      csv(['name', 'phone', 'department'], [
        ...shared.map((phone, i) => [`Shared ${i}`, phone, 'Shared/Unit']),
        ...Array.from({ length: 5 }, (_, i) => [`${tag} ${i}`, uniquePhone(), `Shared/Unit ${tag}`]),
      ]);
    const [a, b] = await Promise.all([
      postImport(gateway.url, owner.client.token, file('A'), { createDepartments: true }),
      postImport(gateway.url, owner.client.token, file('B'), { createDepartments: true }),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.summary.created + b.body.summary.created).toBe(30);
    expect(a.body.summary.skipped + b.body.summary.skipped).toBe(20);
    expect(a.body.summary.departmentsCreated + b.body.summary.departmentsCreated).toBe(4); // Shared, Unit, Unit A, Unit B
    const names = await sql<{ name: string; n: number }>(
      `select name, count(*)::int as n from departments where org_id = $1 and (name like 'Shared%' or name like 'Unit%') group by name order by name`,
      [orgId],
    );
    expect(names).toEqual([
      { name: 'Shared', n: 1 },
      { name: 'Unit', n: 1 },
      { name: 'Unit A', n: 1 },
      { name: 'Unit B', n: 1 },
    ]);
    const [{ people }] = await sql<{ people: number }>(`select count(*)::int as people from invitations where org_id = $1`, [orgId]);
    expect(people).toBe(30);
  });
});

describe('authorization', () => {
  it('a SUB_ADMIN imports only within their departments; others are FORBIDDEN_DEPARTMENT', async () => {
    const owner = await createOrgWithOwner(client);
    const a = await insertDepartment(owner.org.id, 'A');
    await insertDepartment(owner.org.id, 'A1', a.id);
    const b = await insertDepartment(owner.org.id, 'B');
    const sub = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [a.id], departmentId: a.id });
    const file = csv(['name', 'phone', 'department', 'roles'], [
      ['In A', uniquePhone(), 'A', ''], // 2
      ['In A1', uniquePhone(), 'A/A1', 'Member'], // 3
      ['In B', uniquePhone(), 'B', ''], // 4
      ['At Root', uniquePhone(), '', ''], // 5
      ['New Under A', uniquePhone(), 'A/New', ''], // 6
      ['New Under B', uniquePhone(), 'B/New', ''], // 7
      ['New At Root', uniquePhone(), 'Elsewhere', ''], // 8
      ['A and B', uniquePhone(), 'A;B', ''], // 9
      ['Admin In A', uniquePhone(), 'A', 'Admin'], // 10
    ]);
    const { status, body } = await postImport(gateway.url, sub.client.token, file, { createDepartments: true });
    expect(status).toBe(200);
    expect(body.summary).toMatchObject({ rows: 9, created: 3, failed: 6, departmentsCreated: 1 });
    expect(body.report.map((e) => [e.row, e.code])).toEqual([
      [4, 'FORBIDDEN_DEPARTMENT'],
      [5, 'FORBIDDEN_DEPARTMENT'],
      [7, 'FORBIDDEN_DEPARTMENT'],
      [8, 'FORBIDDEN_DEPARTMENT'],
      [9, 'FORBIDDEN_DEPARTMENT'],
      [10, 'FORBIDDEN_ROLE'],
    ]);
    expect(body.report[0]!.message).toBe('No permission: "B" is outside the departments you manage');
    expect(body.report[3]!.message).toBe('No permission to create "Elsewhere" under the org root');

    // A plain member may not import at all; nothing of the body is read.
    const plain = await seedActiveMember(client, owner.org.id);
    const refused = await postImport(gateway.url, plain.client.token, file);
    expect(refused.status).toBe(403);
    expect(refused.body.errors![0]!.extensions.code).toBe('FORBIDDEN');
    expect(refused.body.importId).toBeUndefined();

    // Imports are listed to their author and to admins; another sub-admin's or an admin's are NOT_FOUND to a sub-admin.
    const ownerImport = await postImport(gateway.url, owner.client.token, csv(['name', 'phone'], [['X', uniquePhone()]]));
    const ownList = await sub.client.ok(MemberImportsDocument, { first: 10, reportFirst: 10 });
    expect(ownList.memberImports.nodes.map((n) => n.id)).toEqual([body.id]);
    expect(ownList.memberImports.nodes[0]!.report.nodes.map((n) => n.row)).toEqual([4, 5, 7, 8, 9, 10]);
    const all = await owner.client.ok(MemberImportsDocument, { first: 10, reportFirst: 1 });
    expect(all.memberImports.nodes.map((n) => n.id)).toEqual([ownerImport.body.id, body.id]);
    expect(all.memberImports.totalCount).toBe(2);
    expect(errorCode(await sub.client.request(MemberImportDocument, { id: ownerImport.body.id, first: 1 }))).toBe('NOT_FOUND');
    expect(errorCode(await plain.client.request(MemberImportsDocument, { first: 10, reportFirst: 1 }))).toBe('FORBIDDEN');
    const stranger = await createOrgWithOwner(client);
    expect(errorCode(await stranger.client.request(MemberImportDocument, { id: body.id, first: 1 }))).toBe('NOT_FOUND');
    expect(errorCode(await stranger.client.request(MemberImportDocument, { id: body.importId, first: 1 }))).toBe('NOT_FOUND');
  });

  it('pages imports and their reports with the same number of statements for 5 imports as for 20', async () => {
    const owner = await createOrgWithOwner(client);
    for (let i = 0; i < 20; i++) {
      await postImport(gateway.url, owner.client.token, csv(['name', 'phone'], [['Bad', 'x'], ['Good', uniquePhone()]]));
    }
    const statements = async (first: number) => {
      const result = await owner.client.request(MemberImportsDocument, { first, reportFirst: 5 });
      expect(result.data!.memberImports.nodes).toHaveLength(first);
      expect(result.data!.memberImports.nodes.every((n) => n.report.nodes.length === 1 && n.createdBy?.id === owner.member.id)).toBe(true);
      return result.extensions!.sqlStatements;
    };
    await statements(5); // warm the credential: later viewers come from the cache
    expect(await statements(5)).toBe(await statements(20));
    const page1 = await owner.client.ok(MemberImportsDocument, { first: 15, reportFirst: 1 });
    const page2 = await owner.client.ok(MemberImportsDocument, { first: 15, after: page1.memberImports.pageInfo.endCursor, reportFirst: 1 });
    expect(page2.memberImports.nodes).toHaveLength(5);
    expect(new Set([...page1.memberImports.nodes, ...page2.memberImports.nodes].map((n) => n.id)).size).toBe(20);
  });
});
