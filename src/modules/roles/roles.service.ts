import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { withEvents, type EventServices } from '../../realtime/events';
import { grantEvent, roleEvent, RoleEventType, roleGroupEvent } from './role-events';
import { assertCanAssignRole, assertCanDefineRoles } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict, notFound, errorMessage } from '../../errors';
import { rawId, toGlobalId } from '../../graphql/relay';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation, requireText } from '../common/validate';
import { Department } from '../departments/department.entity';
import { Member, MemberStatus } from '../members/member.entity';
import { MemberRole } from './member-role.entity';
import { RoleGroup } from './role-group.entity';
import { BuiltinRole, Permission, PermissionAction, PermissionModule, Role } from './role.entity';
import type {
  AssignRoleInput,
  CreateRoleGroupInput,
  CreateRoleInput,
  PermissionInput,
  RenameRoleGroupInput,
  RevokeRoleInput,
  UpdateRoleInput,
} from './roles.inputs';

const BUILTIN_NAMES: Record<BuiltinRole, string> = {
  [BuiltinRole.OWNER]: 'Owner',
  [BuiltinRole.ADMIN]: 'Admin',
  [BuiltinRole.SUB_ADMIN]: 'Sub-admin',
  [BuiltinRole.MEMBER]: 'Member',
};
const BUILTIN_ORDER = Object.values(BuiltinRole);
const MODULE_ORDER = Object.values(PermissionModule);
const ACTION_ORDER = Object.values(PermissionAction);
const NAME_MAX = 100;
const SCOPE_MAX = 100;

/** Creates the four built-in roles of a new org. */
export function createBuiltinRoles(em: EntityManager, orgId: string): Record<BuiltinRole, Role> {
  const roles = {} as Record<BuiltinRole, Role>;
  for (const builtin of Object.values(BuiltinRole)) {
    roles[builtin] = em.create(Role, { orgId, builtin, name: BUILTIN_NAMES[builtin], permissions: [] });
  }
  return roles;
}

/** The org's built-in role of the given kind. */
export async function findBuiltinRole(em: EntityManager, orgId: string, builtin: BuiltinRole): Promise<Role> {
  return em.findOneOrFail(Role, { orgId, builtin });
}

/** The org's roles: built-ins first (OWNER, ADMIN, SUB_ADMIN, MEMBER), then custom roles by name. */
export async function listRoles(em: EntityManager, viewer: Viewer): Promise<Role[]> {
  const roles = await em.find(Role, { orgId: viewer.orgId });
  const rank = (role: Role) => (role.builtin ? BUILTIN_ORDER.indexOf(role.builtin) : BUILTIN_ORDER.length);
  return roles.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
}

export async function listRoleGroups(em: EntityManager, viewer: Viewer): Promise<RoleGroup[]> {
  return em.find(RoleGroup, { orgId: viewer.orgId }, { orderBy: { name: 'asc', id: 'asc' } });
}

/**
 * Canonical permissions: entries for the same module are merged (union of actions), modules left without
 * actions are dropped, modules and actions come in enum order. Stored and returned in this form.
 */
export function normalizePermissions(input: PermissionInput[]): Permission[] {
  const byModule = new Map<PermissionModule, Set<PermissionAction>>();
  for (const { module, actions } of input) {
    const merged = byModule.get(module) ?? new Set<PermissionAction>();
    actions.forEach((action) => merged.add(action));
    byModule.set(module, merged);
  }
  return MODULE_ORDER.filter((module) => byModule.get(module)?.size).map((module) => ({
    module,
    actions: ACTION_ORDER.filter((action) => byModule.get(module)!.has(action)),
  }));
}

async function findGroup(em: EntityManager, orgId: string, groupId: string): Promise<RoleGroup> {
  const group = await em.findOne(RoleGroup, { orgId, id: rawId(groupId, 'RoleGroup') });
  if (!group) throw notFound('RoleGroup');
  return group;
}

async function findRole(em: EntityManager, orgId: string, roleId: string, lock = false): Promise<Role> {
  const role = await em.findOne(Role, { orgId, id: rawId(roleId, 'Role') }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!role) throw notFound('Role');
  return role;
}

/** A custom role; built-in roles cannot be changed or deleted. */
async function findCustomRole(em: EntityManager, orgId: string, roleId: string): Promise<Role> {
  const role = await findRole(em, orgId, roleId);
  if (role.builtin) throw badInput(errorMessage('builtinRoleImmutable', { role: role.builtin }), 'id');
  return role;
}

function nameTaken(what: 'role' | 'role group', name: string) {
  return (error: unknown): never => {
    const constraint = what === 'role' ? 'roles_name_unique' : 'role_groups_name_unique';
    if (isUniqueViolation(error, constraint)) throw conflict(errorMessage(what === 'role' ? 'roleNameTaken' : 'roleGroupNameTaken', { name }), { field: 'name' });
    throw error;
  };
}

function roleSummary(role: Role) {
  return { name: role.name, groupId: role.groupId && toGlobalId('RoleGroup', role.groupId), permissions: role.permissions };
}

export async function createRole(em: EntityManager, viewer: Viewer, input: CreateRoleInput, services: EventServices): Promise<Role> {
  const orgId = viewer.orgId;
  const permissions = normalizePermissions(input.permissions);
  assertCanDefineRoles(viewer, PermissionAction.CREATE, permissions);
  const name = requireText(input.name, 'name', NAME_MAX);
  return withEvents(em, services, async (tx, emit) => {
      const group = input.groupId ? await findGroup(tx, orgId, input.groupId) : null;
      const role = tx.create(Role, { orgId, builtin: null, name, groupId: group?.id ?? null, permissions });
      recordAudit(tx, viewer, 'role.create', { type: 'Role', id: role.id }, roleSummary(role));
      await tx.flush();
      await emit(roleEvent(RoleEventType.CREATED, role));
      return role;
    }).catch(nameTaken('role', name));
}

export async function updateRole(em: EntityManager, viewer: Viewer, input: UpdateRoleInput, services: EventServices): Promise<Role> {
  const orgId = viewer.orgId;
  const name = input.name == null ? null : requireText(input.name, 'name', NAME_MAX);
  const permissions = input.permissions == null ? null : normalizePermissions(input.permissions);
  assertCanDefineRoles(viewer, PermissionAction.EDIT, permissions ?? []);
  return withEvents(em, services, async (tx, emit) => {
      const role = await findCustomRole(tx, orgId, input.id);
      // Changing a role's rights requires holding the rights it had, too.
      assertCanDefineRoles(viewer, PermissionAction.EDIT, role.permissions);
      const before = roleSummary(role);
      if (name !== null) role.name = name;
      if (permissions !== null) role.permissions = permissions;
      if (input.groupId !== undefined) role.groupId = input.groupId === null ? null : (await findGroup(tx, orgId, input.groupId)).id;
      const after = roleSummary(role);
      recordAudit(tx, viewer, 'role.update', { type: 'Role', id: role.id }, { before, after });
      await tx.flush();
      const changed = (['name', 'groupId', 'permissions'] as const).filter((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
      if (changed.length) await emit(roleEvent(RoleEventType.UPDATED, role, changed));
      return role;
    }).catch(nameTaken('role', name ?? ''));
}

/** Deletes a custom role; members holding it lose it. Returns the role's global id. */
export async function deleteRole(em: EntityManager, viewer: Viewer, id: string, services: EventServices): Promise<string> {
  const orgId = viewer.orgId;
  assertCanDefineRoles(viewer, PermissionAction.DELETE);
  return withEvents(em, services, async (tx, emit) => {
    const role = await findCustomRole(tx, orgId, id);
    assertCanDefineRoles(viewer, PermissionAction.DELETE, role.permissions);
    const holders = await tx.count(MemberRole, { orgId, roleId: role.id });
    recordAudit(tx, viewer, 'role.delete', { type: 'Role', id: role.id }, { ...roleSummary(role), holders });
    tx.remove(role); // member_roles rows go with it (on delete cascade)
    await tx.flush();
    await emit(roleEvent(RoleEventType.DELETED, role));
    return role.globalId;
  });
}

export async function createRoleGroup(em: EntityManager, viewer: Viewer, input: CreateRoleGroupInput, services: EventServices): Promise<RoleGroup> {
  const orgId = viewer.orgId;
  assertCanDefineRoles(viewer, PermissionAction.CREATE);
  const name = requireText(input.name, 'name', NAME_MAX);
  return withEvents(em, services, async (tx, emit) => {
      const group = tx.create(RoleGroup, { orgId, name });
      recordAudit(tx, viewer, 'roleGroup.create', { type: 'RoleGroup', id: group.id }, { name });
      await tx.flush();
      await emit(roleGroupEvent(RoleEventType.GROUP_CREATED, group));
      return group;
    }).catch(nameTaken('role group', name));
}

export async function renameRoleGroup(em: EntityManager, viewer: Viewer, input: RenameRoleGroupInput, services: EventServices): Promise<RoleGroup> {
  const orgId = viewer.orgId;
  assertCanDefineRoles(viewer, PermissionAction.EDIT);
  const name = requireText(input.name, 'name', NAME_MAX);
  return withEvents(em, services, async (tx, emit) => {
      const group = await findGroup(tx, orgId, input.id);
      const before = group.name;
      group.name = name;
      recordAudit(tx, viewer, 'roleGroup.rename', { type: 'RoleGroup', id: group.id }, { before: { name: before }, after: { name } });
      await tx.flush();
      if (before !== name) await emit(roleGroupEvent(RoleEventType.GROUP_RENAMED, group, ['name']));
      return group;
    }).catch(nameTaken('role group', name));
}

/** Deletes a role group; its roles stay, ungrouped (each with a ROLE UPDATED of `groupId`). Returns the group's global id. */
export async function deleteRoleGroup(em: EntityManager, viewer: Viewer, id: string, services: EventServices): Promise<string> {
  const orgId = viewer.orgId;
  assertCanDefineRoles(viewer, PermissionAction.DELETE);
  return withEvents(em, services, async (tx, emit) => {
    const group = await findGroup(tx, orgId, id);
    const roles = await tx.find(Role, { orgId, groupId: group.id }, { orderBy: { id: 'asc' } });
    const ungrouped = await tx.nativeUpdate(Role, { orgId, groupId: group.id }, { groupId: null });
    recordAudit(tx, viewer, 'roleGroup.delete', { type: 'RoleGroup', id: group.id }, { name: group.name, ungroupedRoles: ungrouped });
    tx.remove(group);
    await tx.flush();
    for (const role of roles) await emit(roleEvent(RoleEventType.UPDATED, role, ['groupId']));
    await emit(roleGroupEvent(RoleEventType.GROUP_DELETED, group));
    return group.globalId;
  });
}

async function findMember(em: EntityManager, orgId: string, memberId: string): Promise<Member> {
  const member = await em.findOne(Member, { orgId, id: rawId(memberId, 'Member') });
  if (!member) throw notFound('Member');
  return member;
}

/** The departments a member is placed in, with their paths (grant events are addressed to them). */
async function memberDepartmentsOf(tx: EntityManager, orgId: string, memberId: string): Promise<Array<{ id: string; path: string }>> {
  return tx.execute(
    'select d.id, d.path from member_departments md join departments d on d.id = md.department_id where md.org_id = ? and md.member_id = ?',
    [orgId, memberId],
  );
}

/** Checks the scope against the kind of role and the org's departments; returns the raw department ids. */
async function resolveScope(em: EntityManager, orgId: string, role: Role, scopeIds: string[] | null | undefined): Promise<string[]> {
  const ids = [...new Set((scopeIds ?? []).map((id) => rawId(id, 'Department')))];
  if (role.builtin === BuiltinRole.SUB_ADMIN && ids.length === 0) {
    throw badInput(errorMessage('subAdminNeedsScope'), 'scopeDepartmentIds');
  }
  if (role.builtin && role.builtin !== BuiltinRole.SUB_ADMIN && ids.length > 0) {
    throw badInput(errorMessage('roleOrgWide', { role: String(role.builtin) }), 'scopeDepartmentIds');
  }
  if (ids.length > SCOPE_MAX) throw badInput(errorMessage('scopeMax', { max: String(SCOPE_MAX) }), 'scopeDepartmentIds');
  if (ids.length && (await em.count(Department, { orgId, id: { $in: ids } })) !== ids.length) throw notFound('Department');
  return ids;
}

/** Gives a member a role, or replaces the scope of a role the member already holds. */
export async function assignRole(em: EntityManager, viewer: Viewer, input: AssignRoleInput, services: EventServices): Promise<Member> {
  const orgId = viewer.orgId;
  return withEvents(em, services, async (tx, emit) => {
      const member = await findMember(tx, orgId, input.memberId);
      const role = await findRole(tx, orgId, input.roleId);
      assertCanAssignRole(viewer, role);
      const scope = await resolveScope(tx, orgId, role, input.scopeDepartmentIds);
      const held = await tx.findOne(MemberRole, { orgId, memberId: member.id, roleId: role.id });
      const previousScope = held?.scopeDepartmentIds ?? null;
      if (held) held.scopeDepartmentIds = scope;
      else tx.create(MemberRole, { orgId, memberId: member.id, roleId: role.id, scopeDepartmentIds: scope });
      recordAudit(tx, viewer, 'role.assign', { type: 'Member', id: member.id }, {
        role: { id: role.globalId, name: role.name },
        scopeDepartmentIds: scope.map((id) => toGlobalId('Department', id)),
        ...(previousScope && { previousScopeDepartmentIds: previousScope.map((id) => toGlobalId('Department', id)) }),
      });
      await tx.flush();
      const sameScope = previousScope !== null && [...previousScope].sort().join() === [...scope].sort().join();
      if (!sameScope) {
        const grant = { orgId, memberId: member.id, roleId: role.id, scopeDepartmentIds: scope };
        const departments = await memberDepartmentsOf(tx, orgId, member.id);
        await emit(
          previousScope === null
            ? grantEvent(RoleEventType.ASSIGNED, grant, departments)
            : grantEvent(RoleEventType.SCOPE_CHANGED, { ...grant, previousScopeDepartmentIds: previousScope }, departments),
        );
      }
      return member;
    }).catch((error) => {
      if (isUniqueViolation(error, 'member_roles_unique')) throw conflict(errorMessage('roleAssignedConcurrently'));
      throw error;
    });
}

/**
 * Takes a role from a member. Refuses to take OWNER from the org's last active owner. Revoking a role the
 * member does not hold changes nothing and writes no audit entry.
 */
export async function revokeRole(em: EntityManager, viewer: Viewer, input: RevokeRoleInput, services: EventServices): Promise<Member> {
  const orgId = viewer.orgId;
  return withEvents(em, services, async (tx, emit) => {
    const member = await findMember(tx, orgId, input.memberId);
    // The OWNER role row is locked so that two owners revoking each other cannot leave the org ownerless.
    const role = await findRole(tx, orgId, input.roleId, true);
    assertCanAssignRole(viewer, role);
    const held = await tx.findOne(MemberRole, { orgId, memberId: member.id, roleId: role.id });
    if (!held) return member;
    if (role.builtin === BuiltinRole.OWNER) {
      const [{ otherOwners }] = await tx.execute<Array<{ otherOwners: number }>>(
        `select count(*)::int as "otherOwners" from member_roles mr join members m on m.id = mr.member_id
          where mr.org_id = ? and mr.role_id = ? and mr.member_id <> ? and m.status = ?`,
        [orgId, role.id, member.id, MemberStatus.ACTIVE],
      );
      if (otherOwners === 0) throw conflict(errorMessage('lastOwnerRevoke'));
    }
    tx.remove(held);
    recordAudit(tx, viewer, 'role.revoke', { type: 'Member', id: member.id }, {
      role: { id: role.globalId, name: role.name },
      scopeDepartmentIds: held.scopeDepartmentIds.map((id) => toGlobalId('Department', id)),
    });
    await tx.flush();
    const grant = { orgId, memberId: member.id, roleId: role.id, scopeDepartmentIds: held.scopeDepartmentIds };
    await emit(grantEvent(RoleEventType.REVOKED, grant, await memberDepartmentsOf(tx, orgId, member.id)));
    return member;
  });
}
