import { registerNodeType } from '../../graphql/node.resolver';
import { MemberRolesResolver, RoleAssignmentResolver, RoleGroupsResolver, RolesResolver } from './roles.resolver';

registerNodeType('Role', (ctx, id) => ctx.loaders.roleById.load(id));
registerNodeType('RoleGroup', (ctx, id) => ctx.loaders.roleGroupById.load(id));

export const rolesResolvers: Function[] = [RolesResolver, RoleGroupsResolver, MemberRolesResolver, RoleAssignmentResolver];
