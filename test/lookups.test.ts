import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import { AddMemberDocument, CreateContactDocument, CreateDepartmentDocument, SendInvitationDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { gql } from './support/limits';

let gateway: Gateway;
let token: string;
let otherOrgMemberId: string;
const known: Record<'member' | 'department' | 'contact' | 'invitation', string> = { member: '', department: '', contact: '', invitation: '' };
const unknownId = (type: string) => Buffer.from(`${type}:${randomUUID()}`).toString('base64url');

beforeAll(async () => {
  gateway = await startTestGateway({ exposeSqlCount: true });
  const client = new GraphQLClient(gateway.url);
  const [owner, stranger] = await Promise.all([createOrgWithOwner(client), createOrgWithOwner(client)]);
  const c = owner.client;
  token = c.token!;
  known.department = (await c.ok(CreateDepartmentDocument, { input: { name: 'Sales' } })).createDepartment.id;
  known.member = (await c.ok(AddMemberDocument, { input: { name: '山田 花子', phone: uniquePhone() } })).addMember.id;
  known.contact = (await c.ok(CreateContactDocument, { input: { name: '王芳', phones: [uniquePhone()] } })).createContact.id;
  known.invitation = (await c.ok(SendInvitationDocument, { input: { name: 'Guest', phone: uniquePhone() } })).sendInvitation.invitation.id;
  otherOrgMemberId = (await stranger.client.ok(AddMemberDocument, { input: { name: 'Elsewhere', phone: uniquePhone() } })).addMember.id;
});

const TYPES = { member: 'Member', department: 'Department', contact: 'Contact', invitation: 'Invitation' } as const;

describe('one unknown id nulls only its own field', () => {
  it.each(Object.keys(TYPES) as (keyof typeof TYPES)[])('%s(id:) of an unknown id is null with NOT_FOUND, and the rest of the answer stays', async (field) => {
    const result = await gql(gateway.url, `query ($known: ID!, $unknown: ID!) { viewer { user { id } } found: ${field}(id: $known) { id } missing: ${field}(id: $unknown) { id } }`, {
      known: known[field],
      unknown: unknownId(TYPES[field]),
    }, { token });
    expect(result.body.data.viewer.user.id).toBeTruthy();
    expect(result.body.data.found).toEqual({ id: known[field] });
    expect(result.body.data.missing).toBeNull();
    expect(result.body.errors.map((error: { path: string[]; extensions: { code: string } }) => [error.path, error.extensions.code])).toEqual([[['missing'], 'NOT_FOUND']]);
  });

  it('node(id:) of a malformed id is null with NOT_FOUND beside the rest', async () => {
    const result = await gql(gateway.url, `{ viewer { user { id } } node(id: "bad") { id } }`, {}, { token });
    expect(result.body.data.viewer.user.id).toBeTruthy();
    expect(result.body.data.node).toBeNull();
    expect(result.body.errors[0]).toMatchObject({ path: ['node'], extensions: { code: 'NOT_FOUND' } });
  });
});

describe('nodes(ids:)', () => {
  it('answers in the order given, null with NOT_FOUND at the index of each unknown, malformed or foreign id', async () => {
    const ids = [known.member, unknownId('Member'), known.department, 'bad', otherOrgMemberId, known.contact, known.invitation];
    const result = await gql(gateway.url, `query ($ids: [ID!]!) { nodes(ids: $ids) { __typename id ... on Member { name } } }`, { ids }, { token });
    expect(result.body.data.nodes).toEqual([
      { __typename: 'Member', id: known.member, name: '山田 花子' },
      null,
      { __typename: 'Department', id: known.department },
      null,
      null,
      { __typename: 'Contact', id: known.contact },
      { __typename: 'Invitation', id: known.invitation },
    ]);
    const errors = result.body.errors
      .map((error: { path: [string, number]; extensions: { code: string } }) => [error.path, error.extensions.code])
      .sort((a: [[string, number]], b: [[string, number]]) => a[0][1] - b[0][1]);
    expect(errors).toEqual([
      [['nodes', 1], 'NOT_FOUND'],
      [['nodes', 3], 'NOT_FOUND'],
      [['nodes', 4], 'NOT_FOUND'],
    ]);
  });

  it('looks up many members of one type with one statement, not one per id', async () => {
    const ids = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const client = new GraphQLClient(gateway.url).as(token);
        return (await client.ok(AddMemberDocument, { input: { name: `Batch ${i}`, phone: uniquePhone() } })).addMember.id;
      }),
    );
    const lookUp = (some: string[]) => gql(gateway.url, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: some }, { token });
    await lookUp(ids); // the viewer, changed by the additions, is cached again
    const one = await lookUp(ids.slice(0, 1));
    const ten = await lookUp(ids);
    expect(ten.body.data.nodes.map((node: { id: string }) => node.id)).toEqual(ids);
    expect(ten.body.extensions.sqlStatements).toBe(one.body.extensions.sqlStatements);
  });

  it('refuses more than 100 ids, and counts each id in the operation cost', async () => {
    const ids = Array.from({ length: 101 }, () => unknownId('Member'));
    const tooMany = await gql(gateway.url, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids }, { token });
    expect(tooMany.body.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    const cost = async (count: number) =>
      (await gql(gateway.url, `query ($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: ids.slice(0, count) }, { token })).body.extensions.cost.requested as number;
    expect(await cost(50)).toBe(10 * (await cost(5)));
  });
});
