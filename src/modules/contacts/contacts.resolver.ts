import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { localeOfViewer } from '../../auth/viewer';
import { connectionSelects } from '../../graphql/lookahead';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Department } from '../departments/department.entity';
import { Member } from '../members/member.entity';
import { Contact } from './contact.entity';
import { ContactInteraction } from './contact-interaction.entity';
import { contactLoaders } from './contacts.loaders';
import { listContacts, resolveContactScope } from './contacts.listing';
import {
  ContactCapabilities,
  ContactConnection,
  ContactFilter,
  ContactInteractionConnection,
  ContactState,
  ContactTransferReport,
  CreateContactInput,
  DeleteContactPayload,
  RecordInteractionInput,
  TransferContactsInput,
  UpdateContactInput,
} from './contacts.inputs';
import { createContact, deleteContact, getContact, mergeContacts, restoreContact, updateContact, viewerMayEditContact } from './contacts.service';
import { contactInteractions, recordInteraction } from './interactions.service';
import { transferContacts } from './contact-transfer';
import { Tag } from './tag.entity';

@Resolver()
export class ContactsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => ContactConnection, { description: 'The contacts the caller sees, ordered by name; search and filters apply together.' })
  async contacts(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => ContactFilter, { nullable: true, description: 'Narrows the contacts; all of them when omitted.' }) filter: ContactFilter | null,
    @Ctx() ctx: GraphQLContext,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Connection<Contact>> {
    const needs = { tags: connectionSelects(info, 'tags'), owner: connectionSelects(info, 'owner') };
    return listContacts(ctx.em, ctx.viewer, ctx.loaders, await resolveContactScope(ctx.viewer, ctx.loaders, filter), page, needs);
  }

  @Authorized(Access.MEMBER)
  @Query(() => Contact, { nullable: true, description: 'A contact the caller sees; any other id is null with a NOT_FOUND error.' })
  contact(@Arg('id', () => ID, { description: "The contact's global ID." }) id: string, @Ctx() ctx: GraphQLContext): Promise<Contact> {
    return getContact(ctx.viewer, ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Contact, { description: 'Adds a contact owned by the caller. A phone or email already in the org answers CONTACT_EXISTS.' })
  createContact(@Arg('input', () => CreateContactInput, { description: 'The contact to add.' }) input: CreateContactInput, @Ctx() ctx: GraphQLContext): Promise<Contact> {
    return createContact(ctx.em, ctx.viewer, ctx.loaders, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Contact, { description: 'Changes a contact: its owner or an admin over the owner.' })
  updateContact(@Arg('input', () => UpdateContactInput, { description: 'The contact and the fields to change.' }) input: UpdateContactInput, @Ctx() ctx: GraphQLContext): Promise<Contact> {
    return updateContact(ctx.em, ctx.viewer, ctx.loaders, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => DeleteContactPayload, { description: 'Deletes a contact; `restoreContact` brings it back within 30 days.' })
  deleteContact(@Arg('id', () => ID, { description: 'The contact.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<DeleteContactPayload> {
    return deleteContact(ctx.em, ctx.viewer, ctx.loaders, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Contact, { description: 'Restores a contact deleted less than 30 days ago.' })
  restoreContact(@Arg('id', () => ID, { description: 'The deleted contact.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<Contact> {
    return restoreContact(ctx.em, ctx.viewer, ctx.loaders, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Contact, {
    description: 'Merges duplicates into `keepId`: phones, tags, connections, interaction records and group places move to it.',
  })
  mergeContacts(
    @Arg('keepId', () => ID, { description: 'The contact that stays.' }) keepId: string,
    @Arg('mergeIds', () => [ID], { description: 'The duplicates merged into it and deleted.' }) mergeIds: string[],
    @Ctx() ctx: GraphQLContext,
  ): Promise<Contact> {
    return mergeContacts(ctx.em, ctx.viewer, ctx.loaders, keepId, mergeIds, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactTransferReport, {
    description: 'Hands contacts over to another member; `dryRun` reports per contact what would move and what cannot.',
  })
  transferContacts(@Arg('input', () => TransferContactsInput, { description: 'From whom, to whom, which contacts, and whether only to report.' }) input: TransferContactsInput, @Ctx() ctx: GraphQLContext): Promise<ContactTransferReport> {
    return transferContacts(ctx.em, ctx.viewer, ctx.loaders, input, ctx.app, localeOfViewer(ctx.viewer, ctx.acceptLanguage));
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactInteraction, { description: 'Records a call, meeting, message or note with a contact the caller sees.' })
  recordInteraction(@Arg('input', () => RecordInteractionInput, { description: 'The contact and what happened.' }) input: RecordInteractionInput, @Ctx() ctx: GraphQLContext): Promise<ContactInteraction> {
    return recordInteraction(ctx.em, ctx.viewer, ctx.loaders, input);
  }
}

/** Fields of a contact. A contact object only ever reaches viewers who see it; `notes` also needs the right to edit. */
@Resolver(() => Contact)
export class ContactFieldsResolver {
  @FieldResolver(() => String, { nullable: true, description: 'Visible to those who may edit the contact (its owner, admins over the owner); null for others.' })
  async notes(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<string | null> {
    return (await viewerMayEditContact(ctx.viewer, ctx.loaders, contact)) ? contact.notes : null;
  }

  @FieldResolver(() => Boolean, { description: 'May the caller change, delete and merge this contact?' })
  viewerCanEdit(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return viewerMayEditContact(ctx.viewer, ctx.loaders, contact);
  }

  @FieldResolver(() => Member, { nullable: true, description: 'The member the contact belongs to.' })
  async owner(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    return contact.ownerId ? ctx.loaders.memberById.load(contact.ownerId) : null;
  }

  @FieldResolver(() => [Tag], { description: 'By name.' })
  async tags(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<Tag[]> {
    const tags = await contactLoaders(ctx.viewer, ctx.loaders).tagById.loadMany(contact.tagIds);
    return tags.filter((tag): tag is Tag => tag instanceof Tag).sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
  }

  @FieldResolver(() => [Department], { description: 'SHARED: the departments whose whole subtrees see the contact.' })
  async sharedDepartments(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<Department[]> {
    const departments = await ctx.loaders.departmentById.loadMany(contact.sharedDepartmentIds);
    return departments.filter((d): d is Department => d instanceof Department);
  }

  @FieldResolver(() => [Member], { description: 'SHARED: the members who see the contact.' })
  async sharedMembers(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<Member[]> {
    const members = await ctx.loaders.memberById.loadMany(contact.sharedMemberIds);
    return members.filter((m): m is Member => m instanceof Member);
  }

  @FieldResolver(() => [Member], { description: 'Members the person is connected with: they can message, call and invite them.' })
  async connectedMembers(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): Promise<Member[]> {
    const members = await ctx.loaders.memberById.loadMany(contact.connectedMemberIds);
    return members.filter((m): m is Member => m instanceof Member);
  }

  @FieldResolver(() => Date, { description: 'When the contact was added.' })
  createdAt(@Root() contact: Contact): Date {
    return contact.createdAt;
  }

  @FieldResolver(() => ContactState, { description: 'Whether the contact is connected with the caller, as seen by the caller.' })
  state(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): ContactState {
    return ctx.viewer.member && contact.connectedMemberIds.includes(ctx.viewer.member.id) ? ContactState.CONNECTED : ContactState.SHARED;
  }

  @FieldResolver(() => ContactCapabilities, { description: 'What the caller may do with this contact now.' })
  capabilities(@Root() contact: Contact, @Ctx() ctx: GraphQLContext): ContactCapabilities {
    const connected = this.state(contact, ctx) === ContactState.CONNECTED;
    return { directMessage: connected, call: connected, inviteToExternalGroup: connected };
  }

  @FieldResolver(() => ContactInteractionConnection, { description: 'Interaction records, newest first.' })
  interactions(@Root() contact: Contact, @Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ContactInteraction>> {
    return contactInteractions(ctx.em, ctx.viewer, ctx.loaders, contact, page);
  }
}

@Resolver(() => ContactInteraction)
export class ContactInteractionFieldsResolver {
  @FieldResolver(() => Member, { nullable: true, description: 'Who recorded it; null once they left the org (see authorName).' })
  async author(@Root() interaction: ContactInteraction, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    return interaction.authorMemberId ? ctx.loaders.memberById.load(interaction.authorMemberId) : null;
  }
}
