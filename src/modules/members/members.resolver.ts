import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { connectionSelects } from '../../graphql/lookahead';
import { Access } from '../../graphql/auth-checker';
import { contextOf, resolveAs, type GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Department } from '../departments/department.entity';
import { Member } from './member.entity';
import {
  AddMemberInput,
  DepartmentMemberFilter,
  MemberConnection,
  MemberFilter,
  RemoveMemberInput,
  RemoveMemberPayload,
  SetMemberStatusInput,
  UpdateMemberInput,
} from './members.inputs';
import { listMembers, resolveMemberScope } from './members.listing';
import { addMember, getMember, removeMember, setMemberStatus, updateMember } from './members.service';

@Resolver()
export class MembersResolver {
  @Authorized(Access.MEMBER)
  @Query(() => MemberConnection, { description: 'The member directory of the current org, ordered by name.' })
  async members(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => MemberFilter, { nullable: true, description: 'Narrows the members; all of them when omitted.' }) filter: MemberFilter | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Member>> {
    return listMembers(ctx.em, ctx.viewer, ctx.loaders, await resolveMemberScope(ctx.loaders, filter), page, { withManagers: connectionSelects(info, 'manager') });
  }

  @Authorized(Access.MEMBER)
  @Query(() => Member, { nullable: true, description: 'A member of the current org; any other id is null with a NOT_FOUND error.' })
  member(@Arg('id', () => ID, { description: "The member's global ID." }) id: string, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return getMember(ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Member, { description: 'Adds a PENDING member; they join by accepting the invitation. Counts against the member quota.' })
  addMember(@Arg('input', () => AddMemberInput, { description: 'The person to add.' }) input: AddMemberInput, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return addMember(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Member, { description: "Changes a member's profile, departments or manager. Needs MEMBERS EDIT over the member; sensitive fields need MEMBER_SENSITIVE_FIELDS EDIT." })
  updateMember(@Arg('input', () => UpdateMemberInput, { description: 'The member and the fields to change; omitted fields stay.' }) input: UpdateMemberInput, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return updateMember(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Member, { description: 'Disables or re-enables a member. Not yourself, not the last owner.' })
  setMemberStatus(@Arg('input', () => SetMemberStatusInput, { description: 'The member and the status.' }) input: SetMemberStatusInput, @Ctx() ctx: GraphQLContext): Promise<Member> {
    return setMemberStatus(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => RemoveMemberPayload, { description: 'Removes a member from the org. Not yourself, not the last owner.' })
  removeMember(@Arg('input', () => RemoveMemberInput, { description: 'The member and how to remove them.' }) input: RemoveMemberInput, @Ctx() ctx: GraphQLContext): Promise<RemoveMemberPayload> {
    return removeMember(ctx.em, ctx.viewer, input, ctx.app);
  }
}

@Resolver(() => Member)
export class MemberFieldsResolver {
  @FieldResolver(() => [Department], { description: 'Departments the member is placed in, by path.' })
  departments(@Root() member: Member, @Ctx() ctx: GraphQLContext): Promise<Department[]> {
    return contextOf(ctx, member).loaders.departmentsOfMember.load(member.id);
  }

  @FieldResolver(() => Member, { nullable: true, description: 'The direct manager.' })
  async manager(@Root() member: Member, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    const seenBy = contextOf(ctx, member);
    const manager = member.managerId ? await seenBy.loaders.memberById.load(member.managerId) : null;
    // Loaded by the marked viewer's own loaders, so marking it too touches nothing the rest of the operation sees.
    return manager && seenBy !== ctx ? resolveAs(manager, seenBy.viewer) : manager;
  }

  @Authorized(Access.MEMBER)
  @FieldResolver(() => MemberConnection, { description: 'Direct reports, ordered by name.' })
  reports(@Root() member: Member, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<Member>> {
    return listMembers(ctx.em, ctx.viewer, ctx.loaders, { managerId: member.id }, page);
  }
}

@Resolver(() => Department)
export class DepartmentMembersResolver {
  @Authorized(Access.MEMBER)
  @FieldResolver(() => MemberConnection, { description: 'Members placed in the department (and, by default, its sub-departments), ordered by name.' })
  async members(
    @Root() department: Department,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('includeDescendants', () => Boolean, { nullable: true, defaultValue: true, description: 'Also members of sub-departments (default true).' }) includeDescendants: boolean | null,
    @Arg('filter', () => DepartmentMemberFilter, { nullable: true, description: 'Narrows the members; all of them when omitted.' }) filter: DepartmentMemberFilter | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Member>> {
    const scope = await resolveMemberScope(ctx.loaders, { ...filter, includeDescendants }, department);
    return listMembers(ctx.em, ctx.viewer, ctx.loaders, scope, page, { withManagers: connectionSelects(info, 'manager') });
  }
}
