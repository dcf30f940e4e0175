import type { Logger } from 'pino';
import type { AppServices } from '../app';
import type { Credential } from '../auth/jwt';
import type { SubscriberAccess } from '../auth/subscribers';
import type { AccessCheck, BatchDelivery } from '../realtime/delivery-stream';
import { canSubscribeToEvents } from '../auth/policy';
import { passwordChangeRequired, Viewer } from '../auth/viewer';
import { MemberStatus } from '../auth/vocabulary';
import { errorMessage, forbidden, unauthenticated } from '../errors';
import type { ReceivedEvent } from '../realtime/events';
import { resolveAs, type GraphQLContext } from './context';
import type { CreateLoaders } from './loaders';

/*
 * What every subscription resolver shares (the modules own theirs: invitationEvents, memberEvents, importProgress,
 * notificationReceived). A subscription keeps the context it was opened with; each event it delivers is executed
 * in a context of its own, made for the viewer as re-checked at that event (`deliverAs`), so nothing rewrites a
 * context and an event's fields never see an older viewer, EntityManager or loaders.
 */

/** Marks an event's root with the viewer it is delivered to, as re-checked at this event (see `resolveAs`). */
export const deliverAs = resolveAs;

/** What a subscription's or an event's context is made from. */
export interface ContextBase {
  app: AppServices;
  requestId: string;
  clientAddress: string | null;
  credential: Credential | null;
  createLoaders: CreateLoaders;
  /** The socket's `Accept-Language` (connection parameter or upgrade request header). */
  acceptLanguage?: string | null;
}

/**
 * A context for `viewer` whose EntityManager, request loaders and logger are made only when something reads them:
 * a subscription lives long and is one of thousands, and most of their events need none of them (their fields come
 * from the process-wide delivery loaders). A class, so the getters live once on its prototype rather than as three
 * closures per context.
 */
class LazyContext implements GraphQLContext {
  readonly app: AppServices;
  readonly requestId: string;
  readonly clientAddress: string | null;
  readonly credential: Credential | null;
  readonly createLoaders: CreateLoaders;
  readonly acceptLanguage: string | null;
  private madeEm: GraphQLContext['em'] | undefined;
  private madeLoaders: GraphQLContext['loaders'] | undefined;
  private madeLogger: Logger | undefined;

  constructor(base: ContextBase, readonly viewer: Viewer) {
    this.app = base.app;
    this.requestId = base.requestId;
    this.clientAddress = base.clientAddress;
    this.credential = base.credential;
    this.createLoaders = base.createLoaders;
    this.acceptLanguage = base.acceptLanguage ?? null;
  }

  get em(): GraphQLContext['em'] {
    return (this.madeEm ??= this.app.orm.em.fork());
  }

  get loaders(): GraphQLContext['loaders'] {
    return (this.madeLoaders ??= this.createLoaders(this.em, this.viewer.org?.id ?? null));
  }

  get logger(): Logger {
    return (this.madeLogger ??= this.app.logger.child({ requestId: this.requestId }));
  }
}

/** A context for `viewer` that makes its EntityManager, loaders and logger only when read (see `LazyContext`). */
export function lazyContext(base: ContextBase, viewer: Viewer): GraphQLContext {
  return new LazyContext(base, viewer);
}

/**
 * The subscriber's access as it is now (membership, status, grants; batched with every other subscriber this event
 * reaches, and at least as fresh as the event): the viewer to deliver the event to. A subscriber no longer in the
 * org, or disabled, loses the subscription.
 */
export async function currentMemberViewer(
  app: AppServices,
  subscribed: Viewer,
  credential: Credential | null | undefined,
  event: Pick<ReceivedEvent, 'receivedAt'>,
): Promise<Viewer> {
  if (subscribed.apiClient) return currentApiClientViewer(app, credential);
  const { user, org } = subscribed.requireMember();
  return memberViewerWith(subscribed, await app.subscribers.access(user.id, org.id, event.receivedAt));
}

/** The subscriber `subscribed` (a member) with its access as re-checked (`access`); throws as `currentMemberViewer`. */
export function memberViewerWith(subscribed: Viewer, access: SubscriberAccess | null): Viewer {
  const { user, org, member } = subscribed.requireMember();
  if (!access || access.memberId !== member.id) throw forbidden(errorMessage('noLongerMember'));
  if (access.mustChangePassword) throw passwordChangeRequired();
  if (access.status !== MemberStatus.ACTIVE) throw forbidden(errorMessage('membershipDisabled'));
  return new Viewer(user, org, member, access.grants);
}

/**
 * A member subscriber's delivery as both forms a `DeliveryStream` takes: `deliver` (async, one event at a time: a
 * replay, a feed catching up) and, for a member (not an API client), a `BatchDelivery` whose access re-check is
 * made for every subscriber an event reaches at once (`graphql/shared-execution.ts`). `wants` skips an event
 * before its re-check (a type filter); `build` makes the value for the viewer as re-checked, or null to skip.
 */
export function memberDelivery<E extends Pick<ReceivedEvent, 'receivedAt'>, T>(
  app: AppServices,
  subscribed: Viewer,
  credential: Credential | null | undefined,
  wants: (event: E) => boolean,
  build: (event: E, current: Viewer) => T | null,
): { deliver: (event: E) => Promise<T | null>; batch: BatchDelivery<E, T> | undefined } {
  const deliver = async (event: E): Promise<T | null> => (wants(event) ? build(event, await currentMemberViewer(app, subscribed, credential, event)) : null);
  if (subscribed.apiClient || !subscribed.member || !subscribed.org || !subscribed.user) return { deliver, batch: undefined };
  const check: AccessCheck = { directory: app.subscribers, orgId: subscribed.org.id, userId: subscribed.user.id };
  // The viewer of the previous event while the re-check answers the same grants (one parsed array per distinct value).
  let last: { access: SubscriberAccess; viewer: Viewer } | null = null;
  const viewerWith = (access: SubscriberAccess | null): Viewer => {
    if (last && access && last.access.grants === access.grants && last.access.memberId === access.memberId && last.access.status === access.status && !access.mustChangePassword) return last.viewer;
    const viewer = memberViewerWith(subscribed, access);
    last = { access: access!, viewer };
    return viewer;
  };
  return {
    deliver,
    batch: { check: (event) => (wants(event) ? check : null), build: (event, access) => build(event, viewerWith(access)) },
  };
}

/**
 * An API client subscriber's access as it is now: its row read again (revoked, secret rotated, scopes narrowed) at
 * each event; without `events:subscribe` any more the subscription ends. Partners' subscriptions are few.
 */
async function currentApiClientViewer(app: AppServices, credential: Credential | null | undefined): Promise<Viewer> {
  if (credential?.kind !== 'apiClient') throw unauthenticated();
  const viewer = await app.loadViewer(app.orm.em.fork(), credential);
  if (!viewer.apiClient) throw unauthenticated();
  if (!canSubscribeToEvents(viewer)) throw forbidden(errorMessage('subscribeScope'));
  return viewer;
}

/** The description of every resumable subscription's `after` argument. */
export const AFTER_EVENT = 'The `id` of the last event received: the events after it are replayed first, then live ones follow. Omit to start from now.';

const enumValues = new WeakMap<object, Set<string>>();

/** Is `value` one of an enum's values (an event type a subscription knows)? */
export function isOneOf<T extends string>(values: Record<string, T>, value: string): value is T {
  let known = enumValues.get(values);
  if (!known) enumValues.set(values, (known = new Set(Object.values(values))));
  return known.has(value);
}
