import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { API_SCOPE_NAMES, isApiScope, type ApiScope } from '../../auth/api-scopes';
import type { ApiClientClaims } from '../../auth/jwt';
import { assertCanManageApiClients } from '../../auth/policy';
import { Viewer } from '../../auth/viewer';
import { badInput, conflict, notFound, errorMessage } from '../../errors';
import { rawId } from '../../graphql/relay';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation, requireText } from '../common/validate';
import { Org } from '../orgs/org.entity';
import { newClientId, newClientSecret, secretMatches } from './api-client-credentials';
import { ApiClient } from './api-client.entity';
import { viewerOrgOf } from '../members/viewers';
import type { PermissionModule } from '../../auth/vocabulary';
import type { ApiClientSecretPayload, CreateApiClientInput } from './api-clients.inputs';

const NAME_MAX = 100;
const NAME_UNIQUE = 'api_clients_name_unique';

/** Known scopes, each once, in the documented order; BAD_USER_INPUT naming the unknown ones. */
export function parseScopes(scopes: readonly string[], field = 'scopes'): ApiScope[] {
  if (scopes.length === 0) throw badInput(errorMessage('atLeastOneScope'), field);
  const unknown = scopes.filter((scope) => !isApiScope(scope));
  if (unknown.length) {
    const shown = unknown.slice(0, 5).map((scope) => JSON.stringify(scope.slice(0, 50))).join(', ');
    throw badInput(errorMessage('unknownScope', { shown, known: API_SCOPE_NAMES.join(', ') }), field);
  }
  return API_SCOPE_NAMES.filter((scope) => scopes.includes(scope));
}

/** `apiClients`: the org's clients, revoked ones too, newest first. */
export async function listApiClients(em: EntityManager, viewer: Viewer): Promise<ApiClient[]> {
  assertCanManageApiClients(viewer);
  return em.find(ApiClient, { orgId: viewer.orgId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
}

/** `createApiClient`: a client id and a secret shown once; only the secret's hash is stored. */
export async function createApiClient(em: EntityManager, viewer: Viewer, input: CreateApiClientInput): Promise<ApiClientSecretPayload> {
  assertCanManageApiClients(viewer);
  const orgId = viewer.orgId;
  const name = requireText(input.name, 'name', NAME_MAX);
  const scopes = parseScopes(input.scopes);
  const { secret, hash } = newClientSecret();
  const client = await em
    .transactional(async (tx) => {
      const client = tx.create(ApiClient, { orgId, name, clientId: newClientId(), secretHash: hash, scopes, createdByMemberId: viewer.member?.id ?? null });
      recordAudit(tx, viewer, 'apiClient.create', { type: 'ApiClient', id: client.id }, { name, scopes });
      await tx.flush();
      return client;
    })
    .catch(rethrowNameTaken);
  return { client, clientId: client.clientId, clientSecret: secret };
}

/** `rotateApiClientSecret`: a new secret; the old one and every token issued with it stop working now. */
export async function rotateApiClientSecret(em: EntityManager, viewer: Viewer, globalId: string): Promise<ApiClientSecretPayload> {
  assertCanManageApiClients(viewer);
  const id = rawId(globalId, 'ApiClient');
  const { secret, hash } = newClientSecret();
  const client = await em.transactional(async (tx) => {
    const client = await tx.findOne(ApiClient, { id, orgId: viewer.orgId });
    if (!client) throw notFound('ApiClient');
    if (client.revokedAt) throw badInput(errorMessage('apiClientRevoked'), 'id');
    client.secretHash = hash;
    client.secretGeneration += 1;
    client.secretRotatedAt = new Date();
    recordAudit(tx, viewer, 'apiClient.rotateSecret', { type: 'ApiClient', id }, { name: client.name, generation: client.secretGeneration });
    await tx.flush();
    return client;
  });
  return { client, clientId: client.clientId, clientSecret: secret };
}

/** `revokeApiClient`: for good; its tokens stop working on their next request. Revoking twice changes nothing. */
export async function revokeApiClient(em: EntityManager, viewer: Viewer, globalId: string): Promise<ApiClient> {
  assertCanManageApiClients(viewer);
  const id = rawId(globalId, 'ApiClient');
  return em.transactional(async (tx) => {
    const client = await tx.findOne(ApiClient, { id, orgId: viewer.orgId });
    if (!client) throw notFound('ApiClient');
    if (client.revokedAt) return client;
    client.revokedAt = new Date();
    client.revokedByMemberId = viewer.member?.id ?? null;
    recordAudit(tx, viewer, 'apiClient.revoke', { type: 'ApiClient', id }, { name: client.name });
    await tx.flush();
    return client;
  });
}

/**
 * The viewer of an API client's access token, checked against the client's row on every request (the token alone
 * is not trusted beyond its lifetime): revoked, rotated or vanished clients load as anonymous. Scopes are those of
 * the token still held by the client.
 */
export async function loadApiClientViewer(
  em: EntityManager,
  claims: ApiClientClaims,
  readableTypes: ReadonlyMap<string, PermissionModule | null>,
): Promise<Viewer> {
  const client = await em.findOne(ApiClient, { id: claims.clientId, orgId: claims.org, revokedAt: null, secretGeneration: claims.generation });
  if (!client) return Viewer.anonymous();
  const org = await em.findOne(Org, { id: client.orgId });
  if (!org) return Viewer.anonymous();
  const scopes = client.scopes.filter((scope): scope is ApiScope => isApiScope(scope) && claims.scopes.includes(scope));
  return Viewer.forApiClient(viewerOrgOf(em, org), { id: client.id, name: client.name, orgId: client.orgId, scopes, readableTypes });
}

/**
 * The viewer of an API client as its row is now, with all the scopes it holds (no token narrows them): for what the
 * client receives without calling, its webhook endpoints' deliveries. Null for a revoked or vanished client.
 */
export async function loadCurrentApiClientViewer(
  em: EntityManager,
  orgId: string,
  clientId: string,
  readableTypes: ReadonlyMap<string, PermissionModule | null>,
): Promise<Viewer | null> {
  const client = await em.findOne(ApiClient, { id: clientId, orgId, revokedAt: null });
  if (!client) return null;
  const org = await em.findOne(Org, { id: client.orgId });
  if (!org) return null;
  const scopes = client.scopes.filter((scope): scope is ApiScope => isApiScope(scope));
  return Viewer.forApiClient(viewerOrgOf(em, org), { id: client.id, name: client.name, orgId: client.orgId, scopes, readableTypes });
}

/** A refusal of the token endpoint, in RFC 6749 section 5.2 terms. */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope',
    readonly description: string,
  ) {
    super(description);
  }
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

/**
 * The client-credentials grant: a valid, unrevoked client gets a short-lived access token for its org with the
 * requested scopes (all of its scopes when none are named). Every credential failure answers `invalid_client`.
 */
export async function issueAccessToken(
  em: EntityManager,
  app: AppServices,
  request: { clientId: string; clientSecret: string; scope: string | null },
): Promise<TokenResponse> {
  const client = request.clientId.length <= 100 ? await em.findOne(ApiClient, { clientId: request.clientId }, { populate: ['secretHash'] }) : null;
  const matches = secretMatches(request.clientSecret, client?.secretHash ?? null);
  if (!client || !matches || client.revokedAt) throw new OAuthError(401, 'invalid_client', 'Unknown client, wrong secret or revoked client');
  let scopes = client.scopes.filter(isApiScope);
  if (request.scope !== null) {
    const asked = request.scope.split(' ').filter(Boolean);
    const refused = asked.filter((scope) => !scopes.includes(scope as ApiScope));
    if (asked.length === 0 || refused.length) {
      throw new OAuthError(400, 'invalid_scope', `The client does not hold: ${refused.slice(0, 5).join(' ').slice(0, 200) || '(no scope named)'}`);
    }
    scopes = scopes.filter((scope) => asked.includes(scope));
  }
  const ttl = app.config.apiTokenTtlSeconds;
  const token = await app.tokens.signApiClient({ clientId: client.id, org: client.orgId, scopes, generation: client.secretGeneration }, ttl);
  await em.nativeUpdate(ApiClient, { id: client.id }, { lastTokenAt: new Date() });
  return { access_token: token, token_type: 'Bearer', expires_in: ttl, scope: scopes.join(' ') };
}

function rethrowNameTaken(error: unknown): never {
  if (isUniqueViolation(error, NAME_UNIQUE)) throw conflict(errorMessage('apiClientNameTaken'), { field: 'name' });
  throw error;
}
