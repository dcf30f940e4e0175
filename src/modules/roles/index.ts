import { apiClientReadableTypes } from '../../auth/api-scopes';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules, orgWideAuditTargets } from '../audit/audit-targets';
import { EventTopic } from '../../realtime/events';
import { changeAudienceRules, departmentScopedChanges } from '../changes/change-audience';
import { MemberRole } from './member-role.entity';
import { RoleGroup } from './role-group.entity';
import { Role } from './role.entity';
import { MemberRolesResolver, RoleAssignmentResolver, RoleGroupsResolver, RolesResolver } from './roles.resolver';

export { createRoleLoaders } from './roles.loaders';

export const rolesModule = {
  entities: [Role, RoleGroup, MemberRole],
  resolvers: [RolesResolver, RoleGroupsResolver, MemberRolesResolver, RoleAssignmentResolver],
  contributions: [
    contribute(nodeTypes, { type: 'Role', fetch: (ctx, id) => ctx.loaders.roleById.load(id) }, { type: 'RoleGroup', fetch: (ctx, id) => ctx.loaders.roleGroupById.load(id) }),
    // Audit entries on roles and role groups: `roles` and `roleGroups` are the whole org's to read.
    contribute(auditTargetRules, orgWideAuditTargets('Role', 'RoleGroup')),
    contribute(apiClientReadableTypes, { Role: PermissionModule.ROLES, RoleGroup: PermissionModule.ROLES, RoleAssignment: PermissionModule.MEMBERS }),
    // Role and grant changes: holders of ROLES VIEW (OWNER, ADMIN, a custom role; an API client with roles:read).
    contribute(changeAudienceRules, { [EventTopic.ROLE]: departmentScopedChanges(PermissionModule.ROLES) }),
  ],
};
