import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { getNamedType, isNonNullType, isObjectType, Kind, parse } from 'graphql';
import type { Client } from 'graphql-ws';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../src/config';
import { buildAppSchema } from '../src/graphql/schema';
import { resolvers } from '../src/modules';
import { analyzeOperation } from '../src/limits/operation-cost';
import type { Gateway } from '../src/server';
import {
  AddMemberDocument,
  CreateApiClientDocument,
  CreateDepartmentDocument,
  CreateInviteLinkDocument,
  CreateRoleDocument,
  CreateRoleGroupDocument,
  RevokeApiClientDocument,
  SendInvitationDocument,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { csv, phoneSeries, postImport } from './support/imports';
import { startTestGateway } from './support/gateway';
import { apiClientFor, gql, postRaw, rawCode, type RawResult } from './support/limits';
import { rawIdOf, sql } from './support/sql-fixtures';
import { connectWs, wsCode, wsOperation } from './support/ws';

const JWT_SECRET = new TextEncoder().encode('test-secret-test-secret-test-secret'); // as test/support/gateway.ts
const IMPORT_MAX_BYTES = 64 * 1024;

let gateway: Gateway;
let production: Gateway;
let client: GraphQLClient;

/** One org's objects of each kind, by global id. */
interface Fixture {
  owner: Awaited<ReturnType<typeof createOrgWithOwner>>;
  token: string;
  orgId: string;
  memberId: string;
  otherMemberId: string;
  departmentId: string;
  roleId: string;
  groupId: string;
  invitationId: string;
  linkId: string;
  apiClientId: string;
  importId: string;
}

async function fixture(): Promise<Fixture> {
  const owner = await createOrgWithOwner(client);
  const c = owner.client;
  const { createDepartment } = await c.ok(CreateDepartmentDocument, { input: { name: 'Cardiology' } });
  const { addMember } = await c.ok(AddMemberDocument, { input: { name: 'Pending', phone: uniquePhone(), departmentIds: [createDepartment.id] } });
  const other = await c.ok(AddMemberDocument, { input: { name: 'Other', phone: uniquePhone() } });
  const { createRoleGroup } = await c.ok(CreateRoleGroupDocument, { input: { name: 'Officers' } });
  const { createRole } = await c.ok(CreateRoleDocument, { input: { name: 'Viewer', permissions: [{ module: 'MEMBERS', actions: ['VIEW'] }] } });
  const { sendInvitation } = await c.ok(SendInvitationDocument, { input: { name: 'Invitee', phone: uniquePhone() } });
  const { createInviteLink } = await c.ok(CreateInviteLinkDocument, { input: {} });
  const { createApiClient } = await c.ok(CreateApiClientDocument, { input: { name: 'CRM', scopes: ['MEMBERS_READ'] } });
  const upload = await postImport(gateway.url, c.token, csv(['name', 'phone'], [['Imported', uniquePhone()]]), { dryRun: true });
  return {
    owner,
    token: c.token!,
    orgId: owner.org.id,
    memberId: addMember.id,
    otherMemberId: other.addMember.id,
    departmentId: createDepartment.id,
    roleId: createRole.id,
    groupId: createRoleGroup.id,
    invitationId: sendInvitation.invitation.id,
    linkId: createInviteLink.invitation.id,
    apiClientId: createApiClient.client.id,
    importId: upload.body.id,
  };
}

/** Ids of the same types that exist nowhere. */
function unknownIds(): Omit<Fixture, 'owner' | 'token' | 'importId'> & { importId: string } {
  const id = (type: string) => Buffer.from(`${type}:${randomUUID()}`).toString('base64url');
  return {
    orgId: id('Org'),
    memberId: id('Member'),
    otherMemberId: id('Member'),
    departmentId: id('Department'),
    roleId: id('Role'),
    groupId: id('RoleGroup'),
    invitationId: id('Invitation'),
    linkId: id('Invitation'),
    apiClientId: id('ApiClient'),
    importId: id('MemberImport'),
  };
}

let attacker: Fixture;
let victim: Fixture;

beforeAll(async () => {
  gateway = await startTestGateway({ importMaxBytes: IMPORT_MAX_BYTES });
  production = await startTestGateway({ env: 'production', exposeSqlCount: true });
  client = new GraphQLClient(gateway.url);
  [attacker, victim] = await Promise.all([fixture(), fixture()]);
});

/** Refused before execution: the right code, no data, and not one SQL statement (the viewer is not even loaded). */
function expectRefusedBeforeExecution(result: RawResult, code: string, status = 400): void {
  expect({ code: rawCode(result), status: result.status }).toEqual({ code, status });
  expect(result.body.data).toBeUndefined();
  expect(result.body.extensions?.sqlStatements).toBe(0);
  expect(result.text).not.toMatch(/stacktrace|\n\s+at /);
}

const nest = (open: string, depth: number, leaf: string) => `${open} { `.repeat(depth) + leaf + ' }'.repeat(depth);
const aliases = (count: number, field: (i: number) => string) => Array.from({ length: count }, (_, i) => `a${i}: ${field(i)}`).join('\n');

interface LimitCase {
  name: string;
  query: string | (() => string);
  variables?: () => Record<string, unknown>;
  code: string;
  anonymous?: boolean;
}

const LIMIT_CASES: LimitCase[] = [
  { name: 'a department tree nested 15 levels deep', query: () => `query { department(id: "${attacker.departmentId}") { ${nest('children', 14, 'id')} } }`, code: 'DEPTH_LIMIT_EXCEEDED' },
  { name: 'a manager chain 20 deep', query: `query { members(first: 1) { nodes { ${nest('manager', 20, 'id')} } } }`, code: 'DEPTH_LIMIT_EXCEEDED' },
  {
    name: 'depth hidden in a chain of fragments',
    query: `query { members(first: 1) { nodes { ...F0 } } } ${Array.from({ length: 14 }, (_, i) => `fragment F${i} on Member { manager { ${i < 13 ? `...F${i + 1}` : 'id'} } }`).join(' ')}`,
    code: 'DEPTH_LIMIT_EXCEEDED',
  },
  { name: 'parent links climbed 15 times', query: () => `query { department(id: "${attacker.departmentId}") { ${nest('parent', 15, 'id')} } }`, code: 'DEPTH_LIMIT_EXCEEDED' },
  { name: 'a tree walked down from the viewer', query: `query { viewer { orgs { rootDepartment { ${nest('children', 10, 'id')} } } } }`, code: 'DEPTH_LIMIT_EXCEEDED' },
  { name: '200 aliases of __typename', query: `query { ${aliases(200, () => '__typename')} }`, code: 'TOO_MANY_ALIASES' },
  { name: '60 aliased connections', query: `query { ${aliases(60, () => 'members(first: 1) { totalCount }')} }`, code: 'TOO_MANY_ALIASES' },
  {
    name: 'aliases multiplied by spreading one fragment in many places',
    query: () =>
      `query { ${aliases(5, () => `member(id: "${attacker.memberId}") { ...Names }`)} } fragment Names on Member { ${aliases(10, () => 'name')} }`,
    code: 'TOO_MANY_ALIASES',
  },
  { name: '60 aliased logIn guesses, anonymous', query: `mutation { ${aliases(60, (i) => `logIn(input: { phone: "+8613900000000", password: "guess${i}" }) { token }`)} }`, code: 'TOO_MANY_ALIASES', anonymous: true },
  { name: '30 @include directives', query: `query { ${aliases(30, () => '__typename @include(if: true)')} }`, code: 'TOO_MANY_DIRECTIVES' },
  {
    name: 'directives multiplied through a fragment',
    query: () => `query { ${aliases(12, () => `member(id: "${attacker.memberId}") { ...D }`)} } fragment D on Member { id @include(if: true) name @skip(if: false) }`,
    code: 'TOO_MANY_DIRECTIVES',
  },
  { name: 'a document of 6,000 tokens', query: `query { ${'__typename '.repeat(6000)} }`, code: 'TOO_MANY_TOKENS' },
  {
    name: 'a list literal of 6,000 ids',
    query: `mutation { addMember(input: { name: "x", phone: "13900000000", departmentIds: [${Array.from({ length: 6000 }, (_, i) => `"d${i}"`).join(', ')}] }) { id } }`,
    code: 'TOO_MANY_TOKENS',
  },
  { name: 'connections nested 100 x 100 x 100', query: `query { members(first: 100) { nodes { reports(first: 100) { nodes { reports(first: 100) { nodes { id } } } } } } }`, code: 'COST_LIMIT_EXCEEDED' },
  {
    name: 'unpaged lists fanning out into pages',
    query: () => `query { department(id: "${attacker.departmentId}") { children { children { children { members(first: 100) { nodes { departments { id } } } } } } } }`,
    code: 'COST_LIMIT_EXCEEDED',
  },
  { name: 'every import report, three times over', query: `query { ${aliases(3, () => 'memberImports(first: 100) { nodes { report(first: 100) { nodes { row } } } }')} }`, code: 'COST_LIMIT_EXCEEDED' },
  {
    name: 'page sizes passed as variables',
    query: 'query ($n: Int!) { members(first: $n) { nodes { reports(first: $n) { nodes { reports(first: $n) { totalCount } } } } } }',
    variables: () => ({ n: 100 }),
    code: 'COST_LIMIT_EXCEEDED',
  },
  { name: 'first: 1000000', query: 'query { members(first: 1000000) { totalCount } }', code: 'BAD_USER_INPUT' },
  { name: 'first: 0', query: 'query { members(first: 0) { totalCount } }', code: 'BAD_USER_INPUT' },
  { name: 'first: -5', query: 'query { auditLog(first: -5) { totalCount } }', code: 'BAD_USER_INPUT' },
  { name: 'first: 1e9 in a variable', query: 'query ($n: Int!) { invitations(first: $n) { totalCount } }', variables: () => ({ n: 1_000_000_000 }), code: 'BAD_USER_INPUT' },
  { name: 'a fractional first in a variable', query: 'query ($n: Int!) { members(first: $n) { totalCount } }', variables: () => ({ n: 10.5 }), code: 'BAD_USER_INPUT' },
  { name: 'first: 500 on a nested connection', query: 'query { memberImports(first: 1) { nodes { report(first: 500) { totalCount } } } }', code: 'BAD_USER_INPUT' },
  { name: 'first beyond the Int range', query: 'query { members(first: 99999999999) { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'members without first', query: 'query { members { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'a department’s members without first', query: () => `query { department(id: "${attacker.departmentId}") { members { totalCount } } }`, code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'auditLog without first', query: 'query { auditLog { totalCount } }', code: 'GRAPHQL_VALIDATION_FAILED' },
  { name: 'reports without first', query: () => `query { member(id: "${attacker.memberId}") { reports { totalCount } } }`, code: 'GRAPHQL_VALIDATION_FAILED' },
];

describe('operations over the limits are refused before any resolver or SQL runs', () => {
  it.each(LIMIT_CASES)('$name: $code', async ({ query, variables, code, anonymous }) => {
    const text = typeof query === 'function' ? query() : query;
    const result = await gql(gateway.url, text, variables?.() ?? {}, { token: anonymous ? undefined : attacker.token });
    expectRefusedBeforeExecution(result, code);
  });

  it('refuses the alias flood of logIn without recording one attempt', async () => {
    expect(await sql(`select 1 from login_attempts where identifier = '+8613900000000'`)).toEqual([]);
  });

  it('says what the limit is', async () => {
    const result = await gql(gateway.url, 'query { members(first: 100) { nodes { reports(first: 100) { nodes { reports(first: 100) { nodes { id } } } } } } }', {}, { token: attacker.token });
    expect(result.body.errors[0].extensions).toEqual({ code: 'COST_LIMIT_EXCEEDED', cost: 1 + 100 * (1 + (1 + 100 * (1 + (1 + 100)))), maxCost: 20_000 });
    const deep = await gql(gateway.url, `query { members(first: 1) { nodes { ${nest('manager', 20, 'id')} } } }`, {}, { token: attacker.token });
    expect(deep.body.errors[0].extensions).toEqual({ code: 'DEPTH_LIMIT_EXCEEDED', depth: 23, maxDepth: 12 });
  });
});

describe('the same operations over graphql-ws are refused with the same codes', () => {
  let socket: Client;
  beforeAll(() => {
    socket = connectWs(gateway.url, attacker.token).client;
  });

  it.each(LIMIT_CASES)('$name: $code', async ({ query, variables, code }) => {
    const text = typeof query === 'function' ? query() : query;
    const answer = await wsOperation(socket, text, variables?.() ?? {});
    expect(wsCode(answer)).toBe(code);
    expect(answer.data).toBeUndefined();
  });

  it('refuses a subscription of 33,000 tokens, as HTTP refuses the same query', async () => {
    const query = `subscription { memberEvents { __typename ${'__typename '.repeat(33_000)} } }`;
    expect(wsCode(await wsOperation(socket, query))).toBe('TOO_MANY_TOKENS');
    expect(rawCode(await gql(gateway.url, query, {}, { token: attacker.token }))).toBe('TOO_MANY_TOKENS');
  });

  it('closes a socket sending a 10 MB message with 1009 before reading it, while /healthz keeps answering at once', async () => {
    const ws = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${attacker.token}` } }));
    await new Promise((resolve) => ws.once('message', resolve));
    const closed = new Promise<number>((resolve) => ws.once('close', resolve));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `{ ${'__typename '.repeat(1_000_000)} }` } }));
    const health = gateway.url.replace(/\/graphql$/, '/healthz');
    const probes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      expect((await fetch(health)).status).toBe(200);
      probes.push(performance.now() - started);
    }
    expect(await closed).toBe(1009);
    expect(probes.sort((a, b) => a - b)[2]).toBeLessThan(100);
  });
});

describe('batches', () => {
  const refusedBatch = (result: RawResult) => {
    expect(result.status).toBe(400);
    expect(result.text).toMatch(/batching/i);
  };

  it('refuses a batch of two queries', async () => {
    refusedBatch(await postRaw(gateway.url, [{ query: '{ __typename }' }, { query: '{ __typename }' }], { token: attacker.token }));
  });

  it('refuses a batch of 100 log-in guesses without trying one', async () => {
    const phone = uniquePhone();
    const batch = Array.from({ length: 100 }, (_, i) => ({ query: `mutation { logIn(input: { phone: "${phone}", password: "guess${i}" }) { token } }` }));
    refusedBatch(await postRaw(gateway.url, batch));
    expect(await sql('select 1 from login_attempts where identifier = $1', [phone])).toEqual([]);
  });

  it('refuses a batch holding a mutation without running it', async () => {
    const name = `Batch ${randomUUID()}`;
    refusedBatch(await postRaw(gateway.url, [{ query: `mutation { createDepartment(input: { name: "${name}" }) { id } }` }], { token: attacker.token }));
    expect(await sql('select 1 from departments where name = $1', [name])).toEqual([]);
  });

  it('refuses an empty batch', async () => {
    expect((await postRaw(gateway.url, [], { token: attacker.token })).status).toBe(400);
  });
});

describe('schema probes in production', () => {
  const probe = (query: string, token?: string) => gql(production.url, query, {}, { token });

  it.each([
    ['__schema', '{ __schema { types { name } } }'],
    ['__type', '{ __type(name: "Member") { fields { name } } }'],
    ['introspection inside a fragment', 'query { ...Probe } fragment Probe on Query { __schema { queryType { name } } }'],
    ['introspection under an alias', '{ s: __schema { queryType { name } } }'],
  ])('refuses introspection: %s', async (_name, query) => {
    const result = await probe(query, attacker.token);
    expectRefusedBeforeExecution(result, 'GRAPHQL_VALIDATION_FAILED');
    expect(result.body.errors[0].message).toMatch(/introspection/i);
  });

  it.each([
    ['a misspelt field', '{ membr(first: 1) { id } }', 'member'],
    ['a misspelt argument', '{ members(first: 1, filtr: {}) { totalCount } }', 'filter'],
    ['a misspelt type', '{ node(id: "x") { ... on Membr { id } } }', 'Member'],
    ['a misspelt enum value', '{ members(first: 1, filter: { status: ACTIV }) { totalCount } }', 'ACTIVE'],
    ['a misspelt input field', '{ members(first: 1, filter: { stauts: ACTIVE }) { totalCount } }', 'status'],
  ])('suggests nothing for %s', async (_name, query, hint) => {
    const development = await gql(gateway.url, query, {}, { token: attacker.token });
    const messages = (result: RawResult) => result.body.errors.map((error: { message: string }) => error.message).join('\n');
    expect(messages(development)).toMatch(new RegExp(`Did you mean[^"]*"${hint}"`));
    const result = await probe(query, attacker.token);
    expectRefusedBeforeExecution(result, 'GRAPHQL_VALIDATION_FAILED');
    expect(messages(result)).not.toMatch(/Did you mean/);
    expect(messages(result)).not.toContain(`"${hint}"`);
  });

  it('still answers plain operations in production', async () => {
    const result = await probe('{ __typename members(first: 1) { totalCount } }', attacker.token);
    expect(result.body.data.members.totalCount).toBeGreaterThan(1);
  });
});

describe('oversized input', () => {
  it('refuses a body over 1 MB (a 1 MB department name) before parsing it', async () => {
    const name = `Huge ${randomUUID()} ${'x'.repeat(1024 * 1024)}`;
    const result = await gql(gateway.url, 'mutation ($name: String!) { createDepartment(input: { name: $name }) { id } }', { name }, { token: attacker.token });
    expect([result.status, rawCode(result)]).toEqual([400, 'BAD_REQUEST']);
    expect(await sql('select 1 from departments where org_id = $1 and length(name) > 1000', [rawIdOf(attacker.orgId)])).toEqual([]);
  });

  it('refuses a 1 MB query document', async () => {
    const result = await postRaw(gateway.url, { query: `{ ${'__typename '.repeat(100_000)} }` }, { token: attacker.token });
    expect([result.status, rawCode(result)]).toEqual([400, 'BAD_REQUEST']);
  });

  it.each([
    ['a department', 'mutation ($name: String!) { createDepartment(input: { name: $name }) { id } }', 'name'],
    ['a member', 'mutation ($name: String!) { addMember(input: { name: $name, phone: "13900000001" }) { id } }', 'name'],
    ['an API client', 'mutation ($name: String!) { createApiClient(input: { name: $name, scopes: [MEMBERS_READ] }) { clientId } }', 'name'],
    ['an invitation message', 'mutation ($name: String!) { sendInvitation(input: { name: "Guest", phone: "13900000002", message: $name }) { url } }', 'message'],
  ])('refuses a 900 KB name or text for %s with BAD_USER_INPUT, writing nothing', async (_name, query, field) => {
    const result = await gql(gateway.url, query, { name: 'y'.repeat(900 * 1024) }, { token: attacker.token });
    expect(rawCode(result)).toBe('BAD_USER_INPUT');
    expect(result.body.errors[0].extensions.field).toBe(field);
    expect(await sql(`select 1 from audit_entries where org_id = $1 and length(summary::text) > 10000`, [rawIdOf(attacker.orgId)])).toEqual([]);
  });

  it('refuses an oversized CSV on POST /imports with 413, declared or streamed', async () => {
    const rows = phoneSeries(Math.ceil(IMPORT_MAX_BYTES / 20)).map((phone, i) => [`P${i}`, phone]);
    const declared = await postImport(gateway.url, attacker.token, csv(['name', 'phone'], rows));
    expect([declared.status, declared.body.errors?.[0]?.extensions.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
    const text = csv(['name', 'phone'], rows);
    const chunks = text.match(/[\s\S]{1,8192}/g)!.map((chunk) => new TextEncoder().encode(chunk));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const streamed = await postImport(gateway.url, attacker.token, stream);
    expect([streamed.status, streamed.body.errors?.[0]?.extensions.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('refuses a CSV whose single cell is larger than the limit', async () => {
    const result = await postImport(gateway.url, attacker.token, `name,phone\n"${'z'.repeat(IMPORT_MAX_BYTES * 2)}",13900000003\n`);
    expect([result.status, result.body.errors?.[0]?.extensions.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it('refuses imports by API clients and by nobody', async () => {
    const partner = await apiClientFor(attacker.owner.client, ['members:write', 'invitations:write']);
    const asPartner = await postImport(gateway.url, partner.token, csv(['name', 'phone'], [['A', uniquePhone()]]));
    expect([asPartner.status, asPartner.body.errors?.[0]?.extensions.code]).toEqual([403, 'FORBIDDEN']);
    const anonymous = await postImport(gateway.url, undefined, csv(['name', 'phone'], [['A', uniquePhone()]]));
    expect([anonymous.status, anonymous.body.errors?.[0]?.extensions.code]).toEqual([401, 'UNAUTHENTICATED']);
  });
});

/** Operations taking ids, each given the victim org's ids by the attacker's owner: all must answer like unknown ids. */
const CROSS_TENANT: Array<{ name: string; query: string; variables: (ids: ReturnType<typeof unknownIds>, own: Fixture) => Record<string, unknown> }> = [
  { name: 'member(id)', query: 'query ($id: ID!) { member(id: $id) { id } }', variables: (v) => ({ id: v.memberId }) },
  { name: 'department(id)', query: 'query ($id: ID!) { department(id: $id) { id } }', variables: (v) => ({ id: v.departmentId }) },
  { name: 'invitation(id)', query: 'query ($id: ID!) { invitation(id: $id) { id } }', variables: (v) => ({ id: v.invitationId }) },
  { name: 'inviteLinkQrCode(id)', query: 'query ($id: ID!) { inviteLinkQrCode(id: $id, format: SVG) { url } }', variables: (v) => ({ id: v.linkId }) },
  { name: 'memberImport(id)', query: 'query ($id: ID!) { memberImport(id: $id) { id } }', variables: (v) => ({ id: v.importId }) },
  ...(['memberId', 'departmentId', 'roleId', 'invitationId', 'apiClientId', 'orgId'] as const).map((key) => ({
    name: `node(id: ${key})`,
    query: 'query ($id: ID!) { node(id: $id) { id } }',
    variables: (v: ReturnType<typeof unknownIds>) => ({ id: v[key] }),
  })),
  { name: 'updateMember(id)', query: 'mutation ($id: ID!) { updateMember(input: { id: $id, title: "x" }) { id } }', variables: (v) => ({ id: v.memberId }) },
  { name: 'updateMember(departmentIds)', query: 'mutation ($id: ID!, $d: ID!) { updateMember(input: { id: $id, departmentIds: [$d] }) { id } }', variables: (v, own) => ({ id: own.memberId, d: v.departmentId }) },
  { name: 'updateMember(managerId)', query: 'mutation ($id: ID!, $m: ID!) { updateMember(input: { id: $id, managerId: $m }) { id } }', variables: (v, own) => ({ id: own.memberId, m: v.memberId }) },
  { name: 'addMember(departmentIds)', query: 'mutation ($d: ID!) { addMember(input: { name: "x", phone: "13900000010", departmentIds: [$d] }) { id } }', variables: (v) => ({ d: v.departmentId }) },
  { name: 'addMember(managerId)', query: 'mutation ($m: ID!) { addMember(input: { name: "x", phone: "13900000011", managerId: $m }) { id } }', variables: (v) => ({ m: v.memberId }) },
  { name: 'addMember(roleIds)', query: 'mutation ($r: ID!) { addMember(input: { name: "x", phone: "13900000012", roleIds: [$r] }) { id } }', variables: (v) => ({ r: v.roleId }) },
  { name: 'setMemberStatus(id)', query: 'mutation ($id: ID!) { setMemberStatus(input: { id: $id, status: DISABLED }) { id } }', variables: (v) => ({ id: v.memberId }) },
  { name: 'removeMember(id)', query: 'mutation ($id: ID!) { removeMember(input: { id: $id, mode: DELETE }) { removedMemberId } }', variables: (v) => ({ id: v.memberId }) },
  {
    name: 'removeMember(transferToMemberId)',
    query: 'mutation ($id: ID!, $t: ID!) { removeMember(input: { id: $id, mode: TRANSFER, transferToMemberId: $t }) { removedMemberId } }',
    variables: (v, own) => ({ id: own.otherMemberId, t: v.memberId }),
  },
  { name: 'assignRole(memberId)', query: 'mutation ($m: ID!, $r: ID!) { assignRole(input: { memberId: $m, roleId: $r }) { id } }', variables: (v, own) => ({ m: v.memberId, r: own.roleId }) },
  { name: 'assignRole(roleId)', query: 'mutation ($m: ID!, $r: ID!) { assignRole(input: { memberId: $m, roleId: $r }) { id } }', variables: (v, own) => ({ m: own.memberId, r: v.roleId }) },
  {
    name: 'assignRole(scopeDepartmentIds)',
    query: 'mutation ($m: ID!, $r: ID!, $d: ID!) { assignRole(input: { memberId: $m, roleId: $r, scopeDepartmentIds: [$d] }) { id } }',
    variables: (v, own) => ({ m: own.memberId, r: own.roleId, d: v.departmentId }),
  },
  { name: 'revokeRole(memberId)', query: 'mutation ($m: ID!, $r: ID!) { revokeRole(input: { memberId: $m, roleId: $r }) { id } }', variables: (v, own) => ({ m: v.memberId, r: own.roleId }) },
  { name: 'revokeRole(roleId)', query: 'mutation ($m: ID!, $r: ID!) { revokeRole(input: { memberId: $m, roleId: $r }) { id } }', variables: (v, own) => ({ m: own.memberId, r: v.roleId }) },
  { name: 'createDepartment(parentId)', query: 'mutation ($p: ID!) { createDepartment(input: { name: "x", parentId: $p }) { id } }', variables: (v) => ({ p: v.departmentId }) },
  { name: 'renameDepartment(id)', query: 'mutation ($id: ID!) { renameDepartment(input: { id: $id, name: "Taken" }) { id } }', variables: (v) => ({ id: v.departmentId }) },
  { name: 'moveDepartment(id)', query: 'mutation ($id: ID!, $p: ID!) { moveDepartment(input: { id: $id, newParentId: $p }) { id } }', variables: (v, own) => ({ id: v.departmentId, p: own.departmentId }) },
  { name: 'moveDepartment(newParentId)', query: 'mutation ($id: ID!, $p: ID!) { moveDepartment(input: { id: $id, newParentId: $p }) { id } }', variables: (v, own) => ({ id: own.departmentId, p: v.departmentId }) },
  { name: 'deleteDepartment(id)', query: 'mutation ($id: ID!) { deleteDepartment(id: $id) }', variables: (v) => ({ id: v.departmentId }) },
  { name: 'sendInvitation(departmentIds)', query: 'mutation ($d: ID!) { sendInvitation(input: { name: "x", phone: "13900000013", departmentIds: [$d] }) { url } }', variables: (v) => ({ d: v.departmentId }) },
  { name: 'sendInvitation(roleIds)', query: 'mutation ($r: ID!) { sendInvitation(input: { name: "x", phone: "13900000014", roleIds: [$r] }) { url } }', variables: (v) => ({ r: v.roleId }) },
  { name: 'createInviteLink(departmentIds)', query: 'mutation ($d: ID!) { createInviteLink(input: { departmentIds: [$d] }) { url } }', variables: (v) => ({ d: v.departmentId }) },
  { name: 'createInviteLink(roleIds)', query: 'mutation ($r: ID!) { createInviteLink(input: { roleIds: [$r] }) { url } }', variables: (v) => ({ r: v.roleId }) },
  { name: 'revokeInvitation(id)', query: 'mutation ($id: ID!) { revokeInvitation(id: $id) { id } }', variables: (v) => ({ id: v.invitationId }) },
  { name: 'resendInvitation(id)', query: 'mutation ($id: ID!) { resendInvitation(id: $id) { url } }', variables: (v) => ({ id: v.invitationId }) },
  { name: 'createEnterpriseAccount(memberId)', query: 'mutation ($m: ID!) { createEnterpriseAccount(memberId: $m, loginName: "intruder") { loginName } }', variables: (v) => ({ m: v.memberId }) },
  { name: 'updateRole(id)', query: 'mutation ($id: ID!) { updateRole(input: { id: $id, name: "Renamed" }) { id } }', variables: (v) => ({ id: v.roleId }) },
  { name: 'updateRole(groupId)', query: 'mutation ($id: ID!, $g: ID!) { updateRole(input: { id: $id, groupId: $g }) { id } }', variables: (v, own) => ({ id: own.roleId, g: v.groupId }) },
  { name: 'deleteRole(id)', query: 'mutation ($id: ID!) { deleteRole(id: $id) }', variables: (v) => ({ id: v.roleId }) },
  { name: 'createRole(groupId)', query: 'mutation ($g: ID!) { createRole(input: { name: "Spy", permissions: [], groupId: $g }) { id } }', variables: (v) => ({ g: v.groupId }) },
  { name: 'renameRoleGroup(id)', query: 'mutation ($id: ID!) { renameRoleGroup(input: { id: $id, name: "Renamed" }) { id } }', variables: (v) => ({ id: v.groupId }) },
  { name: 'deleteRoleGroup(id)', query: 'mutation ($id: ID!) { deleteRoleGroup(id: $id) }', variables: (v) => ({ id: v.groupId }) },
  { name: 'switchOrg(orgId)', query: 'mutation ($id: ID!) { switchOrg(orgId: $id) { token } }', variables: (v) => ({ id: v.orgId }) },
  { name: 'revokeApiClient(id)', query: 'mutation ($id: ID!) { revokeApiClient(id: $id) { id } }', variables: (v) => ({ id: v.apiClientId }) },
  { name: 'rotateApiClientSecret(id)', query: 'mutation ($id: ID!) { rotateApiClientSecret(id: $id) { clientSecret } }', variables: (v) => ({ id: v.apiClientId }) },
  { name: 'members(filter.departmentId)', query: 'query ($d: ID!) { members(first: 5, filter: { departmentId: $d }) { totalCount } }', variables: (v) => ({ d: v.departmentId }) },
  { name: 'members(filter.roleId)', query: 'query ($r: ID!) { members(first: 5, filter: { roleId: $r }) { totalCount } }', variables: (v) => ({ r: v.roleId }) },
  { name: 'invitations(filter.departmentId)', query: 'query ($d: ID!) { invitations(first: 5, filter: { departmentId: $d }) { totalCount } }', variables: (v) => ({ d: v.departmentId }) },
  { name: 'auditLog(filter.actorId)', query: 'query ($a: ID!) { auditLog(first: 5, filter: { actorId: $a }) { totalCount } }', variables: (v) => ({ a: v.memberId }) },
  { name: 'auditLog(filter.targetId)', query: 'query ($t: ID!) { auditLog(first: 5, filter: { targetId: $t }) { totalCount } }', variables: (v) => ({ t: v.memberId }) },
  {
    name: 'department.members(filter.roleId)',
    query: 'query ($id: ID!, $r: ID!) { department(id: $id) { members(first: 5, filter: { roleId: $r }) { totalCount } } }',
    variables: (v, own) => ({ id: own.departmentId, r: v.roleId }),
  },
];

/** What a client can compare: codes and messages, or the data. */
function answerOf(result: RawResult) {
  return result.body.errors ? { errors: result.body.errors.map((e: { message: string; extensions: { code: string } }) => [e.extensions.code, e.message]) } : { data: result.body.data };
}

describe('cross-tenant ids in every argument answer exactly like unknown ids', () => {
  it.each(CROSS_TENANT)('$name', async ({ query, variables }) => {
    const foreign = await gql(gateway.url, query, variables({ ...victim, importId: victim.importId }, attacker), { token: attacker.token });
    const unknown = await gql(gateway.url, query, variables(unknownIds(), attacker), { token: attacker.token });
    expect(answerOf(foreign)).toEqual(answerOf(unknown));
    expect(foreign.text).not.toContain(rawIdOf(victim.orgId));
    if (foreign.body.errors) expect(['NOT_FOUND', 'BAD_USER_INPUT']).toContain(rawCode(foreign));
  });

  it('left the victim org untouched', async () => {
    const [member] = await sql<{ status: string; title: string | null; manager_id: string | null }>('select status, title, manager_id from members where id = $1', [rawIdOf(victim.memberId)]);
    expect(member).toEqual({ status: 'PENDING', title: null, manager_id: null });
    const [department] = await sql<{ name: string; parent_id: string }>('select name, parent_id from departments where id = $1', [rawIdOf(victim.departmentId)]);
    expect(department!.name).toBe('Cardiology');
    expect(await sql('select name from roles where id = $1', [rawIdOf(victim.roleId)])).toEqual([{ name: 'Viewer' }]);
    expect(await sql('select status from invitations where id = $1', [rawIdOf(victim.invitationId)])).toEqual([{ status: 'PENDING' }]);
    expect(await sql('select revoked_at from api_clients where id = $1', [rawIdOf(victim.apiClientId)])).toEqual([{ revoked_at: null }]);
    expect(await sql(`select action from audit_entries where org_id = $1 and action not in ('org.create', 'department.create', 'member.add', 'roleGroup.create', 'role.create', 'invitation.send', 'inviteLink.create', 'apiClient.create')`, [rawIdOf(victim.orgId)])).toEqual([]);
  });
});

describe('forged, expired and foreign credentials', () => {
  const members = 'query { members(first: 5) { totalCount } }';
  const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));

  it('a token signed with another key is worth nothing', async () => {
    const forged = await new SignJWT({ org: rawIdOf(attacker.orgId) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claimsOf(attacker.token).sub)
      .setIssuer('orggraph')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another'));
    expect(rawCode(await gql(gateway.url, members, {}, { token: forged }))).toBe('UNAUTHENTICATED');
  });

  it('an expired token is worth nothing', async () => {
    const expired = await new SignJWT({ org: rawIdOf(attacker.orgId) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claimsOf(attacker.token).sub)
      .setIssuer('orggraph')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
      .sign(JWT_SECRET);
    expect(rawCode(await gql(gateway.url, members, {}, { token: expired }))).toBe('UNAUTHENTICATED');
  });

  it('an unsigned token (alg none) and a token with a swapped payload are worth nothing', async () => {
    const [header, , signature] = attacker.token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claimsOf(attacker.token), org: rawIdOf(victim.orgId) })).toString('base64url')}.`;
    expect(rawCode(await gql(gateway.url, members, {}, { token: none }))).toBe('UNAUTHENTICATED');
    const swapped = `${header}.${Buffer.from(JSON.stringify({ ...claimsOf(attacker.token), org: rawIdOf(victim.orgId) })).toString('base64url')}.${signature}`;
    expect(rawCode(await gql(gateway.url, members, {}, { token: swapped }))).toBe('UNAUTHENTICATED');
  });

  it('a token of one org reads nothing of another', async () => {
    const result = await gql(gateway.url, 'query ($id: ID!) { member(id: $id) { id } }', { id: victim.memberId }, { token: attacker.token });
    expect(rawCode(result)).toBe('NOT_FOUND');
    // A validly signed token naming an org the user is not a member of gives no membership at all.
    const sneaky = await new SignJWT({ org: rawIdOf(victim.orgId) })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claimsOf(attacker.token).sub)
      .setIssuer('orggraph')
      .setExpirationTime('1h')
      .sign(JWT_SECRET);
    expect(rawCode(await gql(gateway.url, members, {}, { token: sneaky }))).toBe('FORBIDDEN');
  });

  it('an API client token naming another org, or scopes its client does not hold, gains nothing', async () => {
    const partner = await apiClientFor(attacker.owner.client, ['members:read']);
    const claims = claimsOf(partner.token);
    const sign = (payload: Record<string, unknown>) =>
      new SignJWT(payload).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuer('orggraph').setExpirationTime('5m').sign(JWT_SECRET);
    const otherOrg = await sign({ typ: 'api_client', org: rawIdOf(victim.orgId), scope: 'members:read', gen: claims.gen });
    expect(rawCode(await gql(gateway.url, members, {}, { token: otherOrg }))).toBe('UNAUTHENTICATED');
    const moreScopes = await sign({ typ: 'api_client', org: claims.org, scope: 'members:read audit:read', gen: claims.gen });
    expect(rawCode(await gql(gateway.url, 'query { auditLog(first: 5) { totalCount } }', {}, { token: moreScopes }))).toBe('FORBIDDEN');
    const oldGeneration = await sign({ typ: 'api_client', org: claims.org, scope: 'members:read', gen: claims.gen + 1 });
    expect(rawCode(await gql(gateway.url, members, {}, { token: oldGeneration }))).toBe('UNAUTHENTICATED');
  });

  it('a revoked API client token stops at once', async () => {
    const partner = await apiClientFor(attacker.owner.client, ['members:read']);
    expect((await gql(gateway.url, members, {}, { token: partner.token })).body.data.members.totalCount).toBeGreaterThan(1);
    await attacker.owner.client.ok(RevokeApiClientDocument, { id: partner.id });
    expect(rawCode(await gql(gateway.url, members, {}, { token: partner.token }))).toBe('UNAUTHENTICATED');
  });
});

describe('the project’s own operations', () => {
  const files = readdirSync('test/operations').filter((file) => file.endsWith('.graphql'));
  const limits = loadConfig({ NODE_ENV: 'test' }).operationLimits;

  it('every operation in test/operations passes the cost, depth, alias, directive and token limits, with absent page sizes at their largest', async () => {
    const schema = await buildAppSchema(resolvers);
    const checked: string[] = [];
    for (const file of files) {
      const document = parse(readFileSync(`test/operations/${file}`, 'utf8'), { maxTokens: limits.maxTokens });
      for (const definition of document.definitions) {
        if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
        const analysis = analyzeOperation(schema, document, definition, {});
        const name = `${file}:${definition.name?.value}`;
        expect({ name, cost: analysis.cost <= limits.maxCost, depth: analysis.depth <= limits.maxDepth, aliases: analysis.aliases <= limits.maxAliases, directives: analysis.directives <= limits.maxDirectives }).toEqual({
          name,
          cost: true,
          depth: true,
          aliases: true,
          directives: true,
        });
        checked.push(name);
      }
    }
    expect(checked.length).toBeGreaterThan(60);
  });

  it('every connection field of the schema requires its page size (first: Int!)', async () => {
    const schema = await buildAppSchema(resolvers);
    const unpaged: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || type.name.startsWith('__')) continue;
      for (const field of Object.values(type.getFields())) {
        const returned = getNamedType(field.type);
        // Relay connections by shape (ContactCardConnection, a contact link, is not one).
        if (!isObjectType(returned) || !returned.getFields().edges || !returned.getFields().pageInfo) continue;
        const first = field.args.find((arg) => arg.name === 'first');
        if (!first || !isNonNullType(first.type)) unpaged.push(`${type.name}.${field.name}`);
      }
    }
    expect(unpaged).toEqual([]);
  });
});
