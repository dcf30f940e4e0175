import type { EntityManager } from '@mikro-orm/postgresql';
import { canSeeInvitationEvent, canWatchImport, canWatchInvitationEvents } from '../auth/policy';
import { passwordChangeRequired, type Viewer } from '../auth/viewer';
import { badInput, forbidden, notFound, unauthenticated } from '../errors';
import type { GraphQLContext } from '../graphql/context';
import { createLoaders } from '../graphql/loaders';
import { parseGlobalId, rawId } from '../graphql/relay';
import type { User } from '../modules/accounts/user.entity';
import { MemberStatus } from '../modules/members/member.entity';
import { DeliveryStream } from './delivery-stream';
import type { Recipient } from './event-bus';
import { EventTopic, type OrgEvent } from './events';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Who started an import, for `importProgress` ("the importer or an admin"). The imports module registers it;
 * null: no such import in the org. Until one is registered only OWNER and ADMIN may follow imports.
 */
export type ImportOwnerLookup = (em: EntityManager, orgId: string, importId: string) => Promise<{ startedByMemberId: string | null } | null>;

let importOwnerLookup: ImportOwnerLookup | null = null;

/** Registers how `importProgress` finds who started an import (call once, from the imports module's index.ts). */
export function setImportOwnerLookup(lookup: ImportOwnerLookup): void {
  importOwnerLookup = lookup;
}

function isOneOf<T extends string>(values: Record<string, T>, value: string): value is T {
  return (Object.values(values) as string[]).includes(value);
}

function rawPayloadId(event: OrgEvent, key: string): string | null {
  const value = event.payload[key];
  return typeof value === 'string' && UUID.test(value) ? value : null;
}

/**
 * Re-reads the subscriber as they are now (batched with every other subscriber this event reaches) and puts the
 * fresh viewer, a cleared EntityManager and new loaders into the subscription's context, so the event's fields
 * resolve with current rights and rows. A subscriber no longer in the org, or disabled, loses the subscription.
 */
async function currentMemberViewer(ctx: GraphQLContext, orgId: string): Promise<Viewer> {
  const user = ctx.viewer.requireUser();
  const viewer = await ctx.app.realtime.loaders.viewer(user.id, orgId);
  if (!viewer.user) throw unauthenticated();
  if (viewer.user.mustChangePassword) throw passwordChangeRequired();
  if (!viewer.member) throw forbidden('You are no longer a member of this org');
  if (viewer.member.status !== MemberStatus.ACTIVE) throw forbidden('Your membership in this org is disabled');
  refreshContext(ctx, viewer);
  return viewer;
}

function refreshContext(ctx: GraphQLContext, viewer: Viewer): void {
  ctx.viewer = viewer;
  ctx.em.clear();
  ctx.loaders = createLoaders(ctx.em, viewer.org?.id ?? null);
}

/** `memberEvents`: members joining, changing and leaving the viewer's org, for any active member. */
export async function subscribeMemberEvents(
  ctx: GraphQLContext,
  args: { types?: MemberEventType[] | null; after?: string | null },
): Promise<AsyncIterableIterator<MemberEvent>> {
  const orgId = ctx.viewer.orgId;
  const types = args.types?.length ? new Set(args.types) : null;
  const feed = await OrgEventFeed.open(ctx.app.realtime, ctx.em, orgId, [EventTopic.MEMBER], parseOrgCursor(args.after));
  return new DeliveryStream(feed, async (event) => {
    const memberId = rawPayloadId(event, 'memberId');
    if (!isOneOf(MemberEventType, event.type) || (types && !types.has(event.type)) || !memberId) return null;
    await currentMemberViewer(ctx, orgId);
    return Object.assign(new MemberEvent(), { id: event.id, type: event.type, occurredAt: new Date(event.createdAt), orgId, rawMemberId: memberId });
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
  const orgId = viewer.orgId;
  if (!canWatchInvitationEvents(viewer)) throw forbidden('No permission: INVITATIONS VIEW requires an admin role or a role granting it');
  const types = args.filter?.types?.length ? new Set(args.filter.types) : null;
  let filterDepartmentId: string | null = null;
  if (args.filter?.departmentId != null) {
    filterDepartmentId = rawId(args.filter.departmentId, 'Department');
    if (!(await ctx.loaders.departmentById.load(filterDepartmentId))) throw notFound('Department');
  }
  const after = parseOrgCursor(args.after);
  const feed = await OrgEventFeed.open(ctx.app.realtime, ctx.em, orgId, [EventTopic.INVITATION], after);
  const loaders = ctx.app.realtime.loaders;

  return new DeliveryStream(feed, async (event) => {
    if (!isOneOf(InvitationEventType, event.type) || (types && !types.has(event.type))) return null;
    const [current, paths, filterPaths] = await Promise.all([
      currentMemberViewer(ctx, orgId),
      loaders.pathsOf(orgId, event.departmentIds),
      filterDepartmentId ? loaders.pathsOf(orgId, [filterDepartmentId]) : Promise.resolve(null),
    ]);
    if (!canWatchInvitationEvents(current)) throw forbidden('No permission: you may no longer view invitations');
    if (filterPaths && !paths.some((path) => filterPaths.some((filterPath) => path.startsWith(filterPath)))) return null;
    if (!canSeeInvitationEvent(current, paths)) return null;
    return invitationEvent(event, event.id, 'org');
  });
}

function invitationEvent(event: OrgEvent, id: string, audience: 'org' | 'recipient'): InvitationEvent {
  return Object.assign(new InvitationEvent(), {
    id,
    type: event.type as InvitationEventType,
    occurredAt: new Date(event.createdAt),
    orgId: event.orgId,
    invitationId: rawPayloadId(event, 'invitationId'),
    newMemberId: rawPayloadId(event, 'memberId'),
    audience,
  });
}

/** The phone and email a user has verified: what invitations are matched against. */
function verifiedRecipients(user: User): Recipient[] {
  const recipients: Recipient[] = [];
  if (user.phone && user.phoneVerifiedAt) recipients.push({ kind: 'phone', value: user.phone });
  if (user.email && user.emailVerifiedAt) recipients.push({ kind: 'email', value: user.email.toLowerCase() });
  return recipients;
}

function addressedTo(event: OrgEvent, recipients: Recipient[]): boolean {
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
    const current = await ctx.app.realtime.loaders.user(user.id);
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
  const orgId = viewer.orgId;
  const importId = parseGlobalId(args.importId)?.id ?? (UUID.test(args.importId) ? args.importId : null);
  if (!importId) throw notFound('Import');
  let startedByMemberId: string | null = null;
  if (importOwnerLookup) {
    const found = await importOwnerLookup(ctx.em, orgId, importId);
    if (!found) throw notFound('Import');
    startedByMemberId = found.startedByMemberId;
  }
  if (!canWatchImport(viewer, startedByMemberId)) throw forbidden('No permission: only whoever started the import, or an admin, may follow it');
  const feed = await OrgEventFeed.open(ctx.app.realtime, ctx.em, orgId, [EventTopic.IMPORT], parseOrgCursor(args.after));

  return new DeliveryStream(
    feed,
    async (event) => {
      if (!isOneOf(ImportEventType, event.type) || event.payload.importId !== importId) return null;
      const current = await currentMemberViewer(ctx, orgId);
      if (!canWatchImport(current, startedByMemberId)) throw forbidden('No permission: you may no longer follow this import');
      const count = (key: string) => (typeof event.payload[key] === 'number' ? (event.payload[key] as number) : 0);
      return Object.assign(new ImportProgressEvent(), {
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
    },
    (value) => value.type === ImportEventType.COMPLETED,
  );
}
