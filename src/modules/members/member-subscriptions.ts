import { Arg, Authorized, Ctx, Field, FieldResolver, ID, ObjectType, registerEnumType, Resolver, Root, Subscription } from 'type-graphql';
import { assertApiClientMayRead } from '../../auth/policy';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { toGlobalId } from '../../graphql/relay';
import { markShareable } from '../../graphql/shared-execution';
import { AFTER_EVENT, deliverAs, memberDelivery } from '../../graphql/subscriptions';
import { DeliveryStream } from '../../realtime/delivery-stream';
import { EventTopic, type ReceivedEvent } from '../../realtime/events';
import { OrgEventFeed, parseOrgCursor } from '../../realtime/org-event-feed';
import { memberDeliveries, payloadId } from './delivery-loaders';
import { memberEventTypeOf, MemberEventType } from './member-events';
import { Member } from './member.entity';

registerEnumType(MemberEventType, {
  name: 'MemberEventType',
  description: 'What happened to a member.',
  valuesConfig: {
    JOINED: { description: 'Joined the org (or was added).' },
    REMOVED: { description: 'Left or was removed.' },
    UPDATED: { description: 'Profile, status, departments or roles changed.' },
  },
});


@ObjectType({ description: 'A member joined, changed or left the org.' })
export class MemberEvent {
  @Field(() => ID, { description: 'The position of this event: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => MemberEventType, { description: 'What happened to the member.' })
  type!: MemberEventType;

  @Field(() => Date, { description: 'When it happened.' })
  occurredAt!: Date;

  orgId!: string;
  /** Raw id; exposed as a global id by `memberId`. */
  rawMemberId!: string;
  /** When this process got the event: entities are loaded no older than that. */
  receivedAt!: number;
}

const memberEventRoots = new WeakMap<ReceivedEvent, MemberEvent | null>();

/** What `memberEvents` shows of a MEMBER event (made once per event, shareable), or null for one it does not deliver. */
function memberEventRoot(event: ReceivedEvent): MemberEvent | null {
  let root = memberEventRoots.get(event);
  if (root !== undefined) return root;
  const memberId = payloadId(event, 'memberId');
  const type = memberEventTypeOf(event.type, event.payload);
  root =
    type && memberId
      ? markShareable(
          Object.assign(new MemberEvent(), { id: event.id, type, occurredAt: new Date(event.createdAt), orgId: event.orgId, rawMemberId: memberId, receivedAt: event.receivedAt }),
          `${event.orgId}:${event.id}`,
        )
      : null;
  memberEventRoots.set(event, root);
  return root;
}

/** `memberEvents`: members joining, changing and leaving the viewer's org, for any active member. */
async function subscribeMemberEvents(
  ctx: GraphQLContext,
  args: { types?: MemberEventType[] | null; after?: string | null },
): Promise<AsyncIterableIterator<MemberEvent>> {
  const { app, viewer: subscribed, credential } = ctx;
  const orgId = subscribed.orgId;
  const types = args.types?.length ? new Set(args.types) : null;
  const feed = await OrgEventFeed.open(app.realtime, () => ctx.em, orgId, [EventTopic.MEMBER], parseOrgCursor(args.after));
  // The type filter before the re-check; the re-check batched with every subscriber of the event (`memberDelivery`).
  const { deliver, batch } = memberDelivery(
    app,
    subscribed,
    credential,
    (event: ReceivedEvent) => {
      const root = memberEventRoot(event);
      return root !== null && (!types || types.has(root.type));
    },
    (event, current) => {
      if (current.apiClient) assertApiClientMayRead(current, ['MemberEvent', 'Member']);
      // The event's fields are the same for every subscriber: each gets an object of its own (marked with its viewer)
      // inheriting them from one made per event.
      return deliverAs(Object.create(memberEventRoot(event)!) as MemberEvent, current);
    },
  );
  return new DeliveryStream(feed, deliver, undefined, batch);
}

@Resolver()
export class MemberSubscriptionsResolver {
  @Authorized(Access.MEMBER)
  @Subscription(() => MemberEvent, {
    description: 'Members of the current org joining, changing and leaving. For any active member.',
    subscribe: ({ args, context }) => subscribeMemberEvents(context, args),
  })
  memberEvents(
    @Root() event: MemberEvent,
    @Arg('types', () => [MemberEventType], { nullable: true, description: 'Only these kinds of event.' }) _types: MemberEventType[] | null,
    @Arg('after', () => String, { nullable: true, description: AFTER_EVENT }) _after: string | null,
  ): MemberEvent {
    return event;
  }
}

@Resolver(() => MemberEvent)
export class MemberEventFieldsResolver {
  @FieldResolver(() => Member, { nullable: true, description: 'The member as it is now; null after REMOVED.' })
  member(@Root() event: MemberEvent, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    if (event.type === MemberEventType.REMOVED) return null;
    return memberDeliveries(ctx.app).member(event.orgId, event.rawMemberId, event.receivedAt);
  }

  @FieldResolver(() => ID, { description: 'The global id of the member, also after REMOVED.' })
  memberId(@Root() event: MemberEvent): string {
    return toGlobalId('Member', event.rawMemberId);
  }
}
