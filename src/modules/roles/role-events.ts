import { toGlobalId, toGlobalIds } from '../../graphql/relay';
import { EventTopic, type NewOrgEvent } from '../../realtime/events';
import { changeEvent } from '../changes/change-event';

/** Types of ROLE events (`ROLE_<type>` in `OrgEventType`). */
export enum RoleEventType {
  CREATED = 'CREATED',
  /** Renamed, permissions or group changed (`changedFields`). */
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
  /** A member was given a role (the object is the member; details: `roleId`, `scopeDepartmentIds`). */
  ASSIGNED = 'ASSIGNED',
  REVOKED = 'REVOKED',
  /** The departments a member's grant covers changed (details: `roleId`, `scopeDepartmentIds`, `previousScopeDepartmentIds`). */
  SCOPE_CHANGED = 'SCOPE_CHANGED',
  /** A role group (the filing of roles) was created, renamed (`changedFields: ['name']`) or deleted (its roles stay, ungrouped: each gets UPDATED with `groupId`). */
  GROUP_CREATED = 'GROUP_CREATED',
  GROUP_RENAMED = 'GROUP_RENAMED',
  GROUP_DELETED = 'GROUP_DELETED',
}

/** A ROLE CREATED / UPDATED / DELETED event about a role definition (org-wide). */
export function roleEvent(type: RoleEventType.CREATED | RoleEventType.UPDATED | RoleEventType.DELETED, role: { id: string; orgId: string; builtin: string | null }, changedFields: string[] = []): NewOrgEvent {
  return changeEvent(EventTopic.ROLE, type, { orgId: role.orgId, objectType: 'Role', rawId: role.id, changedFields, details: { builtin: role.builtin } });
}

/** A ROLE GROUP_CREATED / GROUP_RENAMED / GROUP_DELETED event about a role group (org-wide, as roles are). */
export function roleGroupEvent(
  type: RoleEventType.GROUP_CREATED | RoleEventType.GROUP_RENAMED | RoleEventType.GROUP_DELETED,
  group: { id: string; orgId: string },
  changedFields: string[] = [],
): NewOrgEvent {
  return changeEvent(EventTopic.ROLE, type, { orgId: group.orgId, objectType: 'RoleGroup', rawId: group.id, changedFields });
}

/** A grant event: ASSIGNED, REVOKED or SCOPE_CHANGED, about the member, addressed to the member's departments. */
export function grantEvent(
  type: RoleEventType.ASSIGNED | RoleEventType.REVOKED | RoleEventType.SCOPE_CHANGED,
  grant: { orgId: string; memberId: string; roleId: string; scopeDepartmentIds: string[]; previousScopeDepartmentIds?: string[] },
  memberDepartments: ReadonlyArray<{ id: string; path: string }>,
): NewOrgEvent {
  return changeEvent(EventTopic.ROLE, type, {
    orgId: grant.orgId,
    objectType: 'Member',
    rawId: grant.memberId,
    changedFields: ['roles'],
    departments: memberDepartments,
    details: {
      memberId: toGlobalId('Member', grant.memberId),
      roleId: toGlobalId('Role', grant.roleId),
      scopeDepartmentIds: toGlobalIds('Department', grant.scopeDepartmentIds),
      ...(grant.previousScopeDepartmentIds ? { previousScopeDepartmentIds: toGlobalIds('Department', grant.previousScopeDepartmentIds) } : {}),
    },
  });
}
