import { JSONObjectResolver } from 'graphql-scalars';
import { Arg, Authorized, Ctx, Field, ID, Int, ObjectType, Query, Resolver, Root, Subscription } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { AFTER_EVENT, currentMemberViewer, deliverAs } from '../../graphql/subscriptions';
import { DeliveryStream } from '../../realtime/delivery-stream';
import { OrgEventFeed, parseOrgCursor } from '../../realtime/org-event-feed';
import { currentSyncCursor, MIRRORED_TOPICS, ORG_CHANGES_PAGE_MAX, readOrgChanges, receivableChanges, type ReceivedChange } from './changes.service';
import { changeViewOf } from './change-view';
import { OrgEventType } from './org-event-type';

@ObjectType({ description: 'One change of the org, as its event log holds it: what changed, never the values of sensitive fields.' })
export class OrgChange {
  @Field(() => ID, { description: 'The position of this change in the org event log: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => OrgEventType, { description: 'What happened.' })
  type!: OrgEventType;

  @Field(() => Date, { description: 'When the change was committed.' })
  occurredAt!: Date;

  @Field(() => String, { description: 'The GraphQL type of the changed object, e.g. `Department`, `Member`, `Contact`.' })
  objectType!: string;

  @Field(() => ID, { description: 'The global id of the changed object (also after it was deleted): read it with `node(id)`.' })
  objectId!: string;

  @Field(() => String, { description: 'The raw id (a uuid) of the changed object, for systems keyed by it.' })
  rawObjectId!: string;

  @Field(() => [String], { description: 'The names of the fields that changed (for UPDATED and similar types); empty when the type says it all.' })
  changedFields!: string[];

  @Field(() => [ID], { description: 'Global ids of the departments the change concerns (a member\'s departments, a moved department\'s old and new parent); empty for org-wide objects.' })
  departmentIds!: string[];

  @Field(() => JSONObjectResolver, {
    description: 'Non-sensitive facts about the change, by type: related objects as global ids (`parentId`, `roleId`, `memberId`, `fromOwnerId`...), positions, statuses. See docs/partners-changes.md.',
  })
  details!: Record<string, unknown>;
}

@ObjectType({ description: 'A page of the changes feed.' })
export class OrgChangesPage {
  @Field(() => [OrgChange], { description: 'The changes of this page, in log order: those you may receive, of the types asked for.' })
  changes!: OrgChange[];

  @Field(() => String, { description: 'Pass as `after` for the next page. It covers every event read, also those left out, so it may move on while `changes` is empty.' })
  endCursor!: string;

  @Field(() => Boolean, { description: 'True when more changes follow already: read the next page at once rather than waiting.' })
  hasMore!: boolean;
}

function toOrgChange({ event }: ReceivedChange): OrgChange {
  const view = changeViewOf(event)!; // a received change has a type and a payload
  return Object.assign(new OrgChange(), { ...view, occurredAt: new Date(view.occurredAt) });
}

/** `orgEvents`: the changes of the viewer's org live (after a replay from `after`), each judged for the subscriber as it is at that event. */
async function subscribeOrgEvents(ctx: GraphQLContext, args: { types?: OrgEventType[] | null; after?: string | null }): Promise<AsyncIterableIterator<OrgChange>> {
  const { app, viewer: subscribed, credential } = ctx;
  const orgId = subscribed.requireOrg().id;
  const types = args.types?.length ? new Set(args.types) : null;
  // Refuse at once what the subscription would refuse at its first event (an API client without events:subscribe).
  await currentMemberViewer(app, subscribed, credential, { receivedAt: performance.now() });
  const feed = await OrgEventFeed.open(app.realtime, () => ctx.em, orgId, MIRRORED_TOPICS, parseOrgCursor(args.after));
  return new DeliveryStream(feed, async (event) => {
    const current = await currentMemberViewer(app, subscribed, credential, event);
    const em = app.orm.em.fork();
    const [received] = await receivableChanges({ viewer: current, em, loaders: ctx.createLoaders(em, orgId) }, app.contributions, [event], types);
    return received ? deliverAs(toOrgChange(received), current) : null;
  });
}

@Resolver()
export class ChangesResolver {
  @Authorized(Access.MEMBER)
  @Query(() => OrgChangesPage, {
    description:
      'The changes feed: a page of the org\'s changes after `after`, in log order, each once. Poll it with the `endCursor` of the last page; ' +
      'start from `syncCursor` taken before reading the directory. You get the changes you may see: a sub-admin those of its departments, an ' +
      'API client those its scopes read, a private contact\'s only if you see the contact.',
  })
  orgChanges(
    @Arg('first', () => Int, { description: `How many events to read, 1 to ${ORG_CHANGES_PAGE_MAX}.` }) first: number,
    @Arg('after', () => String, { nullable: true, description: 'The `endCursor` of the previous page (or `syncCursor`, or the `id` of the last change handled). Omit to read from the start of the log.' })
    after: string | null,
    @Arg('types', () => [OrgEventType], { nullable: true, description: 'Only changes of these types; all types when omitted.' }) types: OrgEventType[] | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OrgChangesPage> {
    return readOrgChanges(ctx, ctx.app.contributions, { after, first, types }).then((page) =>
      Object.assign(new OrgChangesPage(), { changes: page.changes.map(toOrgChange), endCursor: page.endCursor, hasMore: page.hasMore }),
    );
  }

  @Authorized(Access.MEMBER)
  @Query(() => String, {
    description:
      'Where the changes feed stands now. Take it BEFORE reading the directory (departments, members, contacts...) and then follow `orgChanges` ' +
      '(or `orgEvents`) from it: nothing changed between the read and the feed is lost (a change may come twice; apply changes idempotently).',
  })
  syncCursor(@Ctx() ctx: GraphQLContext): Promise<string> {
    return currentSyncCursor(ctx.em, ctx.viewer.requireOrg().id);
  }

  @Authorized(Access.MEMBER)
  @Subscription(() => OrgChange, {
    description:
      'The org\'s changes as they commit, the same as `orgChanges` carries: departments, members, roles and grants, org settings, invitations, ' +
      'contacts, tags, contact groups, external groups. API clients need `events:subscribe` and the read scope of each kind of object.',
    subscribe: ({ args, context }) => subscribeOrgEvents(context, args),
  })
  orgEvents(
    @Root() change: OrgChange,
    @Arg('after', () => String, { nullable: true, description: AFTER_EVENT }) _after: string | null,
    @Arg('types', () => [OrgEventType], { nullable: true, description: 'Only changes of these types; all types when omitted.' }) _types: OrgEventType[] | null,
  ): OrgChange {
    return change;
  }
}
