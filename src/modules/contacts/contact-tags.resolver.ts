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
    @Arg('groupId', () => ID, { nullable: true, description: 'Only the tags of this tag group.' }) groupId: string | null,
    @Arg('query', () => String, { nullable: true, description: 'Only tags whose name matches (any part, or its pinyin).' }) query: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Tag[]> {
    return tags(ctx.em, ctx.viewer, groupId, query);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => TagGroup, { description: 'OWNER, ADMIN, or a role granting CONTACTS CREATE org-wide.' })
  createTagGroup(@Arg('input', () => CreateTagGroupInput, { description: 'Its name.' }) input: CreateTagGroupInput, @Ctx() ctx: GraphQLContext): Promise<TagGroup> {
    return createTagGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => TagGroup, { description: 'Renames a tag group.' })
  updateTagGroup(@Arg('input', () => UpdateTagGroupInput, { description: 'The group and its new name.' }) input: UpdateTagGroupInput, @Ctx() ctx: GraphQLContext): Promise<TagGroup> {
    return updateTagGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes the group and its tags; contacts lose them. Returns the deleted id.' })
  deleteTagGroup(@Arg('id', () => ID, { description: 'The tag group.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteTagGroup(ctx.em, ctx.viewer, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Tag, { description: 'Creates a contact tag in a tag group.' })
  createTag(@Arg('input', () => CreateTagInput, { description: 'Its group and name.' }) input: CreateTagInput, @Ctx() ctx: GraphQLContext): Promise<Tag> {
    return createTag(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Tag, { description: 'Renames a tag or moves it to another group.' })
  updateTag(@Arg('input', () => UpdateTagInput, { description: 'The tag and the fields to change.' }) input: UpdateTagInput, @Ctx() ctx: GraphQLContext): Promise<Tag> {
    return updateTag(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes a tag; contacts lose it. Returns the deleted id.' })
  deleteTag(@Arg('id', () => ID, { description: 'The tag.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
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
  @FieldResolver(() => TagGroup, { description: 'The tag group it belongs to.' })
  async group(@Root() tag: Tag, @Ctx() ctx: GraphQLContext): Promise<TagGroup> {
    return (await contactLoaders(ctx.viewer, ctx.loaders).tagGroupById.load(tag.groupId))!;
  }
}
