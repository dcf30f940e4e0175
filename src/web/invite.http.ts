import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { serveBuiltFile } from './built-files';
import { projectRoot } from './project-root';

/** Where `npm run build` puts the bundled invitation page (scripts/build-dashboard.ts). */
export const INVITE_BUILD_DIR = join(projectRoot(), 'dist', 'web', 'invite');

/** The page's own files; tokens are base64url and never contain a `/`, so no token can be taken for one. */
const ASSET_PREFIX = '/invite/assets/';

/**
 * `GET /invite/<token>`: the invitation page, the same file for every token. It reads the token from its address and
 * asks `invitationPreview`, so the HTTP answer says nothing about the token (no lookup, no guess spent here) and
 * a dead token gets the same neutral page as any other. The token is in the address: no referrer leaves the page,
 * no cache keeps it, no robot indexes it.
 */
export function handleInviteRequest(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const name = pathname.startsWith(ASSET_PREFIX) ? pathname.slice(ASSET_PREFIX.length) : 'index.html';
  return serveBuiltFile(req, res, INVITE_BUILD_DIR, name, {
    notBuilt: 'The invitation page is not built: run `npm run build`.',
    pageHeaders: { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
  });
}
