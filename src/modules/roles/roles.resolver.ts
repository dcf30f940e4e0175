import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import { contextOf, type GraphQLContext } from '../../graphql/context';
import { Department } from '../departments/department.entity';
import { Member } from '../members/member.entity';
import { RoleGroup } from './role-group.entity';
import { Role } from './role.entity';
import {
  AssignRoleInput,
  CreateRoleGroupInput,
  CreateRoleInput,
  RenameRoleGroupInput,
  RevokeRoleInput,
  RoleAssignment,
  UpdateRoleInput,
} from './roles.inputs';
import {
  assignRole,
  createRole,
  createRoleGroup,
  deleteRole,
  deleteRoleGroup,
  listRoleGroups,
  listRoles,
  renameRoleGroup,
  revokeRole,
  updateRole,
} from './roles.service';

@Resolver(() => Role)
export class RolesResolver {
  @Authorized(Access.MEMBER)
  @Query(() => [Role], { description: 'The roles of the current org: built-in ones first, then custom ones by name.' })
  roles(@Ctx() ctx: GraphQLContext): Promise<Role[]> {
    return listRoles(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Role, { description: 'Creates a custom role with per-module permissions. Needs ROLES CREATE.' })
  createRole(@Arg('input', () => CreateRoleInput, { description: 'Its name and permissions.' }) input: CreateRoleInput, @Ctx() ctx: GraphQLContext): Promise<Role> {
    return createRole(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Role, { description: 'Changes a custom role. Built-in roles cannot be changed. Needs ROLES EDIT.' })
  updateRole(@Arg('input', () => UpdateRoleInput, { description: 'The role and the fields to change.' }) input: UpdateRoleInput, @Ctx() ctx: GraphQLContext): Promise<Role> {
    return updateRole(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes a custom role; its holders lose it. Returns the id. Needs ROLES DELETE.' })
  deleteRole(@Arg('id', () => ID, { description: 'The custom role.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteRole(ctx.em, ctx.viewer, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Member, { description: 'Gives a member a role, or replaces its scope when the member holds it already.' })
  assignRole(@Arg('input', () => AssignRoleInput, { description: 'The member, the role and its scope.' }) input: AssignRoleInput, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return assignRole(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Member, { description: 'Takes a role from a member. The last owner of the org keeps OWNER.' })
  revokeRole(@Arg('input', () => RevokeRoleInput, { description: 'The member and the role.' }) input: RevokeRoleInput, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return revokeRole(ctx.em, ctx.viewer, input, ctx.app);
  }

  @FieldResolver(() => RoleGroup, { nullable: true, description: 'The role group it is filed in; null when ungrouped.' })
  async group(@Root() role: Role, @Ctx() ctx: GraphQLContext): Promise<RoleGroup | null> {
    return role.groupId ? ctx.loaders.roleGroupById.load(role.groupId) : null;
  }

  @FieldResolver(() => Int, { description: 'How many members hold the role.' })
  memberCount(@Root() role: Role, @Ctx() ctx: GraphQLContext): Promise<number> {
    return ctx.loaders.memberCountOfRole.load(role.id);
  }
}

@Resolver(() => RoleGroup)
export class RoleGroupsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => [RoleGroup], { description: 'The role groups of the current org, by name.' })
  roleGroups(@Ctx() ctx: GraphQLContext): Promise<RoleGroup[]> {
    return listRoleGroups(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => RoleGroup, { description: 'Needs ROLES CREATE.' })
  createRoleGroup(@Arg('input', () => CreateRoleGroupInput, { description: 'Its name.' }) input: CreateRoleGroupInput, @Ctx() ctx: GraphQLContext): Promise<RoleGroup> {
    return createRoleGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => RoleGroup, { description: 'Needs ROLES EDIT.' })
  renameRoleGroup(@Arg('input', () => RenameRoleGroupInput, { description: 'The role group and its new name.' }) input: RenameRoleGroupInput, @Ctx() ctx: GraphQLContext): Promise<RoleGroup> {
    return renameRoleGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes a role group; its roles stay, ungrouped. Returns the id. Needs ROLES DELETE.' })
  deleteRoleGroup(@Arg('id', () => ID, { description: 'The role group.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteRoleGroup(ctx.em, ctx.viewer, id, ctx.app);
  }

  @FieldResolver(() => [Role], { description: 'The roles in the group, by name.' })
  roles(@Root() group: RoleGroup, @Ctx() ctx: GraphQLContext): Promise<Role[]> {
    return ctx.loaders.rolesOfGroup.load(group.id);
  }
}

/** `Member.roles`: defined here, next to the roles, so the members module need not know about them. */
@Resolver(() => Member)
export class MemberRolesResolver {
  @FieldResolver(() => [RoleAssignment], { description: 'The roles the member holds, oldest assignment first.' })
  async roles(@Root() member: Member, @Ctx() ctx: GraphQLContext): Promise<RoleAssignment[]> {
    return contextOf(ctx, member).loaders.rolesOfMember.load(member.id);
  }
}

@Resolver(() => RoleAssignment)
export class RoleAssignmentResolver {
  @FieldResolver(() => [Department], { description: 'Empty: the role applies org-wide.' })
  async scopeDepartments(@Root() assignment: RoleAssignment, @Ctx() ctx: GraphQLContext): Promise<Department[]> {
    const departments = await ctx.loaders.departmentById.loadMany(assignment.scopeDepartmentIds);
    return departments.filter((d): d is Department => d instanceof Department).sort((a, b) => a.path.localeCompare(b.path));
  }
}
