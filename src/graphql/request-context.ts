import { randomUUID } from 'node:crypto';
import type { AppServices } from '../app';
import { bearerToken } from '../auth/credential';
import { Viewer } from '../auth/viewer';
import type { GraphQLContext } from './context';
import type { CreateLoaders } from './loaders';

/**
 * The context of one request: the bearer token verified (signature and expiry only), and the viewer loaded from the
 * database unless `deferViewer` (then `loadPendingViewer` loads it once the operation passed its limits).
 */
export async function createRequestContext(
  app: AppServices,
  createLoaders: CreateLoaders,
  authorization: string | undefined,
  clientAddress: string | null,
  options: { deferViewer?: boolean; requestId?: string; acceptLanguage?: string | null } = {},
): Promise<GraphQLContext> {
  const em = app.orm.em.fork();
  const token = bearerToken(authorization);
  const credential = token ? await app.tokens.verifyCredential(token) : null;
  const requestId = options.requestId ?? randomUUID();
  const context: GraphQLContext = {
    em,
    viewer: Viewer.anonymous(),
    app,
    loaders: createLoaders(em, null),
    createLoaders,
    requestId,
    logger: app.logger.child({ requestId }),
    clientAddress,
    credential,
    acceptLanguage: options.acceptLanguage ?? null,
    viewerPending: true,
  };
  if (!options.deferViewer) await loadPendingViewer(context);
  return context;
}

/**
 * Loads the viewer of a deferred context (and loaders bound to its org); does nothing when already loaded. A query
 * (`query`) may get it from the viewer cache and reads plain rows; a mutation always reads it fresh, as entities.
 */
export async function loadPendingViewer(context: GraphQLContext, { query = false } = {}): Promise<void> {
  if (!context.viewerPending) return;
  const credential = context.credential ?? null;
  const load = () => context.app.loadViewer(context.em, credential);
  context.viewer = credential && query ? await context.app.viewerCache.viewerFor(credential, load) : await load();
  context.loaders = context.createLoaders(context.em, context.viewer.org?.id ?? null, { plainRows: query });
  context.viewerPending = false;
}
