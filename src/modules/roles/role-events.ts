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
}

/** A ROLE CREATED / UPDATED / DELETED event about a role definition (org-wide). */
export function roleEvent(type: RoleEventType.CREATED | RoleEventType.UPDATED | RoleEventType.DELETED, role: { id: string; orgId: string; builtin: string | null }, changedFields: string[] = []): NewOrgEvent {
  return changeEvent(EventTopic.ROLE, type, { orgId: role.orgId, objectType: 'Role', rawId: role.id, changedFields, details: { builtin: role.builtin } });
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
