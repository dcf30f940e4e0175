import { request as httpRequest } from 'node:http';
import { CreateApiClientDocument, type ApiScope } from '../generated/graphql';
import { GraphQLClient } from './client';

export interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/**
 * POSTs any JSON (or raw text) to a gateway URL, as a hostile client would: no typing, any shape. With
 * `localAddress` (e.g. 127.0.0.2, still loopback) the gateway sees another client address.
 */
export function postRaw(
  url: string,
  body: unknown,
  options: { token?: string; headers?: Record<string, string>; localAddress?: string; raw?: boolean } = {},
): Promise<RawResult> {
  const payload = options.raw ? String(body) : JSON.stringify(body);
  return sendRaw(url, 'POST', {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(payload)),
    ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    ...options.headers,
  }, payload, options.localAddress);
}

/** Any request with any method and headers, answered as status, headers, JSON body (null when not JSON) and text. */
export function sendRaw(url: string, method: string, headers: Record<string, string> = {}, body?: string, localAddress?: string): Promise<RawResult> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: target.hostname, port: target.port, path: target.pathname + target.search, method, localAddress, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = null;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed, text });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A GraphQL operation as text, with variables, through `postRaw`. */
export function gql(url: string, query: string, variables: Record<string, unknown> = {}, options: Parameters<typeof postRaw>[2] = {}): Promise<RawResult> {
  return postRaw(url, { query, variables }, options);
}

/** The `extensions.code` of the first error of a raw answer. */
export function rawCode(result: RawResult): string | undefined {
  return result.body?.errors?.[0]?.extensions?.code;
}

/** `POST /oauth/token` of the gateway serving `graphqlUrl`. */
export function tokenUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/\/graphql$/, '/oauth/token');
}

/** The client-credentials grant, form-encoded as RFC 6749 shows it. */
export async function requestToken(
  graphqlUrl: string,
  params: Record<string, string>,
  options: { json?: boolean; basic?: { clientId: string; clientSecret: string }; localAddress?: string } = {},
): Promise<RawResult> {
  const headers: Record<string, string> = {
    'content-type': options.json ? 'application/json' : 'application/x-www-form-urlencoded',
  };
  if (options.basic) {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.basic.clientId)}:${encodeURIComponent(options.basic.clientSecret)}`).toString('base64')}`;
  }
  const body = options.json ? JSON.stringify(params) : new URLSearchParams(params).toString();
  return postRaw(tokenUrl(graphqlUrl), body, { raw: true, headers, localAddress: options.localAddress });
}

/** The schema's name of a scope string: `members:read` is MEMBERS_READ. */
export function apiScope(scope: string): ApiScope {
  return scope.toUpperCase().replace(':', '_') as ApiScope;
}

/**
 * Registers an API client as the org's owner, exchanges its credentials, and returns a client speaking for it.
 * `scopes` as tokens carry them (`members:read`).
 */
export async function apiClientFor(owner: GraphQLClient, scopes: string[], name = `Partner ${Math.random().toString(36).slice(2, 8)}`) {
  const { createApiClient } = await owner.ok(CreateApiClientDocument, { input: { name, scopes: scopes.map(apiScope) } });
  const exchange = await requestToken(owner.url, {
    grant_type: 'client_credentials',
    client_id: createApiClient.clientId,
    client_secret: createApiClient.clientSecret,
  });
  if (exchange.status !== 200) throw new Error(`token exchange failed: ${exchange.text}`);
  const token = exchange.body.access_token as string;
  return { ...createApiClient, id: createApiClient.client.id, token, partner: owner.as(token) };
}
