import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { Department } from './department.entity';
import { CreateDepartmentInput, MoveDepartmentInput, RenameDepartmentInput } from './departments.inputs';
import {
  createDepartment,
  deleteDepartment,
  departmentAncestors,
  findDepartment,
  moveDepartment,
  renameDepartment,
  searchDepartments,
} from './departments.service';

@Resolver(() => Department)
export class DepartmentsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => Department, { nullable: true, description: 'A department of the current org. Unknown and foreign ids are null with a NOT_FOUND error.' })
  department(@Arg('id', () => ID, { description: "The department's global ID." }) id: string, @Ctx() ctx: GraphQLContext): Promise<Department> {
    return findDepartment(ctx.viewer, ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Query(() => [Department], {
    description:
      'Departments whose name matches `query` as member and contact names do (any part from one CJK character up, pinyin, initials; case-, width- and Simplified/Traditional-insensitive), best first: exact name, prefix, pinyin, substring, then reading order.',
  })
  departments(
    @Arg('query', () => String, { description: 'Part of a department name, or its pinyin.' }) query: string,
    @Arg('first', () => Int, { defaultValue: 20, description: 'At most 100.' }) first: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Department[]> {
    return searchDepartments(ctx.em, ctx.viewer, query, first);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Department, { description: 'Adds a department as the last child of its parent (the root when parentId is omitted).' })
  createDepartment(@Arg('input', () => CreateDepartmentInput, { description: 'Its name and parent.' }) input: CreateDepartmentInput, @Ctx() ctx: GraphQLContext): Promise<Department> {
    return createDepartment(ctx.em, ctx.viewer, ctx.loaders, ctx.app, input);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Department, { description: 'Renames a department; the name must stay unique among its siblings.' })
  renameDepartment(@Arg('input', () => RenameDepartmentInput, { description: 'The department and its new name.' }) input: RenameDepartmentInput, @Ctx() ctx: GraphQLContext): Promise<Department> {
    return renameDepartment(ctx.em, ctx.viewer, ctx.loaders, ctx.app, input);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Department, {
    description: 'Moves a department with its subtree under another parent, or reorders it among its siblings. Never the root, never under itself.',
  })
  moveDepartment(@Arg('input', () => MoveDepartmentInput, { description: 'The department, its new parent and position.' }) input: MoveDepartmentInput, @Ctx() ctx: GraphQLContext): Promise<Department> {
    return moveDepartment(ctx.em, ctx.viewer, ctx.loaders, ctx.app, input);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes a department without child departments or members; returns its id. Never the root.' })
  deleteDepartment(@Arg('id', () => ID, { description: 'The department.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteDepartment(ctx.em, ctx.viewer, ctx.loaders, ctx.app, id);
  }

  @FieldResolver(() => Department, { nullable: true, description: 'Null for the root.' })
  async parent(@Root() department: Department, @Ctx() ctx: GraphQLContext): Promise<Department | null> {
    return department.parentId ? ctx.loaders.departmentById.load(department.parentId) : null;
  }

  @FieldResolver(() => [Department], { description: 'Direct sub-departments, by position.' })
  children(@Root() department: Department, @Ctx() ctx: GraphQLContext): Promise<Department[]> {
    return ctx.loaders.departmentChildren.load(department.id);
  }

  @FieldResolver(() => [Department], { description: 'The departments above this one, root first; empty for the root.' })
  ancestors(@Root() department: Department, @Ctx() ctx: GraphQLContext): Promise<Department[]> {
    return departmentAncestors(ctx.loaders, department);
  }

  @FieldResolver(() => Int, { description: 'Levels below the root: 0 for the root.' })
  depth(@Root() department: Department): number {
    return department.depth;
  }

  @FieldResolver(() => Int, {
    description: 'Members of any status placed in this department, or also in its sub-departments (the default), each counted once.',
  })
  memberCount(
    @Root() department: Department,
    @Arg('includeDescendants', () => Boolean, { nullable: true, defaultValue: true, description: 'Also count members of sub-departments (default true).' }) includeDescendants: boolean | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<number> {
    const loader = includeDescendants === false ? ctx.loaders.departmentDirectMemberCount : ctx.loaders.departmentSubtreeMemberCount;
    return loader.load(department.id);
  }
}
