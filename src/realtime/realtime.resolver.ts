import { Arg, Authorized, Ctx, FieldResolver, ID, Resolver, Root, Subscription } from 'type-graphql';
import { Access } from '../graphql/auth-checker';
import type { GraphQLContext } from '../graphql/context';
import { toGlobalId } from '../graphql/relay';
import { Invitation } from '../modules/invitations/invitation.entity';
import { Member } from '../modules/members/member.entity';
import {
  subscribeImportProgress,
  subscribeInvitationEvents,
  subscribeMemberEvents,
  subscribeMyInvitations,
} from './realtime.service';
import {
  ImportProgressEvent,
  InvitationEvent,
  InvitationEventFilter,
  MemberEvent,
  MemberEventType,
} from './realtime.types';

const AFTER = 'The `id` of the last event received: the events after it are replayed first, then live ones follow. Omit to start from now.';

@Resolver()
export class RealtimeSubscriptionResolver {
  @Authorized(Access.MEMBER)
  @Subscription(() => InvitationEvent, {
    description:
      'Invitations of the current org being sent, accepted, declined, expired, revoked or failing. For OWNER, ADMIN, SUB_ADMIN ' +
      '(its departments only) and roles granting INVITATIONS VIEW (within their scope); rights are re-checked at every event.',
    subscribe: ({ args, context }) => subscribeInvitationEvents(context, args),
  })
  invitationEvents(
    @Root() event: InvitationEvent,
    @Arg('filter', () => InvitationEventFilter, { nullable: true }) _filter: InvitationEventFilter | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): InvitationEvent {
    return event;
  }

  @Authorized(Access.MEMBER)
  @Subscription(() => MemberEvent, {
    description: 'Members of the current org joining, changing and leaving. For any active member.',
    subscribe: ({ args, context }) => subscribeMemberEvents(context, args),
  })
  memberEvents(
    @Root() event: MemberEvent,
    @Arg('types', () => [MemberEventType], { nullable: true, description: 'Only these kinds of event.' }) _types: MemberEventType[] | null,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): MemberEvent {
    return event;
  }

  @Authorized(Access.USER)
  @Subscription(() => InvitationEvent, {
    description:
      "Invitations addressed to the signed-in user's verified phone number or email, from any org. The `id` of each event " +
      'is an opaque cursor covering every org.',
    subscribe: ({ args, context }) => subscribeMyInvitations(context, args),
  })
  myInvitations(
    @Root() event: InvitationEvent,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): InvitationEvent {
    return event;
  }

  @Authorized(Access.MEMBER)
  @Subscription(() => ImportProgressEvent, {
    description: 'Progress of a bulk import, for whoever started it and for OWNER and ADMIN. Completes after the COMPLETED event.',
    subscribe: ({ args, context }) => subscribeImportProgress(context, args),
  })
  importProgress(
    @Root() event: ImportProgressEvent,
    @Arg('importId', () => ID) _importId: string,
    @Arg('after', () => String, { nullable: true, description: AFTER }) _after: string | null,
  ): ImportProgressEvent {
    return event;
  }
}

@Resolver(() => InvitationEvent)
export class InvitationEventFieldsResolver {
  @FieldResolver(() => Invitation, { nullable: true, description: 'The invitation as it is now; null once deleted.' })
  invitation(@Root() event: InvitationEvent, @Ctx() ctx: GraphQLContext): Promise<Invitation | null> | null {
    return event.invitationId ? ctx.app.realtime.loaders.invitation(event.orgId, event.invitationId, event.receivedAt) : null;
  }

  @FieldResolver(() => Member, {
    nullable: true,
    description: 'On ACCEPTED, the new member. In myInvitations, only your own membership.',
  })
  async member(@Root() event: InvitationEvent, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    if (!event.newMemberId) return null;
    const member = await ctx.app.realtime.loaders.member(event.orgId, event.newMemberId, event.receivedAt);
    if (event.audience === 'recipient' && member?.userId !== ctx.viewer.user?.id) return null;
    return member;
  }
}

@Resolver(() => MemberEvent)
export class MemberEventFieldsResolver {
  @FieldResolver(() => Member, { nullable: true, description: 'The member as it is now; null after REMOVED.' })
  member(@Root() event: MemberEvent, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    if (event.type === MemberEventType.REMOVED) return null;
    return ctx.app.realtime.loaders.member(event.orgId, event.rawMemberId, event.receivedAt);
  }

  @FieldResolver(() => ID, { description: 'The global id of the member, also after REMOVED.' })
  memberId(@Root() event: MemberEvent): string {
    return toGlobalId('Member', event.rawMemberId);
  }
}
