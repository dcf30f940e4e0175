import type { EntityManager } from '@mikro-orm/postgresql';
import { loadViewerFor } from '../auth/credential';
import { assertApiClientMayRead, canSeeInvitationEvent, canSubscribeToEvents, canViewMemberImport, canWatchInvitationEvents } from '../auth/policy';
import { passwordChangeRequired, Viewer } from '../auth/viewer';
import { badInput, forbidden, notFound, unauthenticated } from '../errors';
import type { GraphQLContext } from '../graphql/context';
import { createLoaders } from '../graphql/loaders';
import { parseGlobalId, rawId } from '../graphql/relay';
import type { User } from '../modules/accounts/user.entity';
import { MemberStatus } from '../modules/members/member.entity';
import { DeliveryStream } from './delivery-stream';
import type { Recipient } from './event-bus';
import { EventTopic, type ReceivedEvent } from './events';
import { OrgEventFeed, parseOrgCursor } from './org-event-feed';
import {
  ImportEventType,
  ImportProgressEvent,
  InvitationEvent,
  InvitationEventType,
  MemberEvent,
  MemberEventType,
  type InvitationEventFilter,
} from './realtime.types';
import { decodeSnapshotCursor, RecipientFeed, type PositionedEvent } from './recipient-feed';
import { markShareable } from './shared-execution';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Who started an import, and its key (the `importId` its events carry), for `importProgress` ("the importer or an
 * admin"); found by its record id (a global id's) or by its key. The imports module registers it; null: no such import
 * in the org. Until one is registered only OWNER and ADMIN may follow imports, by key.
 */
export type ImportOwnerLookup = (
  em: EntityManager,
  orgId: string,
  ref: { recordId: string } | { importKey: string },
) => Promise<{ startedByMemberId: string | null; importKey: string } | null>;

let importOwnerLookup: ImportOwnerLookup | null = null;

/** Registers how `importProgress` finds who started an import (call once, from the imports module's index.ts). */
export function setImportOwnerLookup(lookup: ImportOwnerLookup): void {
  importOwnerLookup = lookup;
}

const enumValues = new WeakMap<object, Set<string>>();

function isOneOf<T extends string>(values: Record<string, T>, value: string): value is T {
  let known = enumValues.get(values);
  if (!known) enumValues.set(values, (known = new Set(Object.values(values))));
  return known.has(value);
}

/**
 * The subscriber's viewer reduced to what delivery needs for the life of a subscription: ids, status and the
 * org, not the User and Member entities (with their EntityManager) it was loaded with. Each event re-reads the
 * grants anyway (`currentMemberViewer`).
 */
function slimMemberViewer(viewer: Viewer): Viewer {
  if (viewer.apiClient || !viewer.user || !viewer.member) return viewer;
  const { user, member } = viewer;
  const slimUser = { id: user.id, kind: user.kind, name: user.name, mustChangePassword: user.mustChangePassword } as unknown as User;
  const slimMember = { id: member.id, orgId: member.orgId, userId: member.userId, name: member.name, status: member.status } as unknown as NonNullable<Viewer['member']>;
  return new Viewer(slimUser, viewer.org, slimMember, viewer.grants);
}

function rawPayloadId(event: ReceivedEvent, key: string): string | null {
  const value = event.payload[key];
  return typeof value === 'string' && UUID.test(value) ? value : null;
}

/**
 * Re-reads the subscriber's access as it is now (membership, status, grants; batched with every other subscriber
 * this event reaches, and at least as fresh as the event) and puts the resulting viewer, a cleared EntityManager
 * and fresh loaders into the subscription's context, so the event's fields resolve with current rights and rows.
 * A subscriber no longer in the org, or disabled, loses the subscription.
 */
async function currentMemberViewer(ctx: GraphQLContext, subscribed: Viewer, event: ReceivedEvent): Promise<Viewer> {
  if (subscribed.apiClient) return currentApiClientViewer(ctx);
  const { user, org, member } = subscribed.requireMember();
  const access = await ctx.app.realtime.loaders.access(user.id, org.id, event.receivedAt);
  if (!access || access.memberId !== member.id) throw forbidden('You are no longer a member of this org');
  if (access.mustChangePassword) throw passwordChangeRequired();
  if (access.status !== MemberStatus.ACTIVE) throw forbidden('Your membership in this org is disabled');
  const viewer = new Viewer(user, org, member, access.grants);
  refreshContext(ctx, viewer);
  return viewer;
}

/**
 * An API client subscriber's access as it is now: its row read again (revoked, secret rotated, scopes narrowed) at
 * each event; without `events:subscribe` any more the subscription ends. Partners' subscriptions are few.
 */
async function currentApiClientViewer(ctx: GraphQLContext): Promise<Viewer> {
  const credential = ctx.credential;
  if (credential?.kind !== 'apiClient') throw unauthenticated();
  ctx.em.clear();
  const viewer = await loadViewerFor(ctx.em, credential);
  if (!viewer.apiClient) throw unauthenticated();
  if (!canSubscribeToEvents(viewer)) throw forbidden('No permission: subscriptions need the events:subscribe scope');
  refreshContext(ctx, viewer);
  return viewer;
}

function refreshContext(ctx: GraphQLContext, viewer: Viewer): void {
  ctx.viewer = viewer;
  const reset = lazyResets.get(ctx);
  if (reset) return reset();
  ctx.em.clear();
  useLazyLoaders(ctx);
}

const lazyResets = new WeakMap<GraphQLContext, () => void>();

/** Makes `ctx[key]` come from `create` on first read (and assignable as before); returns what forgets the value. */
function lazyProperty<K extends 'em' | 'loaders'>(ctx: GraphQLContext, key: K, create: () => GraphQLContext[K]): () => void {
  let value: GraphQLContext[K] | undefined;
  Object.defineProperty(ctx, key, {
    configurable: true,
    enumerable: true,
    get: () => (value ??= create()),
    set: (next: GraphQLContext[K]) => {
      value = next;
    },
  });
  return () => {
    value = undefined;
  };
}

const loadersOf = (ctx: GraphQLContext) => () => createLoaders(ctx.em, ctx.viewer.org?.id ?? null);

/**
 * Makes the context's EntityManager and request loaders lazy: forked (created) only when something reads them,
 * dropped at each event (`refreshContext`). A subscription lives long and is one of thousands; most of their events
 * need neither (their fields come from the process-wide delivery loaders).
 */
export function useLazyContext(ctx: GraphQLContext, fork: () => EntityManager): void {
  const forgetEm = lazyProperty(ctx, 'em', fork);
  const forgetLoaders = lazyProperty(ctx, 'loaders', loadersOf(ctx));
  lazyResets.set(ctx, () => {
    forgetEm();
    forgetLoaders();
  });
}

/**
 * Gives the context request loaders of its own, bound to its viewer's org, created only when a field asks for one:
 * most subscription payloads need none, and a subscription lives long and is one of thousands.
 */
export function useLazyLoaders(ctx: GraphQLContext): void {
  lazyProperty(ctx, 'loaders', loadersOf(ctx));
}

/** `memberEvents`: members joining, changing and leaving the viewer's org, for any active member. */
export async function subscribeMemberEvents(
  ctx: GraphQLContext,
  args: { types?: MemberEventType[] | null; after?: string | null },
): Promise<AsyncIterableIterator<MemberEvent>> {
  const subscribed = slimMemberViewer(ctx.viewer);
  ctx.viewer = subscribed;
  const orgId = subscribed.orgId;
  const types = args.types?.length ? new Set(args.types) : null;
  const feed = await OrgEventFeed.open(ctx.app.realtime, () => ctx.em, orgId, [EventTopic.MEMBER], parseOrgCursor(args.after));
  return new DeliveryStream(feed, async (event) => {
    const memberId = rawPayloadId(event, 'memberId');
    if (!isOneOf(MemberEventType, event.type) || (types && !types.has(event.type)) || !memberId) return null;
    const current = await currentMemberViewer(ctx, subscribed, event);
    if (current.apiClient) assertApiClientMayRead(current, ['MemberEvent', 'Member']);
    const root = Object.assign(new MemberEvent(), {
      id: event.id,
      type: event.type,
      occurredAt: new Date(event.createdAt),
      orgId,
      rawMemberId: memberId,
      receivedAt: event.receivedAt,
    });
    return markShareable(root, `${orgId}:${event.id}`);
  });
}

/**
 * `invitationEvents`: for viewers who may view invitations. Each event is checked against the viewer's rights at
 * delivery: a SUB_ADMIN (or scoped custom role) gets the events of its departments only; a viewer who lost the
 * right altogether gets FORBIDDEN and the subscription ends.
 */
export async function subscribeInvitationEvents(
  ctx: GraphQLContext,
  args: { filter?: InvitationEventFilter | null; after?: string | null },
): Promise<AsyncIterableIterator<InvitationEvent>> {
  const { viewer } = ctx;
  const subscribed = slimMemberViewer(viewer);
  ctx.viewer = subscribed;
  const orgId = viewer.orgId;
  if (!canWatchInvitationEvents(viewer)) throw forbidden('No permission: INVITATIONS VIEW requires an admin role or a role granting it');
  const types = args.filter?.types?.length ? new Set(args.filter.types) : null;
  let filterDepartmentId: string | null = null;
  if (args.filter?.departmentId != null) {
    filterDepartmentId = rawId(args.filter.departmentId, 'Department');
    if (!(await ctx.loaders.departmentById.load(filterDepartmentId))) throw notFound('Department');
  }
  const after = parseOrgCursor(args.after);
  const feed = await OrgEventFeed.open(ctx.app.realtime, () => ctx.em, orgId, [EventTopic.INVITATION], after);
  const loaders = ctx.app.realtime.loaders;

  return new DeliveryStream(feed, async (event) => {
    if (!isOneOf(InvitationEventType, event.type) || (types && !types.has(event.type))) return null;
    const [current, paths, filterPaths] = await Promise.all([
      currentMemberViewer(ctx, subscribed, event),
      loaders.pathsOf(orgId, event.departmentIds, event.receivedAt),
      filterDepartmentId ? loaders.pathsOf(orgId, [filterDepartmentId], event.receivedAt) : Promise.resolve(null),
    ]);
    if (!canWatchInvitationEvents(current)) throw forbidden('No permission: you may no longer view invitations');
    if (filterPaths && !paths.some((path) => filterPaths.some((filterPath) => path.startsWith(filterPath)))) return null;
    if (!canSeeInvitationEvent(current, paths)) return null;
    return markShareable(invitationEvent(event, event.id, 'org'), `${orgId}:${event.id}`);
  });
}

function invitationEvent(event: ReceivedEvent, id: string, audience: 'org' | 'recipient'): InvitationEvent {
  return Object.assign(new InvitationEvent(), {
    id,
    type: event.type as InvitationEventType,
    occurredAt: new Date(event.createdAt),
    orgId: event.orgId,
    invitationId: rawPayloadId(event, 'invitationId'),
    newMemberId: rawPayloadId(event, 'memberId'),
    audience,
    receivedAt: event.receivedAt,
  });
}

/** The phone and email a user has verified: what invitations are matched against. */
function verifiedRecipients(user: User): Recipient[] {
  const recipients: Recipient[] = [];
  if (user.phone && user.phoneVerifiedAt) recipients.push({ kind: 'phone', value: user.phone });
  if (user.email && user.emailVerifiedAt) recipients.push({ kind: 'email', value: user.email.toLowerCase() });
  return recipients;
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
export async function subscribeMyInvitations(ctx: GraphQLContext, args: { after?: string | null }): Promise<AsyncIterableIterator<InvitationEvent>> {
  const user = ctx.viewer.requireUser();
  const recipients = verifiedRecipients(user);
  if (recipients.length === 0) {
    throw badInput('Verify your phone number or email first: invitations reach you through them', 'phone');
  }
  const after = args.after == null ? null : decodeSnapshotCursor(args.after);
  const feed = await RecipientFeed.open(ctx.app.realtime, ctx.em, recipients, EventTopic.INVITATION, after);

  return new DeliveryStream(feed, async ({ event, cursor }: PositionedEvent) => {
    if (!isOneOf(InvitationEventType, event.type)) return null;
    const current = await ctx.app.realtime.loaders.user(user.id, event.receivedAt);
    if (!current) throw unauthenticated();
    if (!addressedTo(event, verifiedRecipients(current))) return null;
    refreshContext(ctx, ctx.viewer);
    return invitationEvent(event, cursor, 'recipient');
  });
}

/** `importProgress`: the progress events of one import, for the member who started it and for OWNER/ADMIN; ends after COMPLETED. */
export async function subscribeImportProgress(
  ctx: GraphQLContext,
  args: { importId: string; after?: string | null },
): Promise<AsyncIterableIterator<ImportProgressEvent>> {
  const { viewer } = ctx;
  const subscribed = slimMemberViewer(viewer);
  ctx.viewer = subscribed;
  const orgId = viewer.orgId;
  const recordId = parseGlobalId(args.importId)?.id ?? null;
  const givenKey = recordId === null && UUID.test(args.importId) ? args.importId.toLowerCase() : null;
  if (!recordId && !givenKey) throw notFound('Import');
  let startedByMemberId: string | null = null;
  // Events name the import by its key; a global id names the record, whose key the lookup tells (none: no events match).
  let importKey = givenKey;
  if (importOwnerLookup) {
    // An import not started yet (clients may subscribe with the importId they are about to upload with) can be
    // followed by admins only: its owner is not known before the upload creates it.
    const found = await importOwnerLookup(ctx.em, orgId, recordId ? { recordId } : { importKey: givenKey! });
    startedByMemberId = found?.startedByMemberId ?? null;
    importKey = found?.importKey ?? givenKey;
  }
  if (!canViewMemberImport(viewer, { createdByMemberId: startedByMemberId })) throw forbidden('No permission: only whoever started the import, or an admin, may follow it');
  const feed = await OrgEventFeed.open(ctx.app.realtime, () => ctx.em, orgId, [EventTopic.IMPORT], parseOrgCursor(args.after));

  return new DeliveryStream(
    feed,
    async (event) => {
      if (!isOneOf(ImportEventType, event.type) || importKey === null || event.payload.importId !== importKey) return null;
      const current = await currentMemberViewer(ctx, subscribed, event);
      if (!canViewMemberImport(current, { createdByMemberId: startedByMemberId })) throw forbidden('No permission: you may no longer follow this import');
      const count = (key: string) => (typeof event.payload[key] === 'number' ? (event.payload[key] as number) : 0);
      const root = Object.assign(new ImportProgressEvent(), {
        id: event.id,
        type: event.type,
        occurredAt: new Date(event.createdAt),
        importId: args.importId,
        processed: count('processed'),
        created: count('created'),
        skipped: count('skipped'),
        failed: count('failed'),
        total: typeof event.payload.total === 'number' ? event.payload.total : null,
      });
      return markShareable(root, `${orgId}:${event.id}:${args.importId}`);
    },
    (value) => value.type === ImportEventType.COMPLETED,
  );
}
