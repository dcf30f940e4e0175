import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { contactLoaders } from './contacts.loaders';
import { CreateTagGroupInput, CreateTagInput, UpdateTagGroupInput, UpdateTagInput } from './contacts.inputs';
import { createTag, createTagGroup, deleteTag, deleteTagGroup, tagGroups, tags, updateTag, updateTagGroup } from './contact-tags.service';
import { Tag, TagGroup } from './tag.entity';

@Resolver()
export class TagsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => [TagGroup], { description: 'The org’s tag groups, by name.' })
  tagGroups(@Ctx() ctx: GraphQLContext): Promise<TagGroup[]> {
    return tagGroups(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Query(() => [Tag], {
    description:
      'The org’s tags (of one group when `groupId` is given), in reading order (pinyin for Chinese names). With `query`, those whose name matches it as member and contact names do, best first.',
  })
  tags(
    @Arg('groupId', () => ID, { nullable: true }) groupId: string | null,
    @Arg('query', () => String, { nullable: true }) query: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Tag[]> {
    return tags(ctx.em, ctx.viewer, groupId, query);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => TagGroup, { description: 'OWNER, ADMIN, or a role granting CONTACTS CREATE org-wide.' })
  createTagGroup(@Arg('input', () => CreateTagGroupInput) input: CreateTagGroupInput, @Ctx() ctx: GraphQLContext): Promise<TagGroup> {
    return createTagGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => TagGroup)
  updateTagGroup(@Arg('input', () => UpdateTagGroupInput) input: UpdateTagGroupInput, @Ctx() ctx: GraphQLContext): Promise<TagGroup> {
    return updateTagGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes the group and its tags; contacts lose them. Returns the deleted id.' })
  deleteTagGroup(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteTagGroup(ctx.em, ctx.viewer, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Tag)
  createTag(@Arg('input', () => CreateTagInput) input: CreateTagInput, @Ctx() ctx: GraphQLContext): Promise<Tag> {
    return createTag(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Tag)
  updateTag(@Arg('input', () => UpdateTagInput) input: UpdateTagInput, @Ctx() ctx: GraphQLContext): Promise<Tag> {
    return updateTag(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes a tag; contacts lose it. Returns the deleted id.' })
  deleteTag(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteTag(ctx.em, ctx.viewer, id, ctx.app);
  }

}

@Resolver(() => TagGroup)
export class TagGroupFieldsResolver {
  @FieldResolver(() => [Tag], { description: 'By name.' })
  tags(@Root() group: TagGroup, @Ctx() ctx: GraphQLContext): Promise<Tag[]> {
    return contactLoaders(ctx.viewer, ctx.loaders).tagsOfGroup.load(group.id);
  }
}

@Resolver(() => Tag)
export class TagFieldsResolver {
  @FieldResolver(() => TagGroup)
  async group(@Root() tag: Tag, @Ctx() ctx: GraphQLContext): Promise<TagGroup> {
    return (await contactLoaders(ctx.viewer, ctx.loaders).tagGroupById.load(tag.groupId))!;
  }
}
