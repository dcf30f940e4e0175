import type { Logger } from 'pino';
import type { AppServices } from '../app';
import type { Credential } from '../auth/jwt';
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
  const { user, org, member } = subscribed.requireMember();
  const access = await app.subscribers.access(user.id, org.id, event.receivedAt);
  if (!access || access.memberId !== member.id) throw forbidden(errorMessage('noLongerMember'));
  if (access.mustChangePassword) throw passwordChangeRequired();
  if (access.status !== MemberStatus.ACTIVE) throw forbidden(errorMessage('membershipDisabled'));
  return new Viewer(user, org, member, access.grants);
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
