import type { IncomingMessage, ServerResponse } from 'node:http';

/** Paths a partner's web page may call from another origin: the API, the token endpoint and the OAuth metadata. */
export const CORS_PATHS: ReadonlySet<string> = new Set(['/graphql', '/oauth/token', '/.well-known/oauth-authorization-server']);

/** What a page may send: credentials are bearer tokens in `Authorization`, never cookies. */
const ALLOWED_HEADERS = 'authorization, content-type, x-request-id, apollo-require-preflight, x-apollo-operation-name';
/** What a page may read besides the CORS-safelisted headers: the budget, the wait after a 429, the request id. */
const EXPOSED_HEADERS = 'x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after, x-request-id';
/** How long a browser may keep a preflight's answer, seconds. */
const PREFLIGHT_MAX_AGE = 600;

/** True when `origin` is one of `allowed` (`CORS_ORIGINS`), or `allowed` has `*`. */
export function isAllowedOrigin(origin: string, allowed: readonly string[]): boolean {
  return allowed.includes('*') || allowed.includes(origin);
}

/**
 * CORS for `CORS_PATHS` (the Fetch standard's protocol): a request from an allowed origin gets
 * `Access-Control-Allow-Origin` naming it (and `Vary: Origin`, as the answer depends on it); a preflight (`OPTIONS`
 * with `Access-Control-Request-Method`) is answered here, 204 for an allowed origin and 403 without any CORS header for
 * another, so the browser refuses the real request. A request from an origin not allowed is still answered (a
 * server-to-server client sends no Origin, and one that forges one gains nothing: no cookies), but without the headers,
 * so no page of that origin may read it. Returns true when the request was answered (a preflight).
 */
export function handleCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  res.setHeader('vary', 'Origin');
  const origin = req.headers.origin;
  const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
  const permitted = typeof origin === 'string' && isAllowedOrigin(origin, allowed);
  if (permitted) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('access-control-expose-headers', EXPOSED_HEADERS);
  }
  if (!preflight) return false;
  if (!permitted) {
    res.statusCode = 403;
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.end(JSON.stringify({ error: 'Origin not allowed (CORS_ORIGINS)' }));
    return true;
  }
  res.statusCode = 204;
  res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
  res.setHeader('access-control-allow-headers', ALLOWED_HEADERS);
  res.setHeader('access-control-max-age', String(PREFLIGHT_MAX_AGE));
  res.end();
  return true;
}
