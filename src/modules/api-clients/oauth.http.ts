import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppServices } from '../../app';
import { API_SCOPE_NAMES } from '../../auth/api-scopes';
import { rateLimitHeaders } from '../../limits/operation-limits';
import { issueAccessToken, OAuthError } from './api-clients.service';

/** Where the metadata is served (RFC 8414 section 3). */
export const OAUTH_METADATA_PATH = '/.well-known/oauth-authorization-server';

/**
 * `GET /.well-known/oauth-authorization-server`: the authorization server metadata (RFC 8414) of the client-credentials
 * grant, so an OAuth library finds the token endpoint, how to authenticate at it and which scopes exist. URLs are built
 * on `PUBLIC_URL`, the issuer.
 */
export function handleOAuthMetadataRequest(req: IncomingMessage, res: ServerResponse, app: Pick<AppServices, 'config'>): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('allow', 'GET, HEAD');
    return sendJson(res, 405, { error: 'Use GET' });
  }
  const issuer = app.config.publicUrl;
  res.setHeader('cache-control', 'public, max-age=3600');
  return sendJson(res, 200, {
    issuer,
    token_endpoint: `${issuer}/oauth/token`,
    grant_types_supported: ['client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    scopes_supported: API_SCOPE_NAMES,
    // No authorization endpoint: people sign in with logIn; partners only take tokens.
    response_types_supported: [],
    service_documentation: `${issuer}/docs/partners.md`,
  });
}

const MAX_BODY_BYTES = 16 * 1024;

/**
 * `POST /oauth/token`: the OAuth 2 client-credentials grant (RFC 6749 section 4.4). The client authenticates with HTTP
 * Basic or with `client_id` and `client_secret` in the body (form-encoded or JSON), `grant_type=client_credentials`,
 * optionally `scope` (space-separated, a subset of its scopes). Answers `{access_token, token_type, expires_in, scope}`
 * or `{error, error_description}` (section 5.2); too many attempts from one address or for one client id: 429.
 */
export async function handleTokenRequest(req: IncomingMessage, res: ServerResponse, app: AppServices, clientAddress: string | null): Promise<void> {
  res.setHeader('cache-control', 'no-store');
  res.setHeader('pragma', 'no-cache');
  try {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new OAuthError(405, 'invalid_request', 'Use POST');
    }
    const params = await readParams(req);
    const basic = basicCredentials(req.headers.authorization);
    const inBody = params.client_id !== undefined || params.client_secret !== undefined;
    if (basic && inBody) throw new OAuthError(400, 'invalid_request', 'Authenticate with HTTP Basic or with client_id/client_secret, not both');
    const clientId = basic?.clientId ?? params.client_id;
    const clientSecret = basic?.clientSecret ?? params.client_secret;
    if (params.grant_type === undefined) throw new OAuthError(400, 'invalid_request', 'grant_type is required');
    if (params.grant_type !== 'client_credentials') throw new OAuthError(400, 'unsupported_grant_type', 'Only grant_type=client_credentials is supported');
    if (!clientId || !clientSecret) {
      if (basic === null && req.headers.authorization) res.setHeader('www-authenticate', 'Basic realm="orggraph"');
      throw new OAuthError(401, 'invalid_client', 'client_id and client_secret are required');
    }

    const limiter = app.rateLimiter;
    const decision = await limiter.take(limiter.attemptBuckets('apiToken', limiter.config.apiToken, clientAddress, clientId));
    // The tightest of the token budgets (per address, per client id), as on every GraphQL answer.
    const tightest = decision.buckets.reduce<(typeof decision.buckets)[number] | undefined>((min, state) => (!min || state.remaining < min.remaining ? state : min), undefined);
    if (tightest) for (const [name, value] of rateLimitHeaders({ limit: tightest.limit, remaining: tightest.remaining, resetAt: tightest.resetAt.toISOString() })) res.setHeader(name, value);
    if (!decision.allowed) {
      res.setHeader('retry-after', String(decision.retryAfterSeconds));
      return sendJson(res, 429, { error: 'slow_down', error_description: 'Too many token requests; retry later', retry_after: decision.retryAfterSeconds });
    }

    const em = app.orm.em.fork();
    try {
      const token = await issueAccessToken(em, app, { clientId, clientSecret, scope: params.scope ?? null });
      return sendJson(res, 200, token);
    } catch (error) {
      if (error instanceof OAuthError && error.status === 401 && basic) res.setHeader('www-authenticate', 'Basic realm="orggraph"');
      throw error;
    }
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error; // the server answers 500
    return sendJson(res, error.status, { error: error.error, error_description: error.description });
  }
}

interface TokenParams {
  grant_type?: string;
  client_id?: string;
  client_secret?: string;
  scope?: string;
}

async function readParams(req: IncomingMessage): Promise<TokenParams> {
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType !== 'application/x-www-form-urlencoded' && mediaType !== 'application/json') {
    throw new OAuthError(400, 'invalid_request', 'Send the parameters as application/x-www-form-urlencoded (or application/json)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new OAuthError(413, 'invalid_request', `The request body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  const raw: Record<string, unknown> = {};
  if (mediaType === 'application/json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text || '{}');
    } catch {
      throw new OAuthError(400, 'invalid_request', 'The body is not valid JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new OAuthError(400, 'invalid_request', 'The body must be a JSON object');
    Object.assign(raw, parsed);
  } else {
    const form = new URLSearchParams(text);
    for (const key of new Set(form.keys())) {
      // RFC 6749 section 3.2: parameters must not be included more than once.
      if (form.getAll(key).length > 1) throw new OAuthError(400, 'invalid_request', `${key} is given more than once`);
      raw[key] = form.get(key);
    }
  }
  const params: TokenParams = {};
  for (const key of ['grant_type', 'client_id', 'client_secret', 'scope'] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string') throw new OAuthError(400, 'invalid_request', `${key} must be a string`);
    params[key] = value;
  }
  return params;
}

/** RFC 6749 section 2.3.1: `Basic base64(urlencode(client_id):urlencode(client_secret))`; null when not Basic. */
function basicCredentials(header: string | undefined): { clientId: string; clientSecret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) throw new OAuthError(401, 'invalid_client', 'Malformed HTTP Basic credentials');
  try {
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthError(401, 'invalid_client', 'Malformed HTTP Basic credentials');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
