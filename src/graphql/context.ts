import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AppServices } from '../app';
import type { Credential } from '../auth/jwt';
import type { Viewer } from '../auth/viewer';
import type { CostReport } from '../limits/operation-limits';
import type { CreateLoaders, Loaders } from './loaders';

/** Per-operation context: one EntityManager fork, the viewer, and loaders bound to the viewer's org. */
export interface GraphQLContext {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
  app: AppServices;
  /** Makes loaders (the modules' factories, `src/modules.ts`): for a context of another viewer (`contextOf`). */
  createLoaders: CreateLoaders;
  requestId: string;
  /** The gateway's logger bound to `requestId`. */
  logger: Logger;
  clientAddress: string | null;
  /** The client's `Accept-Language` (HTTP header, or a graphql-ws connection parameter), for `localeOfViewer`. */
  acceptLanguage?: string | null;
  /** The verified bearer token (no database read), for rate limits before the viewer is loaded. */
  credential?: Credential | null;
  /**
   * True while `viewer` is still a placeholder: HTTP operations load the viewer only after the operation passed its
   * limits (`src/limits/`), so a refused operation runs no SQL at all.
   */
  viewerPending?: boolean;
  /** The operation's cost and its caller's budget after charging it (the `rateLimit` query field), once opened. */
  costReport?: CostReport;
}

const RESOLVED_AS = Symbol('resolvedAs');
const otherViewers = new WeakMap<GraphQLContext, Map<Viewer, GraphQLContext>>();

/**
 * Marks an object as seen by `viewer` rather than by the operation's viewer: a mutation's payload about the membership
 * it just made (`acceptInvitation`'s member resolves as that member, in the org just joined, while the rest of the
 * operation stays with its own viewer), or a subscription's event delivered to the viewer as re-checked at that event.
 */
export function resolveAs<T extends object>(root: T, viewer: Viewer): T {
  Object.defineProperty(root, RESOLVED_AS, { value: viewer, enumerable: false, configurable: true });
  return root;
}

/** The viewer an object was marked with (`resolveAs`), if any. */
export function resolvedViewerOf(root: unknown): Viewer | undefined {
  return typeof root === 'object' && root !== null ? (root as { [RESOLVED_AS]?: Viewer })[RESOLVED_AS] : undefined;
}

/**
 * The context an object's fields resolve in: the operation's own, or for a marked object (`resolveAs`) one for its
 * viewer: the same EntityManager and request, loaders bound to that viewer's org (made once per operation).
 */
export function contextOf(ctx: GraphQLContext, root: unknown): GraphQLContext {
  const viewer = resolvedViewerOf(root);
  if (!viewer || viewer === ctx.viewer) return ctx;
  let contexts = otherViewers.get(ctx);
  if (!contexts) otherViewers.set(ctx, (contexts = new Map()));
  let other = contexts.get(viewer);
  if (!other) {
    // Named, not only spread: a subscription's context keeps `em` and `logger` as getters on its prototype.
    const { em, logger } = ctx;
    contexts.set(viewer, (other = { ...ctx, em, logger, viewer, loaders: ctx.createLoaders(em, viewer.org?.id ?? null) }));
  }
  return other;
}
