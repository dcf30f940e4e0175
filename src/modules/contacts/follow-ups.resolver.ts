import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { Contact } from './contact.entity';
import { contactLoaders } from './contacts.loaders';
import { FollowUpConnection } from './contacts.inputs';
import { FollowUp, FollowUpStatus } from './follow-up.entity';
import { closeFollowUp, contactFollowUps, myFollowUps, scheduleFollowUp } from './follow-ups.service';

@Resolver()
export class FollowUpsResolver {
  /** Plain arguments, as the issue writes it: `scheduleFollowUp(contactId, dueAt, assigneeId, note)`. */
  @Authorized(Access.MEMBER)
  @Mutation(() => FollowUp, {
    description:
      'Schedules a follow-up with a contact the caller sees. The assignee (default: the caller) gets a FOLLOW_UP notification when it ' +
      'falls due. Assigning to someone else needs the right to edit the contact; the assignee must be an ACTIVE member who sees it.',
  })
  scheduleFollowUp(
    @Arg('contactId', () => ID, { description: 'The contact.' }) contactId: string,
    @Arg('dueAt', () => Date, { description: 'Not in the past, within ten years.' }) dueAt: Date,
    @Arg('assigneeId', () => ID, { nullable: true, description: 'A member of the org; omitted: the caller.' }) assigneeId: string | null,
    @Arg('note', () => String, { nullable: true, description: 'What to do, at most 2,000 characters.' }) note: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<FollowUp> {
    return scheduleFollowUp(ctx.em, ctx.viewer, ctx.loaders, { contactId, dueAt, assigneeId, note });
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => FollowUp, { description: 'Marks an OPEN follow-up DONE: its assignee, its author, or an editor of the contact.' })
  completeFollowUp(@Arg('id', () => ID, { description: 'The follow-up.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<FollowUp> {
    return closeFollowUp(ctx.em, ctx.viewer, ctx.loaders, id, FollowUpStatus.DONE);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => FollowUp, { description: 'Cancels an OPEN follow-up: its assignee, its author, or an editor of the contact.' })
  cancelFollowUp(@Arg('id', () => ID, { description: 'The follow-up.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<FollowUp> {
    return closeFollowUp(ctx.em, ctx.viewer, ctx.loaders, id, FollowUpStatus.CANCELLED);
  }

  @Authorized(Access.MEMBER)
  @Query(() => FollowUpConnection, { description: 'Follow-ups assigned to the caller, soonest due first, on contacts the caller sees.' })
  myFollowUps(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('status', () => FollowUpStatus, { nullable: true, description: 'Omitted: every status.' }) status: FollowUpStatus | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<FollowUp>> {
    return myFollowUps(ctx.em, ctx.viewer, ctx.loaders, page, status ?? null);
  }
}

@Resolver(() => Contact)
export class ContactFollowUpsFieldResolver {
  @FieldResolver(() => FollowUpConnection, { description: 'Follow-up reminders with the contact, soonest due first.' })
  followUps(
    @Root() contact: Contact,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('status', () => FollowUpStatus, { nullable: true, description: 'Omitted: every status.' }) status: FollowUpStatus | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<FollowUp>> {
    return contactFollowUps(ctx.em, ctx.viewer, ctx.loaders, contact, page, status ?? null);
  }
}

@Resolver(() => FollowUp)
export class FollowUpFieldsResolver {
  @FieldResolver(() => Contact, { nullable: true, description: 'Null when the caller no longer sees the contact.' })
  contact(@Root() followUp: FollowUp, @Ctx() ctx: GraphQLContext): Promise<Contact | null> {
    return contactLoaders(ctx.viewer, ctx.loaders).contactById.load(followUp.contactId);
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who should do it; null once they left the org.' })
  async assignee(@Root() followUp: FollowUp, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    return followUp.assigneeMemberId ? ctx.loaders.memberById.load(followUp.assigneeMemberId) : null;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who scheduled it; null once they left the org (see authorName).' })
  async author(@Root() followUp: FollowUp, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    return followUp.authorMemberId ? ctx.loaders.memberById.load(followUp.authorMemberId) : null;
  }

  @FieldResolver(() => Date, { description: 'When it was scheduled.' })
  createdAt(@Root() followUp: FollowUp): Date {
    return followUp.createdAt;
  }
}
