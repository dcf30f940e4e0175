import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, type RateLimits } from '../src/config';
import type { Gateway } from '../src/server';
import { CreateEnterpriseAccountDocument, RequestPhoneVerificationDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csv, postImport } from './support/imports';
import { apiClientFor, gql, rawCode, requestToken, type RawResult } from './support/limits';
import { insertMember } from './support/accounts-db';
import { sql } from './support/sql-fixtures';
import { connectWs, wsCode, wsOperation } from './support/ws';

/** Costs 7: the page query, totalCount, and 5 members. */
const PAGE = 'query Page { members(first: 5) { totalCount nodes { id } } }';

/** A gateway with its own low limits (and its own counters unless `prefix` is shared). */
function limitedGateway(limits: Partial<RateLimits>, extra: Parameters<typeof startTestGateway>[0] = {}): Promise<Gateway> {
  return startTestGateway({ rateLimits: { ...DEFAULT_RATE_LIMITS, prefix: `orggraph-test:${randomUUID()}`, ...limits }, ...extra });
}

function expectRateLimited(result: RawResult): number {
  expect(result.status).toBe(429);
  expect(rawCode(result)).toBe('RATE_LIMITED');
  const retryAfter = result.body.errors[0].extensions.retryAfter as number;
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60);
  expect(result.headers['retry-after']).toBe(String(retryAfter));
  expect(result.body.extensions.sqlStatements).toBe(0);
  expect(result.body.data).toBeUndefined();
  return retryAfter;
}

let setup: GraphQLClient;
beforeAll(async () => {
  // People and orgs are made here, so their sign-ups do not spend the budgets of the gateways under test.
  setup = new GraphQLClient((await startTestGateway()).url);
});

describe('cost budgets', () => {
  it('charges each operation its cost per credential, reports what is left, and answers 429 RATE_LIMITED past the budget', async () => {
    const gateway = await limitedGateway({ perCredential: 40 });
    const [first, second] = [await createOrgWithOwner(setup), await createOrgWithOwner(setup)];
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await gql(gateway.url, PAGE, {}, { token: first.client.token });
      expect(result.status).toBe(200);
      expect(result.body.extensions.cost).toMatchObject({ requested: 7, actual: 3, limit: 40, maxCost: 20_000, resetAt: expect.any(String) });
      remaining.push(result.body.extensions.cost.remaining);
    }
    expect(remaining).toEqual([33, 26, 19, 12, 5]);
    const refused = await gql(gateway.url, PAGE, {}, { token: first.client.token });
    expectRateLimited(refused);
    expect(refused.body.extensions.cost).toMatchObject({ requested: 7, remaining: 5 });
    // A cheaper operation still fits what is left.
    expect((await gql(gateway.url, '{ __typename }', {}, { token: first.client.token })).status).toBe(200);
    // Another credential from the same address has its own budget.
    expect((await gql(gateway.url, PAGE, {}, { token: second.client.token })).body.extensions.cost.remaining).toBe(33);
  });

  it('counts an API client as a credential of its own', async () => {
    const gateway = await limitedGateway({ perCredential: 20 });
    const owner = await createOrgWithOwner(setup);
    const partner = await apiClientFor(owner.client, ['members:read']);
    for (let i = 0; i < 2; i++) expect((await gql(gateway.url, PAGE, {}, { token: partner.token })).status).toBe(200);
    expectRateLimited(await gql(gateway.url, PAGE, {}, { token: partner.token }));
    expect((await gql(gateway.url, PAGE, {}, { token: owner.client.token })).status).toBe(200);
  });

  it('limits each client address, whoever calls from it', async () => {
    const gateway = await limitedGateway({ perAddress: 30 });
    const [first, second] = [await createOrgWithOwner(setup), await createOrgWithOwner(setup)];
    for (let i = 0; i < 4; i++) expect((await gql(gateway.url, PAGE, {}, { token: first.client.token })).status).toBe(200);
    // 28 spent from 127.0.0.1: a fresh credential from there is refused, from another address it is not.
    expectRateLimited(await gql(gateway.url, PAGE, {}, { token: second.client.token }));
    expect((await gql(gateway.url, PAGE, {}, { token: second.client.token, localAddress: '127.0.0.2' })).status).toBe(200);
    // Anonymous callers are counted by address too.
    for (let i = 0; i < 2; i++) expect((await gql(gateway.url, '{ __typename }', {}, { localAddress: '127.0.0.3' })).status).toBe(200);
    // Every operation costs at least 1: 29, 30, then over.
    for (let i = 0; i < 2; i++) expect((await gql(gateway.url, '{ __typename }', {})).status).toBe(200);
    expectRateLimited(await gql(gateway.url, '{ __typename }', {}));
  });

  it('refuses an operation larger than the whole budget as COST_LIMIT_EXCEEDED, not as a wait', async () => {
    const gateway = await limitedGateway({ perCredential: 50 });
    const owner = await createOrgWithOwner(setup);
    const result = await gql(gateway.url, 'query { members(first: 60) { nodes { id } } }', {}, { token: owner.client.token });
    expect(result.status).toBe(400);
    expect(result.body.errors[0].extensions).toMatchObject({ code: 'COST_LIMIT_EXCEEDED', cost: 61, maxCost: 50 });
    expect(result.body.extensions.sqlStatements).toBe(0);
  });

  it('charges each CSV upload to POST /imports to the same budgets', async () => {
    const gateway = await limitedGateway({ perCredential: 250 });
    const owner = await createOrgWithOwner(setup);
    const file = csv(['name', 'phone'], [['Upload', uniquePhone()]]);
    for (let i = 0; i < 2; i++) expect((await postImport(gateway.url, owner.client.token, file, { dryRun: true })).status).toBe(200);
    const refused = await postImport(gateway.url, owner.client.token, file, { dryRun: true });
    expect([refused.status, refused.body.errors?.[0]?.extensions.code]).toEqual([429, 'RATE_LIMITED']);
    expect(refused.body.errors![0]!.extensions.retryAfter).toBeGreaterThan(0);
    expect((await gql(gateway.url, PAGE, {}, { token: owner.client.token })).body.extensions.cost.remaining).toBe(43);
  });

  it('is shared by gateways on the same Redis', async () => {
    const prefix = `orggraph-test:${randomUUID()}`;
    const one = await limitedGateway({ prefix, perCredential: 30 });
    const two = await limitedGateway({ prefix, perCredential: 30 });
    const owner = await createOrgWithOwner(setup);
    expect((await gql(one.url, PAGE, {}, { token: owner.client.token })).body.extensions.cost.remaining).toBe(23);
    expect((await gql(one.url, PAGE, {}, { token: owner.client.token })).body.extensions.cost.remaining).toBe(16);
    expect((await gql(two.url, PAGE, {}, { token: owner.client.token })).body.extensions.cost.remaining).toBe(9);
    expect((await gql(two.url, PAGE, {}, { token: owner.client.token })).body.extensions.cost.remaining).toBe(2);
    expectRateLimited(await gql(one.url, PAGE, {}, { token: owner.client.token }));
    expectRateLimited(await gql(two.url, PAGE, {}, { token: owner.client.token }));
  });

  it('keeps answering, with per-process counters, when Redis cannot be reached', async () => {
    const gateway = await limitedGateway({ perCredential: 20 }, { redisUrl: 'redis://127.0.0.1:1', logLevel: 'error' });
    const owner = await createOrgWithOwner(setup);
    const first = await gql(gateway.url, PAGE, {}, { token: owner.client.token });
    expect(first.status).toBe(200);
    expect(first.body.data.members.totalCount).toBe(1);
    expect(first.body.extensions.cost.remaining).toBe(13);
    expect((await gql(gateway.url, PAGE, {}, { token: owner.client.token })).status).toBe(200);
    expectRateLimited(await gql(gateway.url, PAGE, {}, { token: owner.client.token }));
  });
});

describe('guessable secrets', () => {
  const tight = { perAddress: 5, perTarget: 3, windowSeconds: 60 };

  it('limits log-in attempts per account and per address, counting each aliased attempt, before any SQL', async () => {
    const gateway = await limitedGateway({ logIn: tight });
    const { phone } = await signUpUser(setup);
    const logIn = (password: string, phoneNumber = phone, localAddress?: string) =>
      gql(gateway.url, 'mutation ($input: LogInInput!) { logIn(input: $input) { token } }', { input: { phone: phoneNumber, password } }, { localAddress });

    for (let i = 0; i < 3; i++) expect(rawCode(await logIn(`wrong-${i}`))).toBe('INVALID_CREDENTIALS');
    // Written differently, the same number is the same target.
    expectRateLimited(await logIn(PASSWORD, phone.replace('+86', '+86 ')));
    // Other accounts from this address: two more attempts, then the address is spent.
    expect(rawCode(await logIn('x', uniquePhone()))).toBe('INVALID_CREDENTIALS');
    expect(rawCode(await logIn('x', uniquePhone()))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await logIn('x', uniquePhone()));
    // Elsewhere, a fresh account is not affected.
    expect(rawCode(await logIn('x', uniquePhone(), '127.0.0.2'))).toBe('INVALID_CREDENTIALS');

    // Four guesses in one operation: four attempts, refused at once, and not one reached the database.
    const target = uniquePhone();
    const aliases = [1, 2, 3, 4].map((i) => `a${i}: logIn(input: { phone: "${target}", password: "guess-${i}" }) { token }`).join('\n');
    expectRateLimited(await gql(gateway.url, `mutation { ${aliases} }`, {}, { localAddress: '127.0.0.3' }));
    expect(await sql('select 1 from login_attempts where identifier = $1', [target])).toEqual([]);
  });

  it('counts enterprise log-ins against the same budget, per org code and login name', async () => {
    const gateway = await limitedGateway({ logIn: tight });
    const owner = await createOrgWithOwner(setup);
    const member = await insertMember(owner.org.id, { name: 'Staff', phone: uniquePhone() });
    await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: member.id, loginName: 'staff.one' });
    const [org] = await sql<{ code: string }>('select o.code from orgs o join members m on m.org_id = o.id where m.id = $1', [member.rawId]);
    const attempt = (loginName: string) =>
      gql(gateway.url, 'mutation ($input: LogInWithEnterpriseAccountInput!) { logInWithEnterpriseAccount(input: $input) { token } }', {
        input: { orgCode: org!.code, loginName, password: 'wrong-password' },
      });
    for (let i = 0; i < 3; i++) expect(rawCode(await attempt(i % 2 ? 'STAFF.ONE' : 'staff.one'))).toBe('INVALID_CREDENTIALS');
    expectRateLimited(await attempt('staff.one'));
  });

  it('limits verification-code attempts per user', async () => {
    const gateway = await limitedGateway({ phoneVerification: tight });
    const user = await signUpUser(setup);
    await user.client.ok(RequestPhoneVerificationDocument);
    const verify = (code: string, token = user.client.token) => gql(gateway.url, 'mutation ($code: String!) { verifyPhone(code: $code) { id } }', { code }, { token });
    for (let i = 0; i < 3; i++) expect(rawCode(await verify('000000'))).toBe('INVALID_VERIFICATION_CODE');
    expectRateLimited(await verify('000001'));

    const other = await signUpUser(setup);
    const aliases = [1, 2, 3, 4].map((i) => `v${i}: verifyPhone(code: "00000${i}") { id }`).join('\n');
    expectRateLimited(await gql(gateway.url, `mutation { ${aliases} }`, {}, { token: other.client.token, localAddress: '127.0.0.2' }));
  });

  it('limits invitation-token guesses per user and per address', async () => {
    const gateway = await limitedGateway({ invitationToken: { perAddress: 6, perTarget: 3, windowSeconds: 60 } });
    const guesser = await signUpUser(setup);
    const accept = (token: string, as = guesser.client.token, localAddress?: string) =>
      gql(gateway.url, 'mutation ($token: String!) { acceptInvitation(token: $token) { token } }', { token }, { token: as, localAddress });
    for (let i = 0; i < 3; i++) expect(rawCode(await accept(`guess-${i}`))).toBe('INVITATION_INVALID');
    expectRateLimited(
      await gql(gateway.url, 'mutation ($token: String!) { declineInvitation(token: $token) }', { token: 'guess-3' }, { token: guesser.client.token }),
    );
    // A second account from the same address gets the address's three remaining attempts, not its own fresh three.
    const accomplice = await signUpUser(setup);
    for (let i = 0; i < 3; i++) expect(rawCode(await accept(`guess-b${i}`, accomplice.client.token))).toBe('INVITATION_INVALID');
    expectRateLimited(await accept('guess-b4', (await signUpUser(setup)).client.token));

    const aliased = [1, 2, 3, 4].map((i) => `t${i}: declineInvitation(token: "guess-${i}")`).join('\n');
    expectRateLimited(await gql(gateway.url, `mutation { ${aliased} }`, {}, { token: (await signUpUser(setup)).client.token, localAddress: '127.0.0.2' }));
  });

  it('counts guesses sent over graphql-ws against the same budgets as over HTTP', async () => {
    const gateway = await limitedGateway({ invitationToken: { perAddress: 50, perTarget: 3, windowSeconds: 60 } });
    const guesser = await signUpUser(setup);
    const accept = 'mutation ($token: String!) { acceptInvitation(token: $token) { token } }';
    for (let i = 0; i < 3; i++) expect(rawCode(await gql(gateway.url, accept, { token: `guess-${i}` }, { token: guesser.client.token }))).toBe('INVITATION_INVALID');
    const { client: socket } = connectWs(gateway.url, guesser.client.token!);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => wsOperation(socket, accept, { token: `ws-guess-${i}` })));
    expect(answers.map(wsCode)).toEqual(Array(20).fill('RATE_LIMITED'));

    // And the other way round: guesses over a socket spend the budget HTTP then finds spent.
    const other = await signUpUser(setup);
    const { client: otherSocket } = connectWs(gateway.url, other.client.token!);
    for (let i = 0; i < 3; i++) expect(wsCode(await wsOperation(otherSocket, accept, { token: `guess-${i}` }))).toBe('INVITATION_INVALID');
    expectRateLimited(await gql(gateway.url, accept, { token: 'guess-3' }, { token: other.client.token }));
  });

  it('limits token requests per client id and per address at POST /oauth/token', async () => {
    const gateway = await limitedGateway({ apiToken: tight });
    const owner = await createOrgWithOwner(setup);
    const partner = await apiClientFor(owner.client, ['members:read']);
    for (let i = 0; i < 3; i++) {
      const wrong = await requestToken(gateway.url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: `ogs_wrong${i}` });
      expect([wrong.status, wrong.body.error]).toEqual([401, 'invalid_client']);
    }
    const refused = await requestToken(gateway.url, { grant_type: 'client_credentials', client_id: partner.clientId, client_secret: partner.clientSecret });
    expect([refused.status, refused.body.error]).toEqual([429, 'slow_down']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    const elsewhere = await requestToken(
      gateway.url,
      { grant_type: 'client_credentials', client_id: 'ogc_other', client_secret: 'x' },
      { localAddress: '127.0.0.2' },
    );
    expect(elsewhere.status).toBe(401);
  });
});
