import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { ContactGroup } from './contact-group.entity';
import {
  addContactsToGroup,
  contactGroups,
  createContactGroup,
  deleteContactGroup,
  removeContactsFromGroup,
  updateContactGroup,
} from './contact-groups.service';
import { contactLoaders } from './contacts.loaders';
import { CreateContactGroupInput, UpdateContactGroupInput } from './contacts.inputs';

@Resolver()
export class ContactGroupsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => [ContactGroup], { description: 'The caller’s own contact groups, by name. List a group’s contacts with `contacts(filter: { groupId })`.' })
  contactGroups(@Ctx() ctx: GraphQLContext): Promise<ContactGroup[]> {
    return contactGroups(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactGroup, { description: 'Creates a personal group for filing contacts.' })
  createContactGroup(@Arg('input', () => CreateContactGroupInput, { description: 'Its name.' }) input: CreateContactGroupInput, @Ctx() ctx: GraphQLContext): Promise<ContactGroup> {
    return createContactGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactGroup, { description: "Renames one of the caller's contact groups." })
  updateContactGroup(@Arg('input', () => UpdateContactGroupInput, { description: 'The group and its new name.' }) input: UpdateContactGroupInput, @Ctx() ctx: GraphQLContext): Promise<ContactGroup> {
    return updateContactGroup(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: 'Deletes one of the caller’s groups (not its contacts). Returns the deleted id.' })
  deleteContactGroup(@Arg('id', () => ID, { description: 'The contact group.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteContactGroup(ctx.em, ctx.viewer, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactGroup, { description: 'Files contacts the caller sees into one of their groups (at most 500 per call).' })
  addContactsToGroup(
    @Arg('groupId', () => ID, { description: "One of the caller's contact groups." }) groupId: string,
    @Arg('contactIds', () => [ID], { description: 'The contacts to add (at most 500).' }) contactIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<ContactGroup> {
    return addContactsToGroup(ctx.em, ctx.viewer, ctx.loaders, groupId, contactIds);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactGroup, { description: "Takes contacts out of one of the caller's groups (the contacts stay)." })
  removeContactsFromGroup(
    @Arg('groupId', () => ID, { description: "One of the caller's contact groups." }) groupId: string,
    @Arg('contactIds', () => [ID], { description: 'The contacts to take out.' }) contactIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<ContactGroup> {
    return removeContactsFromGroup(ctx.em, ctx.viewer, groupId, contactIds);
  }
}

@Resolver(() => ContactGroup)
export class ContactGroupFieldsResolver {
  @FieldResolver(() => Int, { description: 'Contacts of the group the caller sees.' })
  contactCount(@Root() group: ContactGroup, @Ctx() ctx: GraphQLContext): Promise<number> {
    return contactLoaders(ctx.viewer, ctx.loaders).contactGroupCount.load(group.id);
  }
}
