/**
 * The authorization matrix of the foundation issue: each kind of viewer against each protected member field and
 * each protected mutation, in one org built through the API (plus one foreign org and an anonymous client).
 *
 * Tree: root > A > A1, root > B. The target member sits in A1.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  AssignRoleDocument,
  CreateDepartmentDocument,
  CreateEnterpriseAccountDocument,
  CreateRoleDocument,
  MatrixMemberListDocument,
  MatrixMemberSensitiveDocument,
  MatrixPageDocument,
  RemoveMemberDocument,
  RolesDocument,
  SetMemberStatusDocument,
  UpdateMemberDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin, type Person } from './support/people';

type ViewerKind =
  | 'self'
  | 'owner'
  | 'admin'
  | 'inScopeSubAdmin'
  | 'outOfScopeSubAdmin'
  | 'customFieldViewer'
  | 'customScopedEditor'
  | 'plainMember'
  | 'otherOrgMember'
  | 'anonymous';

let anonymous: GraphQLClient;
let viewers: Record<ViewerKind, GraphQLClient>;
let owner: GraphQLClient;
let target: Person;
let departmentA1: string;

beforeAll(async () => {
  anonymous = new GraphQLClient((await startTestGateway()).url);
  const org = await createOrgWithOwner(anonymous);
  owner = org.client;
  const dept = async (name: string, parentId?: string) =>
    (await owner.ok(CreateDepartmentDocument, { input: { name, parentId } })).createDepartment.id;
  const a = await dept('A');
  departmentA1 = await dept('A1', a);
  const b = await dept('B');

  const { roles } = await owner.ok(RolesDocument);
  const builtin = (key: string) => roles.find((role) => role.builtin === key)!.id;
  const custom = async (name: string, permissions: Array<{ module: any; actions: any[] }>) =>
    (await owner.ok(CreateRoleDocument, { input: { name, permissions } })).createRole.id;
  const fieldViewerRole = await custom('HR viewer', [{ module: 'MEMBER_SENSITIVE_FIELDS', actions: ['VIEW'] }]);
  const scopedEditorRole = await custom('A editor', [{ module: 'MEMBERS', actions: ['EDIT', 'DELETE'] }]);

  const orgCode = org.org.code;
  const join = (name: string, departmentIds: string[], roleList: Array<{ roleId: string; scopeDepartmentIds?: string[] }> = []) =>
    addPersonWithLogin(owner, orgCode, { name, departmentIds, roles: roleList });

  target = await addPersonWithLogin(owner, orgCode, { name: 'Target', departmentIds: [departmentA1], email: 'target@example.org', employeeNo: 'T-1' });
  const people = await Promise.all([
    join('Admin', [b], [{ roleId: builtin('ADMIN') }]),
    join('Sub-admin of A', [a], [{ roleId: builtin('SUB_ADMIN'), scopeDepartmentIds: [a] }]),
    join('Sub-admin of B', [b], [{ roleId: builtin('SUB_ADMIN'), scopeDepartmentIds: [b] }]),
    join('Field viewer', [b], [{ roleId: fieldViewerRole }]),
    join('Scoped editor', [b], [{ roleId: scopedEditorRole, scopeDepartmentIds: [a] }]),
    join('Plain', [departmentA1]),
  ]);
  const other = await createOrgWithOwner(anonymous);
  viewers = {
    self: target.client,
    owner,
    admin: people[0].client,
    inScopeSubAdmin: people[1].client,
    outOfScopeSubAdmin: people[2].client,
    customFieldViewer: people[3].client,
    customScopedEditor: people[4].client,
    plainMember: people[5].client,
    otherOrgMember: other.client,
    anonymous,
  };
});

/** What each viewer gets for the target's sensitive fields, and for each mutation on the target. */
const EXPECTED: Record<ViewerKind, { read: 'ok' | string; sensitive: boolean; edit: 'ok' | string; createDepartment: 'ok' | string; assignRole: 'ok' | string }> = {
  self: { read: 'ok', sensitive: true, edit: 'FORBIDDEN', createDepartment: 'FORBIDDEN', assignRole: 'FORBIDDEN' },
  owner: { read: 'ok', sensitive: true, edit: 'ok', createDepartment: 'ok', assignRole: 'ok' },
  admin: { read: 'ok', sensitive: true, edit: 'ok', createDepartment: 'ok', assignRole: 'ok' },
  inScopeSubAdmin: { read: 'ok', sensitive: true, edit: 'ok', createDepartment: 'ok', assignRole: 'FORBIDDEN' },
  outOfScopeSubAdmin: { read: 'ok', sensitive: false, edit: 'FORBIDDEN', createDepartment: 'FORBIDDEN', assignRole: 'FORBIDDEN' },
  customFieldViewer: { read: 'ok', sensitive: true, edit: 'FORBIDDEN', createDepartment: 'FORBIDDEN', assignRole: 'FORBIDDEN' },
  customScopedEditor: { read: 'ok', sensitive: false, edit: 'ok', createDepartment: 'FORBIDDEN', assignRole: 'FORBIDDEN' },
  plainMember: { read: 'ok', sensitive: false, edit: 'FORBIDDEN', createDepartment: 'FORBIDDEN', assignRole: 'FORBIDDEN' },
  otherOrgMember: { read: 'NOT_FOUND', sensitive: false, edit: 'NOT_FOUND', createDepartment: 'NOT_FOUND', assignRole: 'NOT_FOUND' },
  anonymous: { read: 'UNAUTHENTICATED', sensitive: false, edit: 'UNAUTHENTICATED', createDepartment: 'UNAUTHENTICATED', assignRole: 'UNAUTHENTICATED' },
};

const KINDS = Object.keys(EXPECTED) as ViewerKind[];

describe.each(KINDS)('viewer: %s', (kind) => {
  const expected = EXPECTED[kind];

  it(`member(id) ${expected.read === 'ok' ? (expected.sensitive ? 'shows' : 'hides') + ' phone, email, employeeNo and account' : 'answers ' + expected.read}`, async () => {
    const result = await viewers[kind].request(MatrixMemberSensitiveDocument, { id: target.memberId });
    if (expected.read !== 'ok') {
      expect(errorCode(result)).toBe(expected.read);
      expect(result.data?.member ?? null).toBeNull();
      return;
    }
    expect(result.errors).toBeUndefined();
    const member = result.data!.member;
    expect(member!.name).toBe('Target');
    if (expected.sensitive) {
      expect(member).toMatchObject({ phone: target.phone, email: 'target@example.org', employeeNo: 'T-1' });
      expect(member!.account?.loginName).toMatch(/^p/);
    } else {
      expect(member).toMatchObject({ phone: null, email: null, employeeNo: null, account: null });
    }
  });

  it('the same rule holds inside lists, with no per-row errors', async () => {
    const result = await viewers[kind].request(MatrixMemberListDocument, { departmentId: departmentA1 });
    if (expected.read !== 'ok') {
      expect(errorCode(result)).toBe(expected.read);
      return;
    }
    expect(result.errors).toBeUndefined();
    const row = result.data!.members.edges.find((edge) => edge.node.id === target.memberId)!.node;
    expect(row.phone).toBe(expected.sensitive ? target.phone : null);
    expect(row.employeeNo).toBe(expected.sensitive ? 'T-1' : null);
  });

  it(`updateMember and setMemberStatus on the target: ${expected.edit}`, async () => {
    const update = await viewers[kind].request(UpdateMemberDocument, { input: { id: target.memberId, title: `by ${kind}` } });
    const disable = await viewers[kind].request(SetMemberStatusDocument, { input: { id: target.memberId, status: 'DISABLED' } });
    if (expected.edit === 'ok') {
      expect(update.errors).toBeUndefined();
      expect(update.data!.updateMember.title).toBe(`by ${kind}`);
      expect(disable.data!.setMemberStatus.status).toBe('DISABLED');
      await owner.ok(SetMemberStatusDocument, { input: { id: target.memberId, status: 'ACTIVE' } });
    } else {
      expect(errorCode(update)).toBe(expected.edit);
      expect(errorCode(disable)).toBe(expected.edit);
      if (expected.edit === 'FORBIDDEN') expect(update.errors![0]!.message).toMatch(/No permission/);
    }
  });

  it(`addMember, createEnterpriseAccount and removeMember in A1: ${expected.edit === 'ok' && kind !== 'customScopedEditor' ? 'ok' : 'refused'}`, async () => {
    // The scoped editor's role grants EDIT and DELETE but not CREATE, so adding is refused for it.
    const mayCreate = expected.edit === 'ok' && kind !== 'customScopedEditor';
    const added = await viewers[kind].request(AddMemberDocument, { input: { name: `Added by ${kind}`, phone: uniquePhone(), departmentIds: [departmentA1] } });
    if (!mayCreate) {
      expect(errorCode(added)).toBe(expected.edit === 'ok' ? 'FORBIDDEN' : expected.edit);
    } else {
      expect(added.errors).toBeUndefined();
    }
    const throwaway = mayCreate
      ? added.data!.addMember.id
      : (await owner.ok(AddMemberDocument, { input: { name: 'Throwaway', phone: uniquePhone(), departmentIds: [departmentA1] } })).addMember.id;

    const account = await viewers[kind].request(CreateEnterpriseAccountDocument, { memberId: throwaway, loginName: `x${Math.random().toString(36).slice(2, 10)}` });
    if (expected.edit === 'ok') expect(account.errors).toBeUndefined();
    else expect(errorCode(account)).toBe(expected.edit);

    const removed = await viewers[kind].request(RemoveMemberDocument, { input: { id: throwaway, mode: 'DELETE' } });
    if (expected.edit === 'ok') expect(removed.data?.removeMember.removedMemberId).toBe(throwaway);
    else expect(errorCode(removed)).toBe(expected.edit);
  });

  it(`createDepartment under A1: ${expected.createDepartment}`, async () => {
    const result = await viewers[kind].request(CreateDepartmentDocument, { input: { name: `Team of ${kind}`, parentId: departmentA1 } });
    if (expected.createDepartment === 'ok') expect(result.errors).toBeUndefined();
    else expect(errorCode(result)).toBe(expected.createDepartment);
  });

  it(`assignRole to the target: ${expected.assignRole}`, async () => {
    const roles = (await owner.ok(RolesDocument)).roles;
    const memberRole = roles.find((role) => role.builtin === 'MEMBER')!.id;
    const result = await viewers[kind].request(AssignRoleDocument, { input: { memberId: target.memberId, roleId: memberRole } });
    if (expected.assignRole === 'ok') expect(result.errors).toBeUndefined();
    else expect(errorCode(result)).toBe(expected.assignRole);
  });
});

describe('per-request batching', () => {
  it('a page of 5 or of 50 members with departments, roles, manager and account costs the same SQL statements', async () => {
    for (let i = 0; i < 50; i++) {
      await owner.ok(AddMemberDocument, { input: { name: `Filler ${String(i).padStart(2, '0')}`, phone: uniquePhone(), departmentIds: [departmentA1] } });
    }
    await owner.request(MatrixPageDocument, { first: 5 }); // warm credentials: the viewer comes from the cache
    await viewers.inScopeSubAdmin.request(MatrixPageDocument, { first: 5 });
    const five = await owner.request(MatrixPageDocument, { first: 5 });
    const fifty = await owner.request(MatrixPageDocument, { first: 50 });
    expect(five.errors).toBeUndefined();
    expect(fifty.data!.members.edges).toHaveLength(50);
    expect(fifty.extensions!.sqlStatements).toBe(five.extensions!.sqlStatements);
    // And for a viewer whose field checks need each member's departments (a scoped sub-admin).
    const scopedFive = await viewers.inScopeSubAdmin.request(MatrixPageDocument, { first: 5 });
    const scopedFifty = await viewers.inScopeSubAdmin.request(MatrixPageDocument, { first: 50 });
    expect(scopedFifty.extensions!.sqlStatements).toBe(scopedFive.extensions!.sqlStatements);
  });
});
