import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { Contact } from './contact.entity';
import { contactLoaders } from './contacts.loaders';
import { CreateExternalGroupInput, ExternalGroupConnection, ExternalGroupParticipantsInput, ParticipantKind } from './contacts.inputs';
import { ExternalGroup, ExternalGroupParticipant } from './external-group.entity';
import {
  addToExternalGroup,
  createExternalGroup,
  externalGroups,
  getExternalGroup,
  removeFromExternalGroup,
  transferGroupOwnership,
} from './external-groups.service';

@Resolver()
export class ExternalGroupsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => ExternalGroupConnection, { description: 'The external groups the caller is in, by name.' })
  externalGroups(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<ExternalGroup>> {
    return externalGroups(ctx.em, ctx.viewer, page);
  }

  @Authorized(Access.MEMBER)
  @Query(() => ExternalGroup, { description: 'A group the caller is in (or, for admins, whose owner they manage).' })
  externalGroup(@Arg('id', () => ID, { description: "The group's global ID." }) id: string, @Ctx() ctx: GraphQLContext): Promise<ExternalGroup> {
    return getExternalGroup(ctx.em, ctx.viewer, ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ExternalGroup, { description: 'A group of members and contacts CONNECTED with the caller, owned by the caller.' })
  createExternalGroup(@Arg('input', () => CreateExternalGroupInput, { description: 'Its name and first participants.' }) input: CreateExternalGroupInput, @Ctx() ctx: GraphQLContext): Promise<ExternalGroup> {
    return createExternalGroup(ctx.em, ctx.viewer, ctx.loaders, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ExternalGroup, {
    description: 'Adds members, and contacts CONNECTED with the caller (else CONTACT_NOT_CONNECTED with `extensions.reason`). For participants.',
  })
  addToExternalGroup(@Arg('input', () => ExternalGroupParticipantsInput, { description: 'The group and who to add.' }) input: ExternalGroupParticipantsInput, @Ctx() ctx: GraphQLContext): Promise<ExternalGroup> {
    return addToExternalGroup(ctx.em, ctx.viewer, ctx.loaders, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ExternalGroup, { description: 'The owner removes anyone but themselves; others may only leave. The group stays external.' })
  removeFromExternalGroup(
    @Arg('input', () => ExternalGroupParticipantsInput, { description: 'The group and who to remove.' }) input: ExternalGroupParticipantsInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExternalGroup> {
    return removeFromExternalGroup(ctx.em, ctx.viewer, ctx.loaders, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ExternalGroup, { description: 'Hands the group to another active member, who joins it if needed. By the owner or an admin over the owner.' })
  transferGroupOwnership(
    @Arg('groupId', () => ID, { description: 'The external group.' }) groupId: string,
    @Arg('toMemberId', () => ID, { description: 'The new owner.' }) toMemberId: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ExternalGroup> {
    return transferGroupOwnership(ctx.em, ctx.viewer, ctx.loaders, groupId, toMemberId, ctx.app);
  }
}

@Resolver(() => ExternalGroup)
export class ExternalGroupFieldsResolver {
  @FieldResolver(() => Member, { nullable: true, description: 'The member who owns the group; null when no longer a member.' })
  owner(@Root() group: ExternalGroup, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    return ctx.loaders.memberById.load(group.ownerMemberId);
  }

  @FieldResolver(() => [ExternalGroupParticipant], { description: 'Members and contacts, in the order they joined.' })
  participants(@Root() group: ExternalGroup, @Ctx() ctx: GraphQLContext): Promise<ExternalGroupParticipant[]> {
    return contactLoaders(ctx.viewer, ctx.loaders).externalGroupParticipants.load(group.id);
  }

  @FieldResolver(() => Int, { description: 'How many members take part.' })
  async memberCount(@Root() group: ExternalGroup, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await contactLoaders(ctx.viewer, ctx.loaders).externalGroupParticipants.load(group.id)).filter((p) => p.memberId).length;
  }

  @FieldResolver(() => Int, { description: 'How many contacts take part.' })
  async contactCount(@Root() group: ExternalGroup, @Ctx() ctx: GraphQLContext): Promise<number> {
    return (await contactLoaders(ctx.viewer, ctx.loaders).externalGroupParticipants.load(group.id)).filter((p) => p.contactId).length;
  }
}

@Resolver(() => ExternalGroupParticipant)
export class ExternalGroupParticipantFieldsResolver {
  @FieldResolver(() => ParticipantKind, { description: 'Whether it is a member or a contact.' })
  kind(@Root() participant: ExternalGroupParticipant): ParticipantKind {
    return participant.memberId ? ParticipantKind.MEMBER : ParticipantKind.CONTACT;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'The member, for MEMBER participants; null otherwise.' })
  member(@Root() participant: ExternalGroupParticipant, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return participant.memberId ? ctx.loaders.memberById.load(participant.memberId) : null;
  }

  @FieldResolver(() => Contact, { nullable: true, description: 'The contact, when the caller sees it; otherwise null (see displayName).' })
  contact(@Root() participant: ExternalGroupParticipant, @Ctx() ctx: GraphQLContext): Promise<Contact | null> | null {
    return participant.contactId ? contactLoaders(ctx.viewer, ctx.loaders).contactById.load(participant.contactId) : null;
  }

  @FieldResolver(() => String, { description: 'The member’s or contact’s name: whoever shares the room sees it.' })
  async displayName(@Root() participant: ExternalGroupParticipant, @Ctx() ctx: GraphQLContext): Promise<string> {
    if (participant.memberId) return (await ctx.loaders.memberById.load(participant.memberId))?.name ?? '';
    return (await contactLoaders(ctx.viewer, ctx.loaders).contactNameById.load(participant.contactId!)) ?? '';
  }

  @FieldResolver(() => Date, { description: 'When the participant joined the group.' })
  joinedAt(@Root() participant: ExternalGroupParticipant): Date {
    return participant.createdAt;
  }
}
