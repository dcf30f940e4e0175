import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { assertCan, assertCanActOnRoleHolder, canGrantRole } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { AppError, badInput, conflict, ErrorCode, forbidden, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { rawId, toGlobalIds, toOptionalGlobalId } from '../../graphql/relay';
import { withEvents, type EmitEvent } from '../../realtime/events';
import { normalizePhone } from '../accounts/phone';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation, optionalEmail, optionalText, requireText } from '../common/validate';
import { invitePendingMember } from '../invitations/invitations.service';
import { Department } from '../departments/department.entity';
import { MemberRole } from '../roles/member-role.entity';
import { BuiltinRole, PermissionAction, PermissionModule, Role } from '../roles/role.entity';
import { findBuiltinRole } from '../roles/roles.service';
import { MemberDepartment } from './member-department.entity';
import { runMemberActivationHooks } from './member-activation';
import { runMemberRemovalHooks } from './member-removal';
import { Member, MemberStatus } from './member.entity';
import {
  RemoveMemberMode,
  type AddMemberInput,
  type RemoveMemberInput,
  type RemoveMemberPayload,
  type SetMemberStatusInput,
  type UpdateMemberInput,
} from './members.inputs';
import { memberEvent, MemberChangeType, type MemberEventExtra } from './member-events';
import { OffboardingRecord } from './offboarding-record.entity';

const NAME_MAX = 100;
const TITLE_MAX = 100;
const EMPLOYEE_NO_MAX = 50;

/** What changing members uses of the gateway: the phone region and public URL, the event bus, the modules' hooks. */
export type MemberServices = Pick<AppServices, 'config' | 'eventBus' | 'contributions'>;

/** `member(id)`: any member of the viewer's org; unknown, malformed and foreign ids answer NOT_FOUND. */
export async function getMember(loaders: Loaders, globalId: string): Promise<Member> {
  const member = await loaders.memberById.load(rawId(globalId, 'Member'));
  if (!member) throw notFound('Member');
  return member;
}

/** Adds a PENDING member (no account yet) with departments (default: the org root) and roles (default: MEMBER). */
export async function addMember(em: EntityManager, viewer: Viewer, input: AddMemberInput, services: MemberServices): Promise<Member> {
  const org = viewer.requireOrg();
  const orgId = org.id;
  const name = requireText(input.name, 'name', NAME_MAX);
  const nameReading = optionalText(input.nameReading, 'nameReading', NAME_MAX);
  const phone = normalizePhone(input.phone, services.config.phoneDefaultRegion);
  const email = optionalEmail(input.email);
  const title = optionalText(input.title, 'title', TITLE_MAX);
  const employeeNo = optionalText(input.employeeNo, 'employeeNo', EMPLOYEE_NO_MAX);
  const departmentIds = input.departmentIds == null ? [org.rootDepartmentId] : parseIdList(input.departmentIds, 'Department', 'departmentIds');
  const managerId = input.managerId == null ? null : rawId(input.managerId, 'Member');
  const roleIds = input.roleIds == null ? null : parseIdList(input.roleIds, 'Role', 'roleIds');

  return withEvents(em, services, async (tx, emit) => {
    const departments = await loadDepartments(tx, orgId, departmentIds);
    assertCan(viewer, PermissionModule.MEMBERS, PermissionAction.CREATE, { departmentPaths: departments.map((d) => d.path), match: 'all' }, 'a chosen department');
    if (managerId) await requireOrgMember(tx, orgId, managerId, 'Manager');
    const roles = roleIds ? await loadGrantableRoles(tx, viewer, roleIds) : [await findBuiltinRole(tx, orgId, BuiltinRole.MEMBER)];

    const limit = await lockOrg(tx, orgId);
    if ((await tx.count(Member, { orgId })) >= limit) {
      throw new AppError(ErrorCode.QuotaExceeded, errorMessage('memberLimit', { limit }));
    }
    const member = tx.create(Member, { orgId, name, nameReading, phone, email, title, employeeNo, managerId, status: MemberStatus.PENDING });
    for (const department of departments) tx.create(MemberDepartment, { memberId: member.id, departmentId: department.id, orgId });
    for (const role of roles) tx.create(MemberRole, { orgId, memberId: member.id, roleId: role.id, scopeDepartmentIds: [] });
    recordAudit(tx, viewer, 'member.add', { type: 'Member', id: member.id }, {
      name,
      departmentIds: toGlobalIds('Department', departments.map((d) => d.id)),
      roleIds: toGlobalIds('Role', roles.map((r) => r.id)),
      managerId: toOptionalGlobalId('Member', managerId),
    });
    await emit(memberEvent(MemberChangeType.ADDED, member, departments));
    // The same invitation as sendInvitation's: the person joins by accepting it with this phone number [004].
    await invitePendingMember(tx, emit, viewer, services, { member, departmentIds: departments.map((d) => d.id), roleIds: roles.map((r) => r.id) });
    await tx.flush();
    return member;
  }).catch(rethrowUniqueViolation);
}

/** Updates a member: omitted fields stay, an explicit null clears an optional field. */
export async function updateMember(em: EntityManager, viewer: Viewer, input: UpdateMemberInput, services: MemberServices): Promise<Member> {
  const orgId = viewer.orgId;
  const id = rawId(input.id, 'Member');
  const scalars: Partial<Pick<Member, 'name' | 'nameReading' | 'phone' | 'email' | 'title' | 'employeeNo'>> = {};
  if (input.name !== undefined) scalars.name = requireText(input.name ?? '', 'name', NAME_MAX);
  if (input.nameReading !== undefined) scalars.nameReading = optionalText(input.nameReading, 'nameReading', NAME_MAX);
  if (input.phone !== undefined) {
    if (input.phone === null) throw badInput(errorMessage('phoneRequired'), 'phone');
    scalars.phone = normalizePhone(input.phone, services.config.phoneDefaultRegion);
  }
  if (input.email !== undefined) scalars.email = optionalEmail(input.email);
  if (input.title !== undefined) scalars.title = optionalText(input.title, 'title', TITLE_MAX);
  if (input.employeeNo !== undefined) scalars.employeeNo = optionalText(input.employeeNo, 'employeeNo', EMPLOYEE_NO_MAX);
  if (input.departmentIds === null) throw badInput(errorMessage('memberNeedsDepartment'), 'departmentIds');
  const departmentIds = input.departmentIds === undefined ? undefined : parseIdList(input.departmentIds, 'Department', 'departmentIds');
  const managerId = input.managerId == null ? input.managerId : rawId(input.managerId, 'Member');

  return withEvents(em, services, async (tx, emit) => {
    const { member, roles } = await loadMemberToManage(tx, viewer, id, PermissionAction.EDIT);
    assertCanActOnRoleHolder(viewer, roles);
    const changed: string[] = [];
    let departmentChange: { added: string[]; removed: Array<{ id: string; path: string }> } | null = null;
    const previousManagerId = member.managerId;

    if (departmentIds) {
      const departments = await loadDepartments(tx, orgId, departmentIds);
      const current = await departmentsOf(tx, orgId, id);
      const currentIds = new Set(current.map((d) => d.id));
      const added = departments.filter((d) => !currentIds.has(d.id));
      const removed = current.filter((d) => !departmentIds.includes(d.id));
      if (added.length || removed.length) {
        // Placing into departments needs each target covered; taking the member out of one counts as acting there too.
        const paths = [...departments, ...removed].map((d) => d.path);
        assertCan(viewer, PermissionModule.MEMBERS, PermissionAction.EDIT, { departmentPaths: paths, match: 'all' }, 'a chosen department');
        if (removed.length) await tx.nativeDelete(MemberDepartment, { orgId, memberId: id, departmentId: { $in: removed.map((d) => d.id) } });
        for (const department of added) tx.create(MemberDepartment, { memberId: id, departmentId: department.id, orgId });
        changed.push('departmentIds');
        departmentChange = { added: added.map((d) => d.id), removed };
      }
    }

    if (managerId !== undefined && managerId !== member.managerId) {
      if (managerId !== null) {
        if (managerId === id) throw badInput(errorMessage('ownManager'), 'managerId');
        await requireOrgMember(tx, orgId, managerId, 'Manager');
        await assertNoManagerCycle(tx, orgId, id, managerId);
      }
      member.managerId = managerId;
      changed.push('managerId');
    }

    for (const [field, value] of Object.entries(scalars) as Array<[keyof typeof scalars, string | null]>) {
      if (member[field] === value) continue;
      (member as unknown as Record<string, string | null>)[field] = value;
      changed.push(field);
    }

    if (changed.length) recordAudit(tx, viewer, 'member.update', { type: 'Member', id }, { changed });
    await tx.flush();
    // One event per kind of change, the first marked as the one `memberEvents` delivers.
    const events: Array<{ type: MemberChangeType; extra: MemberEventExtra }> = [];
    const profile = changed.filter((field) => field !== 'departmentIds' && field !== 'managerId');
    if (profile.length) events.push({ type: MemberChangeType.UPDATED, extra: { changedFields: profile } });
    if (departmentChange) {
      events.push({
        type: MemberChangeType.DEPARTMENTS_CHANGED,
        extra: {
          changedFields: ['departmentIds'],
          details: { addedDepartmentIds: toGlobalIds('Department', departmentChange.added), removedDepartmentIds: toGlobalIds('Department', departmentChange.removed.map((d) => d.id)) },
        },
      });
    }
    if (changed.includes('managerId')) {
      events.push({
        type: MemberChangeType.MANAGER_CHANGED,
        extra: { changedFields: ['managerId'], details: { managerId: toOptionalGlobalId('Member', member.managerId), previousManagerId: toOptionalGlobalId('Member', previousManagerId) } },
      });
    }
    if (events.length) {
      // Addressed to where the member is now and, after a move, where it was: the sub-admin there learns it left.
      const departments = [...(await departmentsOf(tx, orgId, id)), ...(departmentChange?.removed ?? [])];
      for (const [index, event] of events.entries()) await emit(memberEvent(event.type, member, departments, { ...event.extra, continued: index > 0 }));
    }
    return member;
  }).catch(rethrowUniqueViolation);
}

/** ACTIVE <-> DISABLED. Setting the current status again changes nothing. */
export async function setMemberStatus(em: EntityManager, viewer: Viewer, input: SetMemberStatusInput, services: MemberServices): Promise<Member> {
  const orgId = viewer.orgId;
  const id = rawId(input.id, 'Member');
  if (input.status === MemberStatus.PENDING) throw badInput(errorMessage('notBackToPending'), 'status');

  return withEvents(em, services, async (tx, emit) => {
    const { member, roles } = await loadMemberToManage(tx, viewer, id, PermissionAction.EDIT);
    if (member.status === input.status) {
      assertCanActOnRoleHolder(viewer, roles);
      return member;
    }
    if (member.status === MemberStatus.PENDING) {
      throw badInput(
        input.status === MemberStatus.ACTIVE
          ? errorMessage('pendingActivates')
          : errorMessage('pendingCannotBeDisabled'),
        'status',
      );
    }
    if (input.status === MemberStatus.DISABLED) {
      if (id === viewer.member?.id) throw badInput(errorMessage('cannotDisableSelf'), 'id');
      await assertNotLastOwner(tx, orgId, member, roles, 'disable');
    } else if (!member.userId) {
      throw badInput(errorMessage('noAccountActivates'), 'status');
    }
    assertCanActOnRoleHolder(viewer, roles);
    const from = member.status;
    member.status = input.status;
    recordAudit(tx, viewer, 'member.setStatus', { type: 'Member', id }, { from, to: input.status });
    await tx.flush();
    if (input.status === MemberStatus.ACTIVE) await runMemberActivationHooks(tx, services.contributions, { orgId, memberId: id, userId: member.userId!, via: 'ENABLED' });
    await emitMemberEvent(tx, emit, member, MemberChangeType.STATUS_CHANGED, { changedFields: ['status'], details: { from, to: input.status } });
    return member;
  });
}

/**
 * Removes a member in one of three modes, in one transaction with the audit entry:
 * DELETE (reports lose their manager), TRANSFER (reports and role grants go to another active member),
 * OFFBOARD (an offboarding record is kept; with `transferToMemberId` it transfers too).
 */
export async function removeMember(em: EntityManager, viewer: Viewer, input: RemoveMemberInput, app: AppServices): Promise<RemoveMemberPayload> {
  const orgId = viewer.orgId;
  const id = rawId(input.id, 'Member');
  let targetId: string | null = null;
  if (input.transferToMemberId != null) {
    if (input.mode === RemoveMemberMode.DELETE) throw badInput(errorMessage('transferTargetOnlyFor'), 'transferToMemberId');
    targetId = rawId(input.transferToMemberId, 'Member');
  } else if (input.mode === RemoveMemberMode.TRANSFER) {
    throw badInput(errorMessage('transferNeedsTarget'), 'transferToMemberId');
  }

  return withEvents(em, app, async (tx, emit) => {
    const { member, roles, departments } = await loadMemberToManage(tx, viewer, id, PermissionAction.DELETE);
    if (id === viewer.member?.id) throw badInput(errorMessage('cannotRemoveSelf'), 'id');
    await assertNotLastOwner(tx, orgId, member, roles, 'remove');
    assertCanActOnRoleHolder(viewer, roles);

    let target: Member | null = null;
    if (targetId) {
      if (targetId === id) throw badInput(errorMessage('transferToAnother'), 'transferToMemberId');
      target = await requireOrgMember(tx, orgId, targetId, 'Member');
      if (target.status !== MemberStatus.ACTIVE) throw badInput(errorMessage('transferTargetInactive'), 'transferToMemberId');
      // Handing grants and reports to the target edits the target as well.
      const targetPaths = (await departmentsOf(tx, orgId, targetId)).map((d) => d.path);
      assertCan(viewer, PermissionModule.MEMBERS, PermissionAction.EDIT, { departmentPaths: targetPaths, match: 'any' }, 'the transfer target');
      await transferReports(tx, orgId, member, targetId);
      await tx.execute(
        `update member_roles set member_id = ?
          where org_id = ? and member_id = ? and role_id not in (select role_id from member_roles where member_id = ?)`,
        [targetId, orgId, id, targetId],
      );
      target = await tx.findOneOrFail(Member, { id: targetId, orgId }, { refresh: true });
    } else {
      await tx.execute('update members set manager_id = null where org_id = ? and manager_id = ?', [orgId, id]);
    }

    await runMemberRemovalHooks(tx, { orgId, memberId: id, mode: input.mode, transferToMemberId: targetId, actor: viewer, app });
    if (input.mode === RemoveMemberMode.OFFBOARD) {
      tx.create(OffboardingRecord, {
        orgId,
        memberId: id,
        userId: member.userId,
        name: member.name,
        employeeNo: member.employeeNo,
        transferredToMemberId: targetId,
        recordedByMemberId: viewer.member?.id ?? null,
        recordedByApiClientId: viewer.apiClient?.id ?? null,
      });
    }
    recordAudit(tx, viewer, 'member.remove', { type: 'Member', id }, { name: member.name, mode: input.mode, transferredTo: toOptionalGlobalId('Member', targetId) });
    // Departments and role grants left on the member go with it (on delete cascade).
    tx.remove(member);
    await tx.flush();
    const removedAs = input.mode === RemoveMemberMode.OFFBOARD ? MemberChangeType.OFFBOARDED : MemberChangeType.REMOVED;
    await emit(memberEvent(removedAs, { id, orgId, name: member.name }, departments, { details: { mode: input.mode, transferredToMemberId: toOptionalGlobalId('Member', targetId) } }));
    return { removedMemberId: member.globalId, transferredTo: target };
  });
}

/**
 * The removed member's direct reports now report to the target. The report on the target's own chain (the target
 * itself, or its ancestor below the removed member) moves up to the removed member's manager instead, so no cycle appears.
 */
async function transferReports(tx: EntityManager, orgId: string, removed: Member, targetId: string): Promise<void> {
  await tx.execute(
    `with recursive chain (id, manager_id) as (
       select id, manager_id from members where org_id = ? and id = ?
       union
       select m.id, m.manager_id from members m join chain c on m.id = c.manager_id where m.org_id = ?
     )
     update members set manager_id = case when id in (select id from chain) then ?::uuid else ?::uuid end
      where org_id = ? and manager_id = ?`,
    [orgId, targetId, orgId, removed.managerId, targetId, orgId, removed.id],
  );
}

function parseIdList(ids: string[], type: string, field: string): string[] {
  if (ids.length === 0) throw badInput(errorMessage('emptyOrOmit', { field }), field);
  return [...new Set(ids.map((id) => rawId(id, type)))];
}

async function loadDepartments(tx: EntityManager, orgId: string, ids: string[]): Promise<Department[]> {
  const departments = await tx.find(Department, { orgId, id: { $in: ids } });
  if (departments.length !== ids.length) throw notFound('Department');
  return departments;
}

async function loadGrantableRoles(tx: EntityManager, viewer: Viewer, ids: string[]): Promise<Role[]> {
  const roles = await tx.find(Role, { orgId: viewer.orgId, id: { $in: ids } });
  if (roles.length !== ids.length) throw notFound('Role');
  for (const role of roles) {
    if (role.builtin === BuiltinRole.SUB_ADMIN) {
      throw badInput(errorMessage('subAdminViaRoles'), 'roleIds');
    }
    if (!canGrantRole(viewer, role)) throw forbidden(errorMessage('mayNotGrantRole', { name: role.name }));
  }
  return roles;
}

async function requireOrgMember(tx: EntityManager, orgId: string, id: string, what: string): Promise<Member> {
  const member = await tx.findOne(Member, { id, orgId });
  if (!member) throw notFound(what);
  return member;
}

async function departmentsOf(tx: EntityManager, orgId: string, memberId: string): Promise<Array<{ id: string; path: string }>> {
  return tx.execute(
    `select d.id, d.path from member_departments md join departments d on d.id = md.department_id
      where md.org_id = ? and md.member_id = ?`,
    [orgId, memberId],
  );
}

/** Loads a member of the viewer's org and checks the action on one of the member's departments. */
async function loadMemberToManage(tx: EntityManager, viewer: Viewer, id: string, action: PermissionAction) {
  const orgId = viewer.orgId;
  const member = await requireOrgMember(tx, orgId, id, 'Member');
  const departments = await departmentsOf(tx, orgId, id);
  const departmentPaths = departments.map((d) => d.path);
  assertCan(viewer, PermissionModule.MEMBERS, action, { departmentPaths, match: 'any' }, 'this member');
  const roles: Array<{ builtin: BuiltinRole | null }> = await tx.execute(
    'select r.builtin from member_roles mr join roles r on r.id = mr.role_id where mr.org_id = ? and mr.member_id = ?',
    [orgId, id],
  );
  return { member, roles, departments };
}

/** A MEMBER event about `member` (after its changes are flushed), addressed to its departments. */
async function emitMemberEvent(tx: EntityManager, emit: EmitEvent, member: Member, type: MemberChangeType, extra: MemberEventExtra = {}): Promise<void> {
  const departments = await departmentsOf(tx, member.orgId, member.id);
  await emit(memberEvent(type, member, departments, extra));
}

/** Locks the org row for the rest of the transaction (serialising quota and owner checks); returns its member limit. */
async function lockOrg(tx: EntityManager, orgId: string): Promise<number> {
  const [row] = await tx.execute<Array<{ member_limit: number }>>('select member_limit from orgs where id = ? for update', [orgId]);
  if (!row) throw notFound('Org');
  return row.member_limit;
}

/** An org keeps at least one active OWNER. */
async function assertNotLastOwner(
  tx: EntityManager,
  orgId: string,
  member: Member,
  roles: Array<{ builtin: BuiltinRole | null }>,
  verb: string,
): Promise<void> {
  if (!roles.some((role) => role.builtin === BuiltinRole.OWNER)) return;
  await lockOrg(tx, orgId);
  const [{ owners }] = await tx.execute<Array<{ owners: number }>>(
    `select count(*)::int as owners from member_roles mr
       join roles r on r.id = mr.role_id
       join members m on m.id = mr.member_id
      where mr.org_id = ? and r.builtin = 'OWNER' and m.status = 'ACTIVE' and m.id <> ?`,
    [orgId, member.id],
  );
  if (owners === 0) throw badInput(errorMessage('lastOwner', { verb }), 'id');
}

/** Refuses a manager who is the member or reports to the member, directly or not: one walk up the chain. */
async function assertNoManagerCycle(tx: EntityManager, orgId: string, memberId: string, managerId: string): Promise<void> {
  const [{ cycle }] = await tx.execute<Array<{ cycle: boolean }>>(
    `with recursive chain (id, manager_id) as (
       select id, manager_id from members where org_id = ? and id = ?
       union
       select m.id, m.manager_id from members m join chain c on m.id = c.manager_id where m.org_id = ?
     )
     select exists (select 1 from chain where id = ?) as cycle`,
    [orgId, managerId, orgId, memberId],
  );
  if (cycle) throw badInput(errorMessage('managerCycle'), 'managerId');
}

function rethrowUniqueViolation(error: unknown): never {
  if (isUniqueViolation(error, 'members_org_phone_unique')) {
    throw conflict(errorMessage('memberPhoneTaken'), { field: 'phone' });
  }
  if (isUniqueViolation(error, 'members_org_employee_no_unique')) {
    throw conflict(errorMessage('employeeNoTaken'), { field: 'employeeNo' });
  }
  throw error;
}
