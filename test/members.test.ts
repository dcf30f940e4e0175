import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  MemberDocument,
  MemberReportsDocument,
  MembersDocument,
  MembersTotalDocument,
  MembersWithRelationsDocument,
  NodeDocument,
  OrgMemberQuotaDocument,
  RemoveMemberDocument,
  RootDepartmentMembersDocument,
  SetMemberStatusDocument,
  UpdateMemberDocument,
  type AddMemberInput,
  type MemberFilter,
  type MembersQuery,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { seedActiveMember } from './support/seed-member';
import { builtinRoleId, insertDepartment, rawIdOf, setMemberLimit, sql, toGlobalId } from './support/sql-fixtures';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

type Org = Awaited<ReturnType<typeof createOrgWithOwner>>;

async function add(org: Org | GraphQLClient, input: Partial<AddMemberInput> = {}) {
  const actor = org instanceof GraphQLClient ? org : org.client;
  const { addMember } = await actor.ok(AddMemberDocument, { input: { name: 'Member', phone: uniquePhone(), ...input } });
  return addMember;
}

async function rolesOf(memberId: string): Promise<string[]> {
  const rows = await sql<{ builtin: string }>(
    'select r.builtin from member_roles mr join roles r on r.id = mr.role_id where mr.member_id = $1 order by r.builtin',
    [rawIdOf(memberId)],
  );
  return rows.map((row) => row.builtin);
}

async function auditOf(memberId: string): Promise<Array<{ action: string; summary: Record<string, unknown> }>> {
  return sql('select action, summary from audit_entries where target_id = $1 order by id', [rawIdOf(memberId)]);
}

async function listAll(actor: GraphQLClient, filter: MemberFilter, pageSize = 100) {
  const ids: string[] = [];
  let after: string | null = null;
  for (;;) {
    const { members }: MembersQuery = await actor.ok(MembersDocument, { first: pageSize, after, filter });
    ids.push(...members.edges.map((edge) => edge.node.id));
    if (!members.pageInfo.hasNextPage) return ids;
    after = members.pageInfo.endCursor ?? null;
  }
}

async function names(actor: GraphQLClient, filter: MemberFilter): Promise<string[]> {
  const { members } = await actor.ok(MembersDocument, { first: 100, filter });
  return members.edges.map((edge) => edge.node.name).sort();
}

describe('addMember', () => {
  it('adds a PENDING member with an E.164 phone, in the org root, with the MEMBER role, audited', async () => {
    const org = await createOrgWithOwner(client);
    const local = uniquePhone().replace('+86', '');
    const member = await add(org, { name: ' Wang Fang ', phone: local, email: ' Wang.Fang@Example.COM ', title: 'Nurse', employeeNo: 'E-1' });
    expect(member).toMatchObject({
      name: 'Wang Fang',
      phone: `+86${local}`,
      email: 'wang.fang@example.com',
      title: 'Nurse',
      employeeNo: 'E-1',
      status: 'PENDING',
      joinedAt: null,
      manager: null,
      departments: [{ id: org.org.rootDepartment.id }],
    });
    expect(await rolesOf(member.id)).toEqual(['MEMBER']);
    expect(await auditOf(member.id)).toMatchObject([{ action: 'member.add', summary: { name: 'Wang Fang' } }]);
    const { viewer } = await org.client.ok(OrgMemberQuotaDocument);
    expect(viewer.org?.memberQuota.used).toBe(2);
  });

  it('places the member in the given departments, under a manager, with the given roles', async () => {
    const org = await createOrgWithOwner(client);
    const ward = await insertDepartment(org.org.id, 'Ward');
    const lab = await insertDepartment(org.org.id, 'Lab');
    const member = await add(org, {
      departmentIds: [ward.id, lab.id, ward.id],
      managerId: org.member.id,
      roleIds: [await builtinRoleId(org.org.id, 'ADMIN'), await builtinRoleId(org.org.id, 'MEMBER')],
    });
    expect(member.departments.map((d) => d.id).sort()).toEqual([ward.id, lab.id].sort());
    expect(member.manager).toEqual({ id: org.member.id, name: 'Owner' });
    expect(await rolesOf(member.id)).toEqual(['ADMIN', 'MEMBER']);
  });

  it('refuses invalid input with BAD_USER_INPUT', async () => {
    const org = await createOrgWithOwner(client);
    const refused = async (input: Partial<AddMemberInput>) =>
      errorCode(await org.client.request(AddMemberDocument, { input: { name: 'Valid', phone: uniquePhone(), ...input } }));
    expect(await refused({ phone: '12345' })).toBe('BAD_USER_INPUT');
    expect(await refused({ name: '   ' })).toBe('BAD_USER_INPUT');
    expect(await refused({ name: 'x'.repeat(101) })).toBe('BAD_USER_INPUT');
    expect(await refused({ title: 'x'.repeat(101) })).toBe('BAD_USER_INPUT');
    expect(await refused({ employeeNo: 'x'.repeat(51) })).toBe('BAD_USER_INPUT');
    expect(await refused({ email: 'not-an-email' })).toBe('BAD_USER_INPUT');
    expect(await refused({ departmentIds: [] })).toBe('BAD_USER_INPUT');
    expect(await refused({ roleIds: [await builtinRoleId(org.org.id, 'SUB_ADMIN')] })).toBe('BAD_USER_INPUT');
    expect(await refused({ name: 'x'.repeat(100) })).toBeUndefined();
  });

  it('answers unknown, malformed and foreign department, manager and role ids with NOT_FOUND', async () => {
    const org = await createOrgWithOwner(client);
    const other = await createOrgWithOwner(client);
    const refused = async (input: Partial<AddMemberInput>) =>
      errorCode(await org.client.request(AddMemberDocument, { input: { name: 'Valid', phone: uniquePhone(), ...input } }));
    expect(await refused({ departmentIds: [toGlobalId('Department', randomUUID())] })).toBe('NOT_FOUND');
    expect(await refused({ departmentIds: [other.org.rootDepartment.id] })).toBe('NOT_FOUND');
    expect(await refused({ departmentIds: ['garbage'] })).toBe('NOT_FOUND');
    expect(await refused({ departmentIds: [org.member.id] })).toBe('NOT_FOUND'); // a Member id where a Department id belongs
    expect(await refused({ managerId: other.member.id })).toBe('NOT_FOUND');
    expect(await refused({ managerId: toGlobalId('Member', randomUUID()) })).toBe('NOT_FOUND');
    expect(await refused({ roleIds: [await builtinRoleId(other.org.id, 'MEMBER')] })).toBe('NOT_FOUND');
    expect(await refused({ roleIds: [toGlobalId('Role', randomUUID())] })).toBe('NOT_FOUND');
  });

  it('refuses a duplicate phone (however written) or employee number with CONFLICT', async () => {
    const org = await createOrgWithOwner(client);
    const phone = uniquePhone();
    await add(org, { phone, employeeNo: 'E-7' });
    const samePhone = await org.client.request(AddMemberDocument, { input: { name: 'B', phone: phone.replace('+86', '0086 ') } });
    expect(errorCode(samePhone)).toBe('CONFLICT');
    expect(samePhone.errors?.[0]?.extensions?.field).toBe('phone');
    const sameNo = await org.client.request(AddMemberDocument, { input: { name: 'C', phone: uniquePhone(), employeeNo: 'E-7' } });
    expect(errorCode(sameNo)).toBe('CONFLICT');
    expect(sameNo.errors?.[0]?.extensions?.field).toBe('employeeNo');
    // Another org may use the same number.
    await add(await createOrgWithOwner(client), { phone, employeeNo: 'E-7' });
  });

  it('refuses with QUOTA_EXCEEDED when the org is full, also under concurrent adds', async () => {
    const org = await createOrgWithOwner(client);
    await setMemberLimit(org.org.id, 2);
    await add(org);
    expect(errorCode(await org.client.request(AddMemberDocument, { input: { name: 'Third', phone: uniquePhone() } }))).toBe('QUOTA_EXCEEDED');

    await setMemberLimit(org.org.id, 5);
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) => org.client.request(AddMemberDocument, { input: { name: `Rush ${i}`, phone: uniquePhone() } })),
    );
    expect(results.filter((r) => !r.errors).length).toBe(3);
    expect(results.filter((r) => errorCode(r) === 'QUOTA_EXCEEDED').length).toBe(3);
  });
});

describe('updateMember', () => {
  it('changes the given fields, keeps omitted ones, clears optional ones with null; audited', async () => {
    const org = await createOrgWithOwner(client);
    const ward = await insertDepartment(org.org.id, 'Ward');
    const member = await add(org, { name: 'Before', email: 'a@example.com', title: 'Nurse', employeeNo: 'E-1', managerId: org.member.id });

    const { updateMember } = await org.client.ok(UpdateMemberDocument, {
      input: { id: member.id, name: 'After', title: null, employeeNo: null, managerId: null, departmentIds: [ward.id] },
    });
    expect(updateMember).toMatchObject({
      name: 'After',
      phone: member.phone,
      email: 'a@example.com',
      title: null,
      employeeNo: null,
      manager: null,
      departments: [{ id: ward.id, name: 'Ward' }],
    });
    const audit = await auditOf(member.id);
    expect(audit.at(-1)).toEqual({
      action: 'member.update',
      summary: { changed: expect.arrayContaining(['name', 'title', 'employeeNo', 'managerId', 'departmentIds']) },
    });
    expect((audit.at(-1)!.summary.changed as string[]).length).toBe(5);

    const phone = uniquePhone();
    const again = await org.client.ok(UpdateMemberDocument, { input: { id: member.id, phone: phone.replace('+86', ''), email: null } });
    expect(again.updateMember).toMatchObject({ name: 'After', phone, email: null, departments: [{ id: ward.id }] });
  });

  it('refuses clearing required fields and bad values with BAD_USER_INPUT, duplicates with CONFLICT', async () => {
    const org = await createOrgWithOwner(client);
    const member = await add(org);
    const other = await add(org, { employeeNo: 'E-9' });
    const update = (input: Record<string, unknown>) => org.client.request(UpdateMemberDocument, { input: { id: member.id, ...input } });
    expect(errorCode(await update({ name: null }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ name: '' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ phone: null }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ phone: 'abc' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ departmentIds: null }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ departmentIds: [] }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ email: 'x@' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await update({ phone: other.phone }))).toBe('CONFLICT');
    expect(errorCode(await update({ employeeNo: 'E-9' }))).toBe('CONFLICT');
    expect(errorCode(await update({ departmentIds: [toGlobalId('Department', randomUUID())] }))).toBe('NOT_FOUND');
    expect(errorCode(await update({ managerId: toGlobalId('Member', randomUUID()) }))).toBe('NOT_FOUND');
    expect(errorCode(await org.client.request(UpdateMemberDocument, { input: { id: toGlobalId('Member', randomUUID()), name: 'X' } }))).toBe('NOT_FOUND');
  });

  it('refuses a manager who is the member or reports to them, directly or not', async () => {
    const org = await createOrgWithOwner(client);
    const top = await add(org, { name: 'Top' });
    const middle = await add(org, { name: 'Middle', managerId: top.id });
    const bottom = await add(org, { name: 'Bottom', managerId: middle.id });
    const setManager = (id: string, managerId: string) => org.client.request(UpdateMemberDocument, { input: { id, managerId } });
    expect(errorCode(await setManager(top.id, top.id))).toBe('BAD_USER_INPUT');
    expect(errorCode(await setManager(top.id, middle.id))).toBe('BAD_USER_INPUT');
    expect(errorCode(await setManager(top.id, bottom.id))).toBe('BAD_USER_INPUT');
    // Moving up the chain is fine.
    expect(errorCode(await setManager(bottom.id, top.id))).toBeUndefined();
    expect(errorCode(await setManager(top.id, org.member.id))).toBeUndefined();
  });
});

describe('manager chain', () => {
  it('resolves manager up the chain and pages through direct reports', async () => {
    const org = await createOrgWithOwner(client);
    const lead = await add(org, { name: 'Lead', managerId: org.member.id });
    const reports = [];
    for (const name of ['Ruth', 'Alan', 'Mia', 'Zed', 'Bo']) reports.push(await add(org, { name, managerId: lead.id }));
    await add(org, { name: 'Unrelated' });

    const first = await org.client.ok(MemberReportsDocument, { id: reports[0]!.id, first: 2 });
    expect(first.member!.manager).toEqual({ id: lead.id, name: 'Lead', manager: { id: org.member.id, name: 'Owner' } });

    const page1 = await org.client.ok(MemberReportsDocument, { id: lead.id, first: 2 });
    expect(page1.member!.reports.nodes.map((n) => n.name)).toEqual(['Alan', 'Bo']);
    expect(page1.member!.reports.totalCount).toBe(5);
    const page2 = await org.client.ok(MemberReportsDocument, { id: lead.id, first: 2, after: page1.member!.reports.pageInfo.endCursor });
    const page3 = await org.client.ok(MemberReportsDocument, { id: lead.id, first: 2, after: page2.member!.reports.pageInfo.endCursor });
    expect(page2.member!.reports.nodes.map((n) => n.name)).toEqual(['Mia', 'Ruth']);
    expect(page3.member!.reports.nodes.map((n) => n.name)).toEqual(['Zed']);
    expect(page3.member!.reports.pageInfo.hasNextPage).toBe(false);
  });
});

describe('setMemberStatus', () => {
  it('disables and re-enables an active member; a disabled member is shut out meanwhile', async () => {
    const org = await createOrgWithOwner(client);
    const plain = await seedActiveMember(client, org.org.id, { name: 'Plain' });
    expect(errorCode(await plain.client.request(MembersDocument, { first: 5 }))).toBeUndefined();

    const disabled = await org.client.ok(SetMemberStatusDocument, { input: { id: plain.memberId, status: 'DISABLED' } });
    expect(disabled.setMemberStatus.status).toBe('DISABLED');
    expect(errorCode(await plain.client.request(MembersDocument, { first: 5 }))).toBe('FORBIDDEN');

    const enabled = await org.client.ok(SetMemberStatusDocument, { input: { id: plain.memberId, status: 'ACTIVE' } });
    expect(enabled.setMemberStatus.status).toBe('ACTIVE');
    expect(errorCode(await plain.client.request(MembersDocument, { first: 5 }))).toBeUndefined();
    expect((await auditOf(plain.memberId)).map((entry) => entry.summary)).toEqual([
      { from: 'ACTIVE', to: 'DISABLED' },
      { from: 'DISABLED', to: 'ACTIVE' },
    ]);
  });

  it('refuses activating a pending member, disabling yourself and disabling the last owner', async () => {
    const org = await createOrgWithOwner(client);
    const pending = await add(org);
    const setStatus = (actor: GraphQLClient, id: string, status: 'ACTIVE' | 'DISABLED' | 'PENDING') =>
      actor.request(SetMemberStatusDocument, { input: { id, status } });
    expect(errorCode(await setStatus(org.client, pending.id, 'ACTIVE'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await setStatus(org.client, pending.id, 'DISABLED'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await setStatus(org.client, org.member.id, 'DISABLED'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await setStatus(org.client, org.member.id, 'PENDING'))).toBe('BAD_USER_INPUT');

    const admin = await seedActiveMember(client, org.org.id, { role: 'ADMIN' });
    expect(errorCode(await setStatus(admin.client, org.member.id, 'DISABLED'))).toBe('BAD_USER_INPUT');
    expect(errorCode(await admin.client.request(RemoveMemberDocument, { input: { id: org.member.id, mode: 'DELETE' } }))).toBe('BAD_USER_INPUT');
  });

  it('lets an owner disable another owner, but not an admin', async () => {
    const org = await createOrgWithOwner(client);
    const second = await seedActiveMember(client, org.org.id, { role: 'OWNER' });
    const admin = await seedActiveMember(client, org.org.id, { role: 'ADMIN' });
    const refused = await admin.client.request(SetMemberStatusDocument, { input: { id: second.memberId, status: 'DISABLED' } });
    expect(errorCode(refused)).toBe('FORBIDDEN');
    const done = await org.client.ok(SetMemberStatusDocument, { input: { id: second.memberId, status: 'DISABLED' } });
    expect(done.setMemberStatus.status).toBe('DISABLED');
  });
});

describe('removeMember', () => {
  it('DELETE removes the member and leaves their reports without a manager', async () => {
    const org = await createOrgWithOwner(client);
    const member = await add(org, { name: 'Leaving' });
    const report = await add(org, { name: 'Report', managerId: member.id });
    const { removeMember } = await org.client.ok(RemoveMemberDocument, { input: { id: member.id, mode: 'DELETE' } });
    expect(removeMember).toEqual({ removedMemberId: member.id, transferredTo: null });
    expect(errorCode(await org.client.request(MemberDocument, { id: member.id }))).toBe('NOT_FOUND');
    expect((await org.client.ok(MemberDocument, { id: report.id })).member!.manager).toBeNull();
    expect(await auditOf(member.id)).toMatchObject([
      { action: 'member.add' },
      { action: 'member.remove', summary: { mode: 'DELETE', name: 'Leaving', transferredTo: null } },
    ]);
    expect(await sql('select 1 from offboarding_records where member_id = $1', [rawIdOf(member.id)])).toEqual([]);
  });

  it('TRANSFER hands reports and role grants to another active member, skipping grants it holds', async () => {
    const org = await createOrgWithOwner(client);
    const member = await add(org, {
      name: 'Leaving',
      managerId: org.member.id,
      roleIds: [await builtinRoleId(org.org.id, 'ADMIN'), await builtinRoleId(org.org.id, 'MEMBER')],
    });
    const target = await seedActiveMember(client, org.org.id, { name: 'Successor' });
    const reportA = await add(org, { name: 'Report A', managerId: member.id });
    const reportB = await add(org, { name: 'Report B', managerId: member.id });

    const { removeMember } = await org.client.ok(RemoveMemberDocument, {
      input: { id: member.id, mode: 'TRANSFER', transferToMemberId: target.memberId },
    });
    expect(removeMember).toEqual({ removedMemberId: member.id, transferredTo: { id: target.memberId, name: 'Successor', manager: null } });
    for (const report of [reportA, reportB]) {
      expect((await org.client.ok(MemberDocument, { id: report.id })).member!.manager?.id).toBe(target.memberId);
    }
    expect(await rolesOf(target.memberId)).toEqual(['ADMIN', 'MEMBER']);
    expect(await auditOf(member.id)).toMatchObject([{}, { action: 'member.remove', summary: { mode: 'TRANSFER', transferredTo: target.memberId } }]);
  });

  it('TRANSFER to one of the member’s own reports keeps the chain free of cycles', async () => {
    const org = await createOrgWithOwner(client);
    const member = await add(org, { name: 'Leaving', managerId: org.member.id });
    const successor = await seedActiveMember(client, org.org.id, { name: 'Successor' });
    await org.client.ok(UpdateMemberDocument, { input: { id: successor.memberId, managerId: member.id } });
    const sibling = await add(org, { name: 'Sibling', managerId: member.id });

    const { removeMember } = await org.client.ok(RemoveMemberDocument, {
      input: { id: member.id, mode: 'TRANSFER', transferToMemberId: successor.memberId },
    });
    expect(removeMember.transferredTo).toEqual({ id: successor.memberId, name: 'Successor', manager: { id: org.member.id } });
    expect((await org.client.ok(MemberDocument, { id: sibling.id })).member!.manager?.id).toBe(successor.memberId);
  });

  it('refuses a TRANSFER without a valid active target, and removing yourself', async () => {
    const org = await createOrgWithOwner(client);
    const other = await createOrgWithOwner(client);
    const member = await add(org);
    const pending = await add(org);
    const remove = (input: { mode: 'DELETE' | 'TRANSFER' | 'OFFBOARD'; transferToMemberId?: string; id?: string }) =>
      org.client.request(RemoveMemberDocument, { input: { id: member.id, ...input } });
    expect(errorCode(await remove({ mode: 'TRANSFER' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await remove({ mode: 'TRANSFER', transferToMemberId: pending.id }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await remove({ mode: 'TRANSFER', transferToMemberId: member.id }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await remove({ mode: 'DELETE', transferToMemberId: org.member.id }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await remove({ mode: 'TRANSFER', transferToMemberId: other.member.id }))).toBe('NOT_FOUND');
    expect(errorCode(await remove({ mode: 'TRANSFER', transferToMemberId: toGlobalId('Member', randomUUID()) }))).toBe('NOT_FOUND');
    expect(errorCode(await remove({ mode: 'DELETE', id: org.member.id }))).toBe('BAD_USER_INPUT');
    // Nothing was removed on the way.
    expect((await org.client.ok(MemberDocument, { id: member.id })).member!.id).toBe(member.id);
  });

  it('OFFBOARD keeps a record of the leaving', async () => {
    const org = await createOrgWithOwner(client);
    const member = await add(org, { name: 'Retiring', employeeNo: 'E-42' });
    await org.client.ok(RemoveMemberDocument, { input: { id: member.id, mode: 'OFFBOARD' } });
    const records = await sql('select name, employee_no, transferred_to_member_id, recorded_by_member_id from offboarding_records where member_id = $1', [
      rawIdOf(member.id),
    ]);
    expect(records).toEqual([{ name: 'Retiring', employee_no: 'E-42', transferred_to_member_id: null, recorded_by_member_id: rawIdOf(org.member.id) }]);
    expect(errorCode(await org.client.request(MemberDocument, { id: member.id }))).toBe('NOT_FOUND');
  });
});

describe('members directory', () => {
  it('searches names case-insensitively from any word; by phone, email or employee number only for admins', async () => {
    const org = await createOrgWithOwner(client);
    const zhang = await add(org, { name: 'Zhang San', email: 'zs@example.com', employeeNo: 'NO-77' });
    await add(org, { name: 'zhang Si' });
    await add(org, { name: 'Li Zhang' });
    await add(org, { name: '100% Real' });
    const plain = await seedActiveMember(client, org.org.id, { name: 'Plain' });

    // Any word of a name from its start (issue 14), not only the first.
    expect(await names(org.client, { query: 'ZHANG' })).toEqual(['Li Zhang', 'Zhang San', 'zhang Si']);
    expect(await names(plain.client, { query: 'zhang s' })).toEqual(['Zhang San', 'zhang Si']);
    expect(await names(org.client, { query: '100%' })).toEqual(['100% Real']);
    expect(await names(org.client, { query: '1%' })).toEqual([]);

    const local = zhang.phone!.replace('+86', '');
    for (const query of [local, zhang.phone!, 'ZS@example.com', 'NO-77']) {
      expect(await names(org.client, { query })).toEqual(['Zhang San']);
      expect(await names(plain.client, { query })).toEqual([]);
    }
  });

  it('filters by department subtree (or the department alone), status and role', async () => {
    const org = await createOrgWithOwner(client);
    const a = await insertDepartment(org.org.id, 'A');
    const a1 = await insertDepartment(org.org.id, 'A1', a.id);
    const a1x = await insertDepartment(org.org.id, 'A1x', a1.id);
    const b = await insertDepartment(org.org.id, 'B');
    await add(org, { name: 'In A', departmentIds: [a.id] });
    await add(org, { name: 'In A1', departmentIds: [a1.id] });
    await add(org, { name: 'In A1x and B', departmentIds: [a1x.id, b.id] });
    await add(org, { name: 'In B', departmentIds: [b.id], roleIds: [await builtinRoleId(org.org.id, 'ADMIN')] });

    expect(await names(org.client, { departmentId: a.id })).toEqual(['In A', 'In A1', 'In A1x and B']);
    expect(await names(org.client, { departmentId: a.id, includeDescendants: false })).toEqual(['In A']);
    expect(await names(org.client, { departmentId: a1.id })).toEqual(['In A1', 'In A1x and B']);
    expect(await names(org.client, { departmentId: b.id })).toEqual(['In A1x and B', 'In B']);
    expect(await names(org.client, { departmentId: b.id, query: 'in a' })).toEqual(['In A1x and B']);
    expect(await names(org.client, { status: 'ACTIVE' })).toEqual(['Owner']);
    expect(await names(org.client, { roleId: await builtinRoleId(org.org.id, 'ADMIN') })).toEqual(['In B']);
    expect(await names(org.client, { roleId: await builtinRoleId(org.org.id, 'OWNER'), status: 'ACTIVE' })).toEqual(['Owner']);
    const total = await org.client.ok(MembersTotalDocument, { filter: { departmentId: a.id } });
    expect(total.members.totalCount).toBe(3);

    const other = await createOrgWithOwner(client);
    expect(errorCode(await org.client.request(MembersDocument, { first: 5, filter: { departmentId: other.org.rootDepartment.id } }))).toBe('NOT_FOUND');
    expect(errorCode(await org.client.request(MembersDocument, { first: 5, filter: { roleId: await builtinRoleId(other.org.id, 'ADMIN') } }))).toBe('NOT_FOUND');
  });

  it('Department.members lists the subtree by default, or the department alone', async () => {
    const org = await createOrgWithOwner(client);
    const a = await insertDepartment(org.org.id, 'A');
    await add(org, { name: 'In A', departmentIds: [a.id] });
    await add(org, { name: 'In Root' });
    const all = await org.client.ok(RootDepartmentMembersDocument, { first: 10 });
    expect(all.viewer.org?.rootDepartment.members.nodes.map((n) => n.name)).toEqual(['In A', 'In Root', 'Owner']);
    expect(all.viewer.org?.rootDepartment.members.totalCount).toBe(3);
    const direct = await org.client.ok(RootDepartmentMembersDocument, { first: 10, includeDescendants: false });
    expect(direct.viewer.org?.rootDepartment.members.nodes.map((n) => n.name)).toEqual(['In Root', 'Owner']);
    const filtered = await org.client.ok(RootDepartmentMembersDocument, { first: 10, filter: { status: 'PENDING', query: 'in' } });
    expect(filtered.viewer.org?.rootDepartment.members.nodes.map((n) => n.name)).toEqual(['In A', 'In Root']);
  });

  it('pages in (name, id) order without gaps or duplicates, also across equal names', async () => {
    const org = await createOrgWithOwner(client);
    for (let i = 0; i < 9; i++) await add(org, { name: `Person ${String.fromCharCode(97 + ((i * 5) % 9))}` });
    for (let i = 0; i < 5; i++) await add(org, { name: 'Same Name' });

    const everyone = await org.client.ok(MembersDocument, { first: 100 });
    const expected = everyone.members.edges.map((edge) => edge.node.id);
    expect(expected).toHaveLength(15);
    expect(everyone.members.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: false });
    const sorted = everyone.members.edges.map((edge) => edge.node.name);
    expect(sorted.slice(0, 9)).toEqual([...sorted.slice(0, 9)].sort());

    for (const size of [1, 4, 7]) {
      const paged = await listAll(org.client, {}, size);
      expect(paged).toEqual(expected);
    }
    const page = await org.client.ok(MembersDocument, { first: 4 });
    expect(page.members.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const next = await org.client.ok(MembersDocument, { first: 4, after: page.members.pageInfo.endCursor });
    expect(next.members.pageInfo.hasPreviousPage).toBe(true);

    expect(errorCode(await org.client.request(MembersDocument, { first: 4, after: 'not-a-cursor' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await org.client.request(MembersDocument, { first: 4, after: Buffer.from('["a","b"]').toString('base64url') }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await org.client.request(MembersDocument, { first: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await org.client.request(MembersDocument, { first: 101 }))).toBe('BAD_USER_INPUT');
  });

  it('costs the same SQL statements for a page of 5 and of 50, with departments and managers', async () => {
    const org = await createOrgWithOwner(client);
    const orgId = rawIdOf(org.org.id);
    const wards = [await insertDepartment(org.org.id, 'W1'), await insertDepartment(org.org.id, 'W2')];
    await sql(
      `with added as (
         insert into members (id, org_id, name, phone, manager_id, status)
         select gen_random_uuid(), $1, 'Bulk ' || lpad(n::text, 3, '0'), '+86137' || lpad(n::text, 8, '0'), $2, 'PENDING'
           from generate_series(1, 60) n
         returning id
       )
       insert into member_departments (member_id, department_id, org_id)
       select added.id, d.department_id, $1 from added cross join (values ($3::uuid), ($4::uuid)) d(department_id)`,
      [orgId, rawIdOf(org.member.id), wards[0]!.rawId, wards[1]!.rawId],
    );
    const plain = await seedActiveMember(client, org.org.id);
    for (const actor of [org.client, plain.client]) {
      // A warm credential for both pages: the seeding's events may still drop a cached viewer, so warm until steady.
      let small = await actor.request(MembersWithRelationsDocument, { first: 5 });
      for (let tries = 0; tries < 5; tries++) {
        const again = await actor.request(MembersWithRelationsDocument, { first: 5 });
        if (again.extensions?.sqlStatements === small.extensions?.sqlStatements) break;
        small = again;
      }
      const large = await actor.request(MembersWithRelationsDocument, { first: 50 });
      expect(small.errors).toBeUndefined();
      expect(large.data?.members.nodes).toHaveLength(50);
      expect(large.data?.members.nodes.every((node) => node.departments.length === 2 && node.manager?.id === org.member.id)).toBe(true);
      expect(large.extensions?.sqlStatements).toBe(small.extensions?.sqlStatements);
    }
  });
});

describe('sensitive fields', () => {
  it('shows phone, email and employee number to the owner and the member, null to another plain member', async () => {
    const org = await createOrgWithOwner(client);
    const member = await seedActiveMember(client, org.org.id, { name: 'Visible', email: 'v@example.com', employeeNo: 'S-1' });
    const plain = await seedActiveMember(client, org.org.id, { name: 'Plain' });

    const byOwner = await org.client.ok(MemberDocument, { id: member.memberId });
    expect(byOwner.member).toMatchObject({ phone: member.phone, email: 'v@example.com', employeeNo: 'S-1' });
    const bySelf = await member.client.ok(MemberDocument, { id: member.memberId });
    expect(bySelf.member).toMatchObject({ phone: member.phone, email: 'v@example.com', employeeNo: 'S-1' });

    const byPlain = await plain.client.request(MemberDocument, { id: member.memberId });
    expect(byPlain.errors).toBeUndefined();
    expect(byPlain.data?.member).toMatchObject({ name: 'Visible', phone: null, email: null, employeeNo: null });

    const list = await plain.client.request(MembersDocument, { first: 10 });
    expect(list.errors).toBeUndefined();
    const nodes = list.data!.members.edges.map((edge) => edge.node);
    expect(nodes.find((node) => node.id === member.memberId)).toMatchObject({ phone: null, email: null, employeeNo: null });
    expect(nodes.find((node) => node.id === plain.memberId)?.phone).toBe(plain.phone);
    expect(nodes.find((node) => node.id === org.member.id)?.phone).toBeNull();
  });
});

describe('authorization', () => {
  it('a plain member reads the directory but may not add, edit, disable or remove', async () => {
    const org = await createOrgWithOwner(client);
    const target = await add(org);
    const plain = await seedActiveMember(client, org.org.id);
    expect(errorCode(await plain.client.request(MemberDocument, { id: target.id }))).toBeUndefined();
    expect(errorCode(await plain.client.request(AddMemberDocument, { input: { name: 'X', phone: uniquePhone() } }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(UpdateMemberDocument, { input: { id: target.id, name: 'Y' } }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(UpdateMemberDocument, { input: { id: plain.memberId, name: 'Me' } }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(SetMemberStatusDocument, { input: { id: org.member.id, status: 'DISABLED' } }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(RemoveMemberDocument, { input: { id: target.id, mode: 'DELETE' } }))).toBe('FORBIDDEN');
    expect(errorCode(await client.request(MembersDocument, { first: 5 }))).toBe('UNAUTHENTICATED');
  });

  it('a sub-admin manages members inside their departments only', async () => {
    const org = await createOrgWithOwner(client);
    const a = await insertDepartment(org.org.id, 'A');
    const a1 = await insertDepartment(org.org.id, 'A1', a.id);
    const b = await insertDepartment(org.org.id, 'B');
    const sub = await seedActiveMember(client, org.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [a.id], departmentId: a.id });

    const inside = await add(sub.client, { name: 'Inside', departmentIds: [a1.id] });
    expect(inside.departments).toEqual([{ id: a1.id, name: 'A1' }]);
    const addTo = async (departmentIds?: string[], roleIds?: string[]) =>
      sub.client.request(AddMemberDocument, { input: { name: 'X', phone: uniquePhone(), departmentIds, roleIds } });
    const outside = await addTo([a1.id, b.id]);
    expect(errorCode(outside)).toBe('FORBIDDEN');
    expect(outside.errors?.[0]?.message).toContain('outside the departments you manage');
    expect(errorCode(await addTo(undefined))).toBe('FORBIDDEN'); // the org root is outside A
    expect(errorCode(await addTo([a.id], [await builtinRoleId(org.org.id, 'ADMIN')]))).toBe('FORBIDDEN');

    const inB = await add(org, { name: 'In B', departmentIds: [b.id] });
    const adminInA = await add(org, { name: 'Admin in A', departmentIds: [a.id], roleIds: [await builtinRoleId(org.org.id, 'ADMIN')] });
    expect(errorCode(await sub.client.request(UpdateMemberDocument, { input: { id: inside.id, title: 'Nurse' } }))).toBeUndefined();
    expect(errorCode(await sub.client.request(UpdateMemberDocument, { input: { id: inB.id, title: 'Nurse' } }))).toBe('FORBIDDEN');
    expect(errorCode(await sub.client.request(UpdateMemberDocument, { input: { id: inside.id, departmentIds: [b.id] } }))).toBe('FORBIDDEN');
    expect(errorCode(await sub.client.request(RemoveMemberDocument, { input: { id: inB.id, mode: 'DELETE' } }))).toBe('FORBIDDEN');
    expect(errorCode(await sub.client.request(RemoveMemberDocument, { input: { id: adminInA.id, mode: 'DELETE' } }))).toBe('FORBIDDEN');
    expect(errorCode(await sub.client.request(RemoveMemberDocument, { input: { id: inside.id, mode: 'DELETE' } }))).toBeUndefined();
  });
});

describe('tenant sealing', () => {
  it('answers ids of another org like unknown ones, and never lists its members', async () => {
    const org = await createOrgWithOwner(client);
    const other = await createOrgWithOwner(client);
    const theirs = await add(other, { name: 'Theirs' });
    expect(errorCode(await org.client.request(MemberDocument, { id: theirs.id }))).toBe('NOT_FOUND');
    expect(errorCode(await org.client.request(NodeDocument, { id: theirs.id }))).toBe('NOT_FOUND');
    expect(errorCode(await org.client.request(UpdateMemberDocument, { input: { id: theirs.id, name: 'Mine' } }))).toBe('NOT_FOUND');
    expect(errorCode(await org.client.request(SetMemberStatusDocument, { input: { id: other.member.id, status: 'DISABLED' } }))).toBe('NOT_FOUND');
    expect(errorCode(await org.client.request(RemoveMemberDocument, { input: { id: theirs.id, mode: 'DELETE' } }))).toBe('NOT_FOUND');
    expect(await listAll(org.client, {})).toEqual([org.member.id]);
    expect(await names(org.client, { query: 'Theirs' })).toEqual([]);
    const own = await org.client.ok(NodeDocument, { id: org.member.id });
    expect(own.node).toEqual({ __typename: 'Member', id: org.member.id });
    expect((await other.client.ok(MemberDocument, { id: theirs.id })).member!.name).toBe('Theirs');
  });
});
