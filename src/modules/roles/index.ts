import { orgWideAuditTargets, type AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { MemberRolesResolver, RoleAssignmentResolver, RoleGroupsResolver, RolesResolver } from './roles.resolver';

registerNodeType('Role', (ctx, id) => ctx.loaders.roleById.load(id));
registerNodeType('RoleGroup', (ctx, id) => ctx.loaders.roleGroupById.load(id));

export const rolesResolvers: Function[] = [RolesResolver, RoleGroupsResolver, MemberRolesResolver, RoleAssignmentResolver];

/** Audit entries on roles and role groups: `roles` and `roleGroups` are the whole org's to read. */
export const roleAuditTargets: AuditTargetRules = orgWideAuditTargets('Role', 'RoleGroup');
