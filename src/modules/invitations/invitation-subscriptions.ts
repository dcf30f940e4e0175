import { Arg, Authorized, Ctx, Field, FieldResolver, ID, InputType, ObjectType, Resolver, Root, Subscription } from 'type-graphql';
import { canSeeInvitationEvent, canWatchInvitationEvents } from '../../auth/policy';
import { badInput, forbidden, notFound, unauthenticated, errorMessage } from '../../errors';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { rawId } from '../../graphql/relay';
import { markShareable } from '../../graphql/shared-execution';
import { AFTER_EVENT, currentMemberViewer, deliverAs, isOneOf } from '../../graphql/subscriptions';
import { DeliveryStream } from '../../realtime/delivery-stream';
import { verifiedRecipients, type Recipient } from '../../realtime/event-bus';
import { EventTopic, type ReceivedEvent } from '../../realtime/events';
import { OrgEventFeed, parseOrgCursor } from '../../realtime/org-event-feed';
import { decodeSnapshotCursor, RecipientFeed, type PositionedEvent } from '../../realtime/recipient-feed';
import { memberDeliveries, payloadId } from '../members/delivery-loaders';
import { Member } from '../members/member.entity';
import { deliveredInvitation } from './invitation-deliveries';
import { InvitationEventType } from './invitation-events';
import { Invitation } from './invitation.entity';


@InputType({ description: 'Narrows invitationEvents; all given conditions must hold.' })
export class InvitationEventFilter {
  @Field(() => ID, { nullable: true, description: 'Only invitations into this department or one of its sub-departments.' })
  departmentId?: string | null;

  @Field(() => [InvitationEventType], { nullable: true, description: 'Only these kinds of event.' })
  types?: InvitationEventType[] | null;
}

@ObjectType({ description: 'Something happened to an invitation.' })
export class InvitationEvent {
  @Field(() => ID, { description: 'The position of this event: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => InvitationEventType, { description: 'What happened to the invitation.' })
  type!: InvitationEventType;

  @Field(() => Date, { description: 'When it happened.' })
  occurredAt!: Date;

  orgId!: string;
  invitationId!: string | null;
  newMemberId!: string | null;
  /** `org`: someone of the org watching; `recipient`: the invitee, who may be a member elsewhere or nowhere. */
  audience!: 'org' | 'recipient';
  /** When this process got the event: entities are loaded no older than that. */
  receivedAt!: number;
}

function invitationEventOf(event: ReceivedEvent, id: string, audience: 'org' | 'recipient'): InvitationEvent {
  return Object.assign(new InvitationEvent(), {
    id,
    type: event.type as InvitationEventType,
    occurredAt: new Date(event.createdAt),
    orgId: event.orgId,
    invitationId: payloadId(event, 'invitationId'),
    newMemberId: payloadId(event, 'memberId'),
    audience,
    receivedAt: event.receivedAt,
  });
}

/**
 * `invitationEvents`: for viewers who may view invitations. Each event is checked against the viewer's rights at
 * delivery: a SUB_ADMIN (or scoped custom role) gets the events of its departments only; a viewer who lost the
 * right altogether gets FORBIDDEN and the subscription ends.
 */
async function subscribeInvitationEvents(
  ctx: GraphQLContext,
  args: { filter?: InvitationEventFilter | null; after?: string | null },
): Promise<AsyncIterableIterator<InvitationEvent>> {
  const { app, viewer: subscribed, credential } = ctx;
  const orgId = subscribed.orgId;
  if (!canWatchInvitationEvents(subscribed)) throw forbidden(errorMessage('permissionRequired', { module: 'INVITATIONS', action: 'VIEW' }));
  const types = args.filter?.types?.length ? new Set(args.filter.types) : null;
  let filterDepartmentId: string | null = null;
  if (args.filter?.departmentId != null) {
    filterDepartmentId = rawId(args.filter.departmentId, 'Department');
    if (!(await ctx.loaders.departmentById.load(filterDepartmentId))) throw notFound('Department');
  }
  const feed = await OrgEventFeed.open(app.realtime, () => ctx.em, orgId, [EventTopic.INVITATION], parseOrgCursor(args.after));
  const deliveries = memberDeliveries(app);

  return new DeliveryStream(feed, async (event) => {
    if (!isOneOf(InvitationEventType, event.type) || (types && !types.has(event.type))) return null;
    const [current, paths, filterPaths] = await Promise.all([
      currentMemberViewer(app, subscribed, credential, event),
      deliveries.pathsOf(orgId, event.departmentIds, event.receivedAt),
      filterDepartmentId ? deliveries.pathsOf(orgId, [filterDepartmentId], event.receivedAt) : Promise.resolve(null),
    ]);
    if (!canWatchInvitationEvents(current)) throw forbidden(errorMessage('noLongerViewInvitations'));
    if (filterPaths && !paths.some((path) => filterPaths.some((filterPath) => path.startsWith(filterPath)))) return null;
    if (!canSeeInvitationEvent(current, paths)) return null;
    return deliverAs(markShareable(invitationEventOf(event, event.id, 'org'), `${orgId}:${event.id}`), current);
  });
}

function addressedTo(event: ReceivedEvent, recipients: Recipient[]): boolean {
  return recipients.some((recipient) =>
    recipient.kind === 'phone' ? event.recipientPhone === recipient.value : event.recipientEmail?.toLowerCase() === recipient.value,
  );
}

/**
 * `myInvitations`: invitation events addressed to the signed-in user's verified phone or email, from any org.
 * The recipients are fixed when subscribing (subscribe again after verifying another number); each event is
 * checked against what the user has verified at delivery.
 */
async function subscribeMyInvitations(ctx: GraphQLContext, args: { after?: string | null }): Promise<AsyncIterableIterator<InvitationEvent>> {
  const { app, viewer } = ctx;
  const user = viewer.requireUser();
  const recipients = verifiedRecipients(user);
  if (recipients.length === 0) {
    throw badInput(errorMessage('verifyContactFirst'), 'phone');
  }
  const after = args.after == null ? null : decodeSnapshotCursor(args.after);
  const feed = await RecipientFeed.open(app.realtime, ctx.em, recipients, EventTopic.INVITATION, after);

  return new DeliveryStream(feed, async ({ event, cursor }: PositionedEvent) => {
    if (!isOneOf(InvitationEventType, event.type)) return null;
    const current = await app.subscribers.user(user.id, event.receivedAt);
    if (!current) throw unauthenticated();
    if (!addressedTo(event, verifiedRecipients(current))) return null;
    return invitationEventOf(event, cursor, 'recipient');
  });
}

@Resolver()
export class InvitationSubscriptionsResolver {
  @Authorized(Access.MEMBER)
  @Subscription(() => InvitationEvent, {
    description:
      'Invitations of the current org being sent, accepted, declined, expired, revoked or failing. For OWNER, ADMIN, SUB_ADMIN ' +
      '(its departments only) and roles granting INVITATIONS VIEW (within their scope); rights are re-checked at every event.',
    subscribe: ({ args, context }) => subscribeInvitationEvents(context, args),
  })
  invitationEvents(
    @Root() event: InvitationEvent,
    @Arg('filter', () => InvitationEventFilter, { nullable: true, description: 'Narrows the events; all of them when omitted.' }) _filter: InvitationEventFilter | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_EVENT }) _after: string | null,
  ): InvitationEvent {
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
    @Arg('after', () => String, { nullable: true, description: AFTER_EVENT }) _after: string | null,
  ): InvitationEvent {
    return event;
  }
}

@Resolver(() => InvitationEvent)
export class InvitationEventFieldsResolver {
  @FieldResolver(() => Invitation, { nullable: true, description: 'The invitation as it is now; null once deleted.' })
  invitation(@Root() event: InvitationEvent, @Ctx() ctx: GraphQLContext): Promise<Invitation | null> | null {
    return event.invitationId ? deliveredInvitation(ctx.app, event.orgId, event.invitationId, event.receivedAt) : null;
  }

  @FieldResolver(() => Member, {
    nullable: true,
    description: 'On ACCEPTED, the new member. In myInvitations, only your own membership.',
  })
  async member(@Root() event: InvitationEvent, @Ctx() ctx: GraphQLContext): Promise<Member | null> {
    if (!event.newMemberId) return null;
    const member = await memberDeliveries(ctx.app).member(event.orgId, event.newMemberId, event.receivedAt);
    if (event.audience === 'recipient' && member?.userId !== ctx.viewer.user?.id) return null;
    return member;
  }
}
