import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssignRoleDocument,
  AuditLogDocument,
  CreateRoleDocument,
  CreateRoleGroupDocument,
  DeleteRoleDocument,
  DeleteRoleGroupDocument,
  RenameRoleGroupDocument,
  RevokeRoleDocument,
  RoleGroupsDocument,
  RoleNodeDocument,
  RolesDocument,
  UpdateRoleDocument,
  ViewerRolesDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addDepartmentWithSql, addMemberWithSql, globalIdOf, openTestDatabase } from './support/sql-fixtures';

let client: GraphQLClient;
let db: pg.Pool;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
  db = openTestDatabase();
});

async function builtinRoles(owner: GraphQLClient) {
  const { roles } = await owner.ok(RolesDocument);
  const find = (builtin: string) => roles.find((role) => role.builtin === builtin)!.id;
  return { OWNER: find('OWNER'), ADMIN: find('ADMIN'), SUB_ADMIN: find('SUB_ADMIN'), MEMBER: find('MEMBER') };
}

async function auditActions(owner: GraphQLClient): Promise<string[]> {
  const { auditLog } = await owner.ok(AuditLogDocument, { first: 100 });
  return auditLog.edges.map((edge) => edge.node.action);
}

describe('roles', () => {
  it('lists the built-in roles first, then custom roles by name, to any member', async () => {
    const org = await createOrgWithOwner(client);
    const member = await addMemberWithSql(db, client, org);
    await org.client.ok(CreateRoleDocument, { input: { name: 'Safety officer', permissions: [] } });
    await org.client.ok(CreateRoleDocument, { input: { name: 'Information officer', permissions: [] } });

    const { roles } = await member.client.ok(RolesDocument);
    expect(roles.map((role) => [role.builtin, role.name, role.memberCount])).toEqual([
      ['OWNER', 'Owner', 1],
      ['ADMIN', 'Admin', 0],
      ['SUB_ADMIN', 'Sub-admin', 0],
      ['MEMBER', 'Member', 1],
      [null, 'Information officer', 0],
      [null, 'Safety officer', 0],
    ]);
    const { node } = await member.client.ok(RoleNodeDocument, { id: roles[0]!.id });
    expect(node).toEqual({ __typename: 'Role', id: roles[0]!.id, name: 'Owner', builtin: 'OWNER' });
  });

  it('creates custom roles with per-module permissions, merging duplicate modules', async () => {
    const { client: owner } = await createOrgWithOwner(client);
    const { createRole } = await owner.ok(CreateRoleDocument, {
      input: {
        name: '  Sales manager ',
        permissions: [
          { module: 'CONTACTS', actions: ['VIEW', 'EDIT'] },
          { module: 'MEMBERS', actions: ['VIEW'] },
          { module: 'CONTACTS', actions: ['CREATE', 'VIEW'] },
          { module: 'AUDIT_LOG', actions: [] },
        ],
      },
    });
    const expected = [
      { module: 'MEMBERS', actions: ['VIEW'] },
      { module: 'CONTACTS', actions: ['VIEW', 'CREATE', 'EDIT'] },
    ];
    expect(createRole).toMatchObject({ name: 'Sales manager', builtin: null, group: null, memberCount: 0, permissions: expected });
    const { roles } = await owner.ok(RolesDocument);
    expect(roles.find((role) => role.id === createRole.id)?.permissions).toEqual(expected);
    expect(await auditActions(owner)).toContain('ROLE_CREATE');
  });

  it('refuses duplicate, empty and overlong names', async () => {
    const { client: owner } = await createOrgWithOwner(client);
    await owner.ok(CreateRoleDocument, { input: { name: 'Marketing', permissions: [] } });
    const duplicate = await owner.request(CreateRoleDocument, { input: { name: 'Marketing', permissions: [] } });
    expect(errorCode(duplicate)).toBe('CONFLICT');
    expect(errorCode(await owner.request(CreateRoleDocument, { input: { name: 'Admin', permissions: [] } }))).toBe('CONFLICT');
    expect(errorCode(await owner.request(CreateRoleDocument, { input: { name: '  ', permissions: [] } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.request(CreateRoleDocument, { input: { name: 'x'.repeat(101), permissions: [] } }))).toBe('BAD_USER_INPUT');
    await owner.ok(CreateRoleDocument, { input: { name: 'x'.repeat(100), permissions: [] } });
    // A refused mutation leaves no audit entry.
    expect((await auditActions(owner)).filter((action) => action === 'ROLE_CREATE')).toHaveLength(2);
  });

  it('updates and deletes custom roles only', async () => {
    const org = await createOrgWithOwner(client);
    const owner = org.client;
    const builtin = await builtinRoles(owner);
    const { createRoleGroup: group } = await owner.ok(CreateRoleGroupDocument, { input: { name: 'Officers' } });
    const { createRole: role } = await owner.ok(CreateRoleDocument, {
      input: { name: 'Safety', groupId: group.id, permissions: [{ module: 'MEMBERS', actions: ['VIEW'] }] },
    });
    expect(role.group).toEqual({ id: group.id, name: 'Officers' });

    const { updateRole: renamed } = await owner.ok(UpdateRoleDocument, { input: { id: role.id, name: 'Safety officer' } });
    expect(renamed).toMatchObject({ name: 'Safety officer', group: { id: group.id }, permissions: [{ module: 'MEMBERS', actions: ['VIEW'] }] });
    const { updateRole: changed } = await owner.ok(UpdateRoleDocument, {
      input: { id: role.id, groupId: null, permissions: [{ module: 'DEPARTMENTS', actions: ['VIEW', 'EDIT'] }] },
    });
    expect(changed).toMatchObject({ name: 'Safety officer', group: null, permissions: [{ module: 'DEPARTMENTS', actions: ['VIEW', 'EDIT'] }] });

    for (const id of Object.values(builtin)) {
      expect(errorCode(await owner.request(UpdateRoleDocument, { input: { id, name: 'Renamed' } }))).toBe('BAD_USER_INPUT');
      expect(errorCode(await owner.request(DeleteRoleDocument, { id }))).toBe('BAD_USER_INPUT');
    }

    const member = await addMemberWithSql(db, client, org);
    await owner.ok(AssignRoleDocument, { input: { memberId: member.memberId, roleId: role.id } });
    const { deleteRole } = await owner.ok(DeleteRoleDocument, { id: role.id });
    expect(deleteRole).toBe(role.id);
    const { viewer } = await member.client.ok(ViewerRolesDocument);
    expect(viewer.member?.roles.map((held) => held.role.name)).toEqual(['Member']);
    expect(errorCode(await owner.request(RoleNodeDocument, { id: role.id }))).toBe('NOT_FOUND');
    expect(errorCode(await owner.request(DeleteRoleDocument, { id: role.id }))).toBe('NOT_FOUND');
    expect(await auditActions(owner)).toEqual(expect.arrayContaining(['ROLE_UPDATE', 'ROLE_DELETE', 'ROLE_ASSIGN', 'ROLE_GROUP_CREATE']));
  });

  it('manages role groups; deleting a group keeps its roles, ungrouped', async () => {
    const { client: owner } = await createOrgWithOwner(client);
    const { createRoleGroup: officers } = await owner.ok(CreateRoleGroupDocument, { input: { name: 'Officers' } });
    const { createRoleGroup: sales } = await owner.ok(CreateRoleGroupDocument, { input: { name: 'Sales' } });
    expect(officers.roles).toEqual([]);
    expect(errorCode(await owner.request(CreateRoleGroupDocument, { input: { name: 'Sales' } }))).toBe('CONFLICT');
    expect(errorCode(await owner.request(CreateRoleGroupDocument, { input: { name: '' } }))).toBe('BAD_USER_INPUT');
    await owner.ok(CreateRoleDocument, { input: { name: 'Safety officer', groupId: officers.id, permissions: [] } });
    await owner.ok(CreateRoleDocument, { input: { name: 'Information officer', groupId: officers.id, permissions: [] } });
    await owner.ok(CreateRoleDocument, { input: { name: 'Sales rep', groupId: sales.id, permissions: [] } });

    const { renameRoleGroup } = await owner.ok(RenameRoleGroupDocument, { input: { id: sales.id, name: 'Sales team' } });
    expect(renameRoleGroup).toEqual({ id: sales.id, name: 'Sales team' });
    expect(errorCode(await owner.request(RenameRoleGroupDocument, { input: { id: sales.id, name: 'Officers' } }))).toBe('CONFLICT');

    const { roleGroups } = await owner.ok(RoleGroupsDocument);
    expect(roleGroups.map((group) => [group.name, group.roles.map((role) => role.name)])).toEqual([
      ['Officers', ['Information officer', 'Safety officer']],
      ['Sales team', ['Sales rep']],
    ]);
    const { node } = await owner.ok(RoleNodeDocument, { id: officers.id });
    expect(node).toEqual({ __typename: 'RoleGroup', id: officers.id, name: 'Officers' });

    expect((await owner.ok(DeleteRoleGroupDocument, { id: officers.id })).deleteRoleGroup).toBe(officers.id);
    const { roles } = await owner.ok(RolesDocument);
    expect(roles.filter((role) => role.name.endsWith('officer')).map((role) => role.group)).toEqual([null, null]);
    expect((await owner.ok(RoleGroupsDocument)).roleGroups.map((group) => group.name)).toEqual(['Sales team']);
    expect(errorCode(await owner.request(DeleteRoleGroupDocument, { id: officers.id }))).toBe('NOT_FOUND');
    expect(await auditActions(owner)).toEqual(
      expect.arrayContaining(['ROLE_GROUP_CREATE', 'ROLE_GROUP_RENAME', 'ROLE_GROUP_DELETE']),
    );
  });

  it('lists roles and role groups with a fixed number of statements whatever their number', async () => {
    const { client: owner } = await createOrgWithOwner(client);
    const countOf = async () => {
      const roles = await owner.request(RolesDocument);
      const groups = await owner.request(RoleGroupsDocument);
      return [roles.extensions?.sqlStatements, groups.extensions?.sqlStatements];
    };
    const { createRoleGroup: group } = await owner.ok(CreateRoleGroupDocument, { input: { name: 'G0' } });
    await owner.ok(CreateRoleDocument, { input: { name: 'R0', groupId: group.id, permissions: [] } });
    await countOf(); // warm: after the mutations above the next queries load the viewer afresh
    const few = await countOf();
    for (let i = 1; i <= 8; i++) {
      const { createRoleGroup } = await owner.ok(CreateRoleGroupDocument, { input: { name: `G${i}` } });
      await owner.ok(CreateRoleDocument, { input: { name: `R${i}`, groupId: createRoleGroup.id, permissions: [] } });
    }
    expect((await owner.ok(RolesDocument)).roles).toHaveLength(13);
    await countOf();
    expect(await countOf()).toEqual(few);
    expect(few.every((count) => typeof count === 'number')).toBe(true);
  });
});

describe('assigning roles', () => {
  it('gives and replaces scopes by the kind of role', async () => {
    const org = await createOrgWithOwner(client);
    const owner = org.client;
    const roles = await builtinRoles(owner);
    const member = await addMemberWithSql(db, client, org, 'Wang');
    const hospitals = await addDepartmentWithSql(db, org, 'Hospitals');
    const clinics = await addDepartmentWithSql(db, org, 'Clinics');

    const noScope = await owner.request(AssignRoleDocument, { input: { memberId: member.memberId, roleId: roles.SUB_ADMIN } });
    expect(errorCode(noScope)).toBe('BAD_USER_INPUT');
    const emptyScope = await owner.request(AssignRoleDocument, { input: { memberId: member.memberId, roleId: roles.SUB_ADMIN, scopeDepartmentIds: [] } });
    expect(errorCode(emptyScope)).toBe('BAD_USER_INPUT');
    for (const roleId of [roles.OWNER, roles.ADMIN, roles.MEMBER]) {
      const scoped = await owner.request(AssignRoleDocument, { input: { memberId: member.memberId, roleId, scopeDepartmentIds: [hospitals] } });
      expect(errorCode(scoped)).toBe('BAD_USER_INPUT');
    }

    const { assignRole: subAdmin } = await owner.ok(AssignRoleDocument, {
      input: { memberId: member.memberId, roleId: roles.SUB_ADMIN, scopeDepartmentIds: [hospitals] },
    });
    expect(subAdmin.roles).toEqual([
      { role: { id: roles.MEMBER, name: 'Member', builtin: 'MEMBER' }, scopeDepartments: [] },
      { role: { id: roles.SUB_ADMIN, name: 'Sub-admin', builtin: 'SUB_ADMIN' }, scopeDepartments: [{ id: hospitals, name: 'Hospitals' }] },
    ]);
    const { assignRole: replaced } = await owner.ok(AssignRoleDocument, {
      input: { memberId: member.memberId, roleId: roles.SUB_ADMIN, scopeDepartmentIds: [clinics, clinics] },
    });
    expect(replaced.roles[1]).toEqual({ role: expect.objectContaining({ builtin: 'SUB_ADMIN' }), scopeDepartments: [{ id: clinics, name: 'Clinics' }] });

    const { createRole: custom } = await owner.ok(CreateRoleDocument, { input: { name: 'Officer', permissions: [{ module: 'MEMBERS', actions: ['VIEW'] }] } });
    const { assignRole: orgWide } = await owner.ok(AssignRoleDocument, { input: { memberId: member.memberId, roleId: custom.id } });
    expect(orgWide.roles[2]).toEqual({ role: expect.objectContaining({ name: 'Officer' }), scopeDepartments: [] });
    const { assignRole: scoped } = await owner.ok(AssignRoleDocument, {
      input: { memberId: member.memberId, roleId: custom.id, scopeDepartmentIds: [hospitals, clinics] },
    });
    expect(scoped.roles[2]!.scopeDepartments.map((d) => d.name).sort()).toEqual(['Clinics', 'Hospitals']);
    expect(scoped.roles).toHaveLength(3);

    const { roles: listed } = await owner.ok(RolesDocument);
    expect(listed.find((role) => role.id === roles.SUB_ADMIN)?.memberCount).toBe(1);
    expect(listed.find((role) => role.id === custom.id)?.memberCount).toBe(1);

    const { revokeRole } = await owner.ok(RevokeRoleDocument, { input: { memberId: member.memberId, roleId: roles.SUB_ADMIN } });
    expect(revokeRole.roles.map((held) => held.role.name)).toEqual(['Member', 'Officer']);
    const { auditLog } = await owner.ok(AuditLogDocument, { first: 10, filter: { targetId: member.memberId } });
    expect(auditLog.edges.map((edge) => edge.node.action)).toEqual(['ROLE_REVOKE', 'ROLE_ASSIGN', 'ROLE_ASSIGN', 'ROLE_ASSIGN', 'ROLE_ASSIGN']);
    expect(auditLog.edges[0]!.node.summary).toEqual({ role: { id: roles.SUB_ADMIN, name: 'Sub-admin' }, scopeDepartmentIds: [clinics] });
  });

  it('keeps tenants sealed: foreign members, roles and departments are NOT_FOUND', async () => {
    const a = await createOrgWithOwner(client);
    const b = await createOrgWithOwner(client);
    const rolesA = await builtinRoles(a.client);
    const rolesB = await builtinRoles(b.client);
    const memberA = await addMemberWithSql(db, client, a);
    const departmentB = await addDepartmentWithSql(db, b, 'Foreign');
    const { createRole: customB } = await b.client.ok(CreateRoleDocument, { input: { name: 'B role', permissions: [] } });
    const { createRoleGroup: groupB } = await b.client.ok(CreateRoleGroupDocument, { input: { name: 'B group' } });

    const cases = [
      a.client.request(AssignRoleDocument, { input: { memberId: b.member.id, roleId: rolesA.ADMIN } }),
      a.client.request(AssignRoleDocument, { input: { memberId: memberA.memberId, roleId: rolesB.ADMIN } }),
      a.client.request(AssignRoleDocument, { input: { memberId: memberA.memberId, roleId: rolesA.SUB_ADMIN, scopeDepartmentIds: [departmentB] } }),
      a.client.request(AssignRoleDocument, { input: { memberId: memberA.memberId, roleId: rolesA.SUB_ADMIN, scopeDepartmentIds: [globalIdOf('Department', '00000000-0000-4000-8000-000000000000')] } }),
      a.client.request(AssignRoleDocument, { input: { memberId: 'garbage', roleId: rolesA.ADMIN } }),
      a.client.request(RevokeRoleDocument, { input: { memberId: b.member.id, roleId: rolesB.OWNER } }),
      a.client.request(UpdateRoleDocument, { input: { id: customB.id, name: 'Stolen' } }),
      a.client.request(DeleteRoleDocument, { id: customB.id }),
      a.client.request(CreateRoleDocument, { input: { name: 'X', groupId: groupB.id, permissions: [] } }),
      a.client.request(RenameRoleGroupDocument, { input: { id: groupB.id, name: 'Stolen' } }),
      a.client.request(DeleteRoleGroupDocument, { id: groupB.id }),
      a.client.request(RoleNodeDocument, { id: customB.id }),
      a.client.request(RoleNodeDocument, { id: groupB.id }),
    ];
    expect((await Promise.all(cases)).map(errorCode)).toEqual(cases.map(() => 'NOT_FOUND'));
    const { roles } = await b.client.ok(RolesDocument);
    expect(roles.find((role) => role.id === customB.id)?.name).toBe('B role');
  });

  it('keeps the last owner', async () => {
    const org = await createOrgWithOwner(client);
    const owner = org.client;
    const roles = await builtinRoles(owner);
    const last = await owner.request(RevokeRoleDocument, { input: { memberId: org.member.id, roleId: roles.OWNER } });
    expect(errorCode(last)).toBe('CONFLICT');
    expect(last.errors?.[0]?.message).toMatch(/last owner/);

    const second = await addMemberWithSql(db, client, org, 'Second owner');
    await owner.ok(AssignRoleDocument, { input: { memberId: second.memberId, roleId: roles.OWNER } });
    const { revokeRole } = await second.client.ok(RevokeRoleDocument, { input: { memberId: org.member.id, roleId: roles.OWNER } });
    expect(revokeRole.roles).toEqual([]);
    const again = await second.client.request(RevokeRoleDocument, { input: { memberId: second.memberId, roleId: roles.OWNER } });
    expect(errorCode(again)).toBe('CONFLICT');
  });

  it('lets OWNER grant anything, ADMIN anything but OWNER, and plain members nothing', async () => {
    const org = await createOrgWithOwner(client);
    const roles = await builtinRoles(org.client);
    const admin = await addMemberWithSql(db, client, org, 'Admin');
    const plain = await addMemberWithSql(db, client, org, 'Plain');
    await org.client.ok(AssignRoleDocument, { input: { memberId: admin.memberId, roleId: roles.ADMIN } });

    const ownerByAdmin = await admin.client.request(AssignRoleDocument, { input: { memberId: plain.memberId, roleId: roles.OWNER } });
    expect(errorCode(ownerByAdmin)).toBe('FORBIDDEN');
    expect(ownerByAdmin.errors?.[0]?.message).toMatch(/only an owner/);
    expect(errorCode(await admin.client.request(RevokeRoleDocument, { input: { memberId: org.member.id, roleId: roles.OWNER } }))).toBe('FORBIDDEN');
    await admin.client.ok(AssignRoleDocument, { input: { memberId: plain.memberId, roleId: roles.ADMIN } });
    await admin.client.ok(RevokeRoleDocument, { input: { memberId: plain.memberId, roleId: roles.ADMIN } });
    await admin.client.ok(CreateRoleDocument, { input: { name: 'By admin', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } });

    const refused = await Promise.all([
      plain.client.request(AssignRoleDocument, { input: { memberId: plain.memberId, roleId: roles.ADMIN } }),
      plain.client.request(AssignRoleDocument, { input: { memberId: plain.memberId, roleId: roles.MEMBER } }),
      plain.client.request(RevokeRoleDocument, { input: { memberId: admin.memberId, roleId: roles.ADMIN } }),
      plain.client.request(CreateRoleDocument, { input: { name: 'Mine', permissions: [] } }),
      plain.client.request(UpdateRoleDocument, { input: { id: roles.MEMBER, name: 'Mine' } }),
      plain.client.request(DeleteRoleDocument, { id: roles.MEMBER }),
      plain.client.request(CreateRoleGroupDocument, { input: { name: 'Mine' } }),
    ]);
    expect(refused.map(errorCode)).toEqual(refused.map(() => 'FORBIDDEN'));
    expect(refused[0]!.errors?.[0]?.message).toMatch(/ROLES EDIT/);
  });

  it('lets a custom role with ROLES rights manage roles, never beyond its own rights', async () => {
    const org = await createOrgWithOwner(client);
    const roles = await builtinRoles(org.client);
    const { createRole: roleManager } = await org.client.ok(CreateRoleDocument, {
      input: { name: 'Role manager', permissions: [{ module: 'ROLES', actions: ['VIEW', 'CREATE', 'EDIT'] }, { module: 'MEMBERS', actions: ['VIEW'] }] },
    });
    const { createRole: auditor } = await org.client.ok(CreateRoleDocument, { input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } });
    const manager = await addMemberWithSql(db, client, org, 'Manager');
    const other = await addMemberWithSql(db, client, org, 'Other');
    await org.client.ok(AssignRoleDocument, { input: { memberId: manager.memberId, roleId: roleManager.id } });

    const { createRole: viewer } = await manager.client.ok(CreateRoleDocument, { input: { name: 'Viewer', permissions: [{ module: 'MEMBERS', actions: ['VIEW'] }] } });
    await manager.client.ok(AssignRoleDocument, { input: { memberId: other.memberId, roleId: viewer.id } });
    await manager.client.ok(RevokeRoleDocument, { input: { memberId: other.memberId, roleId: roles.MEMBER } });
    await manager.client.ok(AssignRoleDocument, { input: { memberId: other.memberId, roleId: roles.MEMBER } });

    const refused = await Promise.all([
      manager.client.request(AssignRoleDocument, { input: { memberId: other.memberId, roleId: roles.ADMIN } }),
      manager.client.request(AssignRoleDocument, { input: { memberId: manager.memberId, roleId: auditor.id } }),
      manager.client.request(CreateRoleDocument, { input: { name: 'Escalation', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } }),
      manager.client.request(UpdateRoleDocument, { input: { id: viewer.id, permissions: [{ module: 'MEMBERS', actions: ['VIEW', 'DELETE'] }] } }),
      manager.client.request(DeleteRoleDocument, { id: viewer.id }),
    ]);
    expect(refused.map(errorCode)).toEqual(refused.map(() => 'FORBIDDEN'));
    expect(refused[1]!.errors?.[0]?.message).toMatch(/permissions you do not hold/);
  });
});
