import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { DEFAULT_LOCALE, negotiateLocale, readCatalogue, type Locale } from '../i18n';
import { serveBuiltFile } from './built-files';
import { projectRoot } from './project-root';

/** Where `npm run build` puts the bundled invitation page (scripts/build-dashboard.ts). */
export const INVITE_BUILD_DIR = join(projectRoot(), 'dist', 'web', 'invite');

/** The page's own files; tokens are base64url and never contain a `/`, so no token can be taken for one. */
const ASSET_PREFIX = '/invite/assets/';
const MESSAGES = 'messages.json';

/**
 * `GET /invite/<token>`: the invitation page, the same file for every token. It reads the token from its address and
 * asks `invitationPreview`, so the HTTP answer says nothing about the token (no lookup, no guess spent here) and
 * a dead token gets the same neutral page as any other. The token is in the address: no referrer leaves the page,
 * no cache keeps it, no robot indexes it.
 *
 * `GET /invite/assets/messages.json?lang=<navigator.languages>`: the page's texts (`locales/<locale>/invite.json`)
 * in the viewer's language: `lang`, else the request's Accept-Language, else English.
 */
export function handleInviteRequest(req: IncomingMessage, res: ServerResponse, pathname: string, search = ''): Promise<void> {
  const name = pathname.startsWith(ASSET_PREFIX) ? pathname.slice(ASSET_PREFIX.length) : 'index.html';
  if (name === MESSAGES) return serveMessages(req, res, search);
  return serveBuiltFile(req, res, INVITE_BUILD_DIR, name, {
    notBuilt: 'The invitation page is not built: run `npm run build`.',
    pageHeaders: { 'cache-control': 'no-store', 'x-robots-tag': 'noindex' },
  });
}

const pages = new Map<Locale, string>();

/** The `invite` messages of a locale, English where it lacks one, as the JSON the page reads. */
function pageMessages(locale: Locale): string {
  let body = pages.get(locale);
  if (!body) {
    const only = (catalogue: Map<string, string>) => [...catalogue].filter(([key]) => key.startsWith('invite.')).map(([key, message]) => [key.slice('invite.'.length), message]);
    const messages = { ...Object.fromEntries(only(readCatalogue(DEFAULT_LOCALE))), ...Object.fromEntries(only(readCatalogue(locale))) };
    pages.set(locale, (body = JSON.stringify({ locale, messages })));
  }
  return body;
}

async function serveMessages(req: IncomingMessage, res: ServerResponse, search: string): Promise<void> {
  const asked = new URLSearchParams(search).get('lang');
  const locale = negotiateLocale(asked) ?? negotiateLocale(req.headers['accept-language']) ?? DEFAULT_LOCALE;
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('cache-control', 'no-cache');
  res.setHeader('vary', 'accept-language');
  res.end(req.method === 'HEAD' ? undefined : pageMessages(locale));
}
