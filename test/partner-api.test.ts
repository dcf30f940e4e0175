import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_RATE_LIMITS, loadConfig, type RateLimits } from '../src/config';
import type { Gateway } from '../src/server';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { postImport } from './support/imports';
import { apiClientFor, gql, rawCode, requestToken, sendRaw, type RawResult } from './support/limits';
import { connectWs, wsOperation } from './support/ws';

/** Costs 7: the page query, totalCount, and 5 members; `rateLimit` costs nothing on top. */
const PAGE_WITH_BUDGET = 'query Page { members(first: 5) { totalCount nodes { id } } rateLimit { limit remaining resetAt cost } }';

function limitedGateway(limits: Partial<RateLimits>, extra: Parameters<typeof startTestGateway>[0] = {}): Promise<Gateway> {
  return startTestGateway({ rateLimits: { ...DEFAULT_RATE_LIMITS, prefix: `orggraph-test:${randomUUID()}`, ...limits }, ...extra });
}


function budgetHeaders(result: RawResult) {
  return {
    limit: Number(result.headers['x-ratelimit-limit']),
    remaining: Number(result.headers['x-ratelimit-remaining']),
    reset: Number(result.headers['x-ratelimit-reset']),
  };
}

let setup: GraphQLClient;
beforeAll(async () => {
  // People and orgs are made here, so their sign-ups do not spend the budgets of the gateways under test.
  setup = new GraphQLClient((await startTestGateway()).url);
});

describe('rate-limit headers and the rateLimit field', () => {
  it('puts the budget on every answer, as headers and as rateLimit, the same figures as extensions.cost', async () => {
    const gateway = await limitedGateway({ perCredential: 40, windowSeconds: 60 });
    const owner = await createOrgWithOwner(setup);
    const before = Math.floor(Date.now() / 1000);
    const first = await gql(gateway.url, PAGE_WITH_BUDGET, {}, { token: owner.client.token });
    expect(first.status).toBe(200);
    const headers = budgetHeaders(first);
    expect(headers).toEqual({ limit: 40, remaining: 33, reset: Math.ceil(new Date(first.body.extensions.cost.resetAt).getTime() / 1000) });
    expect(headers.reset).toBeGreaterThanOrEqual(before + 59);
    expect(headers.reset).toBeLessThanOrEqual(before + 61);
    expect(first.body.data.rateLimit).toEqual({ limit: 40, remaining: 33, resetAt: first.body.extensions.cost.resetAt, cost: 7 });

    const second = await gql(gateway.url, PAGE_WITH_BUDGET, {}, { token: owner.client.token });
    expect(budgetHeaders(second)).toMatchObject({ limit: 40, remaining: 26 });
    expect(second.body.data.rateLimit).toMatchObject({ remaining: 26, cost: 7 });

    // A document that does not validate is charged nothing, and still says what is left.
    const invalid = await gql(gateway.url, '{ noSuchField }', {}, { token: owner.client.token });
    expect(invalid.status).toBe(400);
    expect(budgetHeaders(invalid)).toMatchObject({ limit: 40, remaining: 26 });
    // Anonymous callers see their address's budget.
    const anonymous = await gql(gateway.url, '{ rateLimit { limit remaining cost } }');
    expect(anonymous.body.data.rateLimit).toEqual({ limit: DEFAULT_RATE_LIMITS.perAddress, remaining: expect.any(Number), cost: 0 });
    expect(budgetHeaders(anonymous).limit).toBe(DEFAULT_RATE_LIMITS.perAddress);
  });

  it('answers 429 RATE_LIMITED with Retry-After and the budget headers', async () => {
    const gateway = await limitedGateway({ perCredential: 20 });
    const owner = await createOrgWithOwner(setup);
    for (let i = 0; i < 2; i++) expect((await gql(gateway.url, PAGE_WITH_BUDGET, {}, { token: owner.client.token })).status).toBe(200);
    const refused = await gql(gateway.url, PAGE_WITH_BUDGET, {}, { token: owner.client.token });
    expect(refused.status).toBe(429);
    expect(rawCode(refused)).toBe('RATE_LIMITED');
    expect(Number(refused.headers['retry-after'])).toBe(refused.body.errors[0].extensions.retryAfter);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(budgetHeaders(refused)).toMatchObject({ limit: 20, remaining: 6 });
  });

  it('answers rateLimit over graphql-ws and to API clients', async () => {
    const gateway = await limitedGateway({ perCredential: 100 });
    const owner = await createOrgWithOwner(setup);
    const { client } = connectWs(gateway.url, owner.client.token);
    const answer = await wsOperation(client, PAGE_WITH_BUDGET);
    expect(answer.errors).toBeUndefined();
    expect(answer.data.rateLimit).toMatchObject({ limit: 100, remaining: 93, cost: 7 });
    const again = await wsOperation(client, '{ rateLimit { remaining cost } }');
    // At least 1 point per operation.
    expect(again.data.rateLimit).toEqual({ remaining: 92, cost: 0 });

    const partner = await apiClientFor(owner.client, ['members:read']);
    const asPartner = await gql(gateway.url, PAGE_WITH_BUDGET, {}, { token: partner.token });
    expect(asPartner.body.errors).toBeUndefined();
    expect(asPartner.body.data.rateLimit).toMatchObject({ limit: 100, remaining: 93, cost: 7 });
  });

  it('puts the token budget on answers of POST /oauth/token', async () => {
    const gateway = await startTestGateway();
    const owner = await createOrgWithOwner(setup);
    const partner = await apiClientFor(owner.client, ['members:read']);
    const answer = await requestToken(gateway.url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: 'wrong' });
    expect(answer.status).toBe(401);
    const headers = budgetHeaders(answer);
    expect(headers.limit).toBeGreaterThan(0);
    expect(headers.remaining).toBe(headers.limit - 1);
  });
});

describe('OAuth authorization server metadata', () => {
  it('describes the client-credentials flow at /.well-known/oauth-authorization-server, and its token endpoint works', async () => {
    const gateway = await startTestGateway({ publicUrl: 'https://api.example.com' });
    const metadataUrl = gateway.url.replace(/\/graphql$/, '/.well-known/oauth-authorization-server');
    const answer = await sendRaw(metadataUrl, 'GET');
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toMatch(/^application\/json/);
    expect(answer.body).toEqual({
      issuer: 'https://api.example.com',
      token_endpoint: 'https://api.example.com/oauth/token',
      grant_types_supported: ['client_credentials'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      scopes_supported: expect.arrayContaining(['members:read', 'members:read_sensitive', 'events:subscribe', 'webhooks:manage']),
      response_types_supported: [],
      service_documentation: 'https://api.example.com/docs/partners.md',
    });
    expect(answer.body.scopes_supported).toHaveLength(14);
    expect((await sendRaw(metadataUrl, 'POST')).status).toBe(405);

    // The token endpoint it names (here on the gateway's own address) takes each documented auth method.
    const owner = await createOrgWithOwner(setup);
    const partner = await apiClientFor(owner.client, ['members:read', 'webhooks:manage']);
    const basic = await requestToken(gateway.url, { grant_type: 'client_credentials' }, { basic: { clientId: partner.clientId, clientSecret: partner.clientSecret } });
    expect(basic.body).toMatchObject({ token_type: 'Bearer', scope: 'members:read webhooks:manage' });
    const post = await requestToken(gateway.url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret, scope: 'webhooks:manage' });
    expect(post.body).toMatchObject({ token_type: 'Bearer', scope: 'webhooks:manage' });
  });
});

describe('enums for scopes, audit actions and import error codes', () => {
  it('takes and answers ApiScope values, filters the audit log by AuditAction, and refuses the old strings', async () => {
    const owner = await createOrgWithOwner(setup);
    const created = await gql(
      setup.url,
      'mutation { createApiClient(input: { name: "Doors", scopes: [WEBHOOKS_MANAGE, MEMBERS_READ] }) { client { scopes } } }',
      {},
      { token: owner.client.token },
    );
    expect(created.body.errors).toBeUndefined();
    expect(created.body.data.createApiClient.client.scopes).toEqual(['MEMBERS_READ', 'WEBHOOKS_MANAGE']);
    const oldScopes = await gql(setup.url, 'mutation ($s: [ApiScope!]!) { createApiClient(input: { name: "Old", scopes: $s }) { clientId } }', { s: ['members:read'] }, {
      token: owner.client.token,
    });
    expect(rawCode(oldScopes)).toBe('BAD_USER_INPUT');

    const audit = await gql(setup.url, 'query ($a: AuditAction) { auditLog(first: 5, filter: { action: $a }) { nodes { action summary } } }', { a: 'API_CLIENT_CREATE' }, {
      token: owner.client.token,
    });
    expect(audit.body.data.auditLog.nodes).toEqual([{ action: 'API_CLIENT_CREATE', summary: { name: 'Doors', scopes: ['members:read', 'webhooks:manage'] } }]);
    const oldAction = await gql(setup.url, 'query ($a: AuditAction) { auditLog(first: 5, filter: { action: $a }) { totalCount } }', { a: 'apiClient.create' }, {
      token: owner.client.token,
    });
    expect(rawCode(oldAction)).toBe('BAD_USER_INPUT');
  });

  it('answers why an import stopped as an ImportErrorCode', async () => {
    const owner = await createOrgWithOwner(setup);
    const upload = await postImport(setup.url, owner.client.token!, 'name,phone\nA,1"2\n');
    expect(upload.body.errors![0]!.extensions.code).toBe('MALFORMED_CSV');
    // An upload draws on the caller's cost budget (100 points) and says what is left, like GraphQL answers.
    expect(Number(upload.headers.get('x-ratelimit-limit'))).toBe(DEFAULT_RATE_LIMITS.perCredential);
    expect(Number(upload.headers.get('x-ratelimit-remaining'))).toBeLessThanOrEqual(DEFAULT_RATE_LIMITS.perCredential - 100);
    const imports = await gql(setup.url, '{ memberImports(first: 1) { nodes { status error { code message } } } }', {}, { token: owner.client.token });
    expect(imports.body.data.memberImports.nodes).toEqual([{ status: 'FAILED', error: { code: 'MALFORMED_CSV', message: expect.any(String) } }]);
    const type = await gql(setup.url, '{ __type(name: "ImportErrorCode") { kind enumValues { name } } }');
    expect(type.body.data.__type.kind).toBe('ENUM');
    expect(type.body.data.__type.enumValues.map((value: { name: string }) => value.name)).toEqual(expect.arrayContaining(['MALFORMED_CSV', 'PAYLOAD_TOO_LARGE', 'UPLOAD_ABORTED']));
  });
});

describe('CORS', () => {
  const ALLOWED = 'https://crm.example.com';

  it('answers preflights for configured origins on /graphql and /oauth/token, and refuses others', async () => {
    const gateway = await startTestGateway({ corsOrigins: [ALLOWED] });
    for (const path of ['/graphql', '/oauth/token']) {
      const url = gateway.url.replace(/\/graphql$/, path);
      const preflight = await sendRaw(url, 'OPTIONS', { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' });
      expect(preflight.status).toBe(204);
      expect(preflight.headers).toMatchObject({
        'access-control-allow-origin': ALLOWED,
        'access-control-allow-methods': expect.stringContaining('POST'),
        'access-control-allow-headers': expect.stringMatching(/authorization.*content-type/),
        vary: expect.stringContaining('Origin'),
      });
      const refused = await sendRaw(url, 'OPTIONS', { origin: 'https://evil.example.com', 'access-control-request-method': 'POST' });
      expect(refused.status).toBe(403);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
    }
    const answer = await gql(gateway.url, '{ __typename }', {}, { headers: { origin: ALLOWED } });
    expect(answer.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(answer.headers['access-control-expose-headers']).toMatch(/x-ratelimit-remaining.*retry-after/);
    const other = await gql(gateway.url, '{ __typename }', {}, { headers: { origin: 'https://evil.example.com' } });
    expect(other.status).toBe(200); // answered, but no page of that origin may read it
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('allows no origin by default, and refuses CORS_ORIGINS that are not origins', async () => {
    const gateway = await startTestGateway();
    const preflight = await sendRaw(gateway.url, 'OPTIONS', { origin: ALLOWED, 'access-control-request-method': 'POST' });
    expect(preflight.status).toBe(403);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    const env = { NODE_ENV: 'test' };
    expect(loadConfig({ ...env }).corsOrigins).toEqual([]);
    expect(loadConfig({ ...env, CORS_ORIGINS: ' https://a.example.com, http://localhost:5173/ ' }).corsOrigins).toEqual(['https://a.example.com', 'http://localhost:5173']);
    expect(() => loadConfig({ ...env, CORS_ORIGINS: 'https://a.example.com/app' })).toThrow(ConfigError);
    expect(() => loadConfig({ ...env, CORS_ORIGINS: 'crm.example.com' })).toThrow(ConfigError);
  });
});
