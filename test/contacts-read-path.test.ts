/**
 * The contact search of `npm run bench:contacts` costs a fixed number of SQL statements with a warm credential,
 * whatever the page size, for an admin (every contact) and for a plain member (the visibility rule, through the
 * member's departments): the page, its tags and owners and the filter's tags and owner are read together.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ContactsReadPathDocument, CreateContactDocument, CreateDepartmentDocument, CreateTagDocument, CreateTagGroupDocument } from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin, type Person } from './support/people';

const CONTACTS = 60;

let owner: GraphQLClient;
let member: Person;
let colleague: Person;
let tagIds: string[];

beforeAll(async () => {
  const org = await createOrgWithOwner(new GraphQLClient((await startTestGateway()).url), '协和医药');
  owner = org.client;
  const team = (await owner.ok(CreateDepartmentDocument, { input: { name: '销售部' } })).createDepartment.id;
  member = await addPersonWithLogin(owner, org.org.code, { name: '张三', departmentIds: [team] });
  colleague = await addPersonWithLogin(owner, org.org.code, { name: '李四', departmentIds: [team] });
  const group = (await owner.ok(CreateTagGroupDocument, { input: { name: 'Kind' } })).createTagGroup.id;
  tagIds = [];
  for (const name of ['customer', 'supplier', 'partner']) tagIds.push((await owner.ok(CreateTagDocument, { input: { groupId: group, name } })).createTag.id);
  for (let batch = 0; batch < CONTACTS; batch += 10) {
    await Promise.all(
      Array.from({ length: 10 }, (_, k) => {
        const i = batch + k;
        // Half the member's own, half a colleague's shared with the team: both visible to the member.
        const input = {
          name: `Union Medical ${String(i).padStart(3, '0')}`,
          phones: [`+86139${String(10_000_000 + i)}`],
          company: 'Union Medical Devices',
          tagIds: [tagIds[i % 3]!, tagIds[(i + 1) % 3]!],
          visibility: i % 2 ? ('SHARED' as const) : ('PRIVATE' as const),
          sharedDepartmentIds: i % 2 ? [team] : [],
        };
        return (i % 2 ? colleague : member).client.ok(CreateContactDocument, { input });
      }),
    );
  }
}, 120_000);

describe('statements per contact search with a warm credential', () => {
  const viewers = () => ({ admin: owner, 'plain member': member.client });
  const filters = () => [
    { query: 'medic' },
    { query: 'medic', tagIds: [tagIds[0]!] },
    { query: 'Un', tagIds: [tagIds[1]!] },
    { query: 'nothing like it' },
    {},
  ];

  for (const who of ['admin', 'plain member'] as const) {
    it(`at most 4 for the ${who}, for pages of 5 and 40`, async () => {
      const client = viewers()[who];
      await client.ok(ContactsReadPathDocument, { first: 5 }); // warms the credential
      for (const filter of filters()) {
        for (const first of [5, 40]) {
          const result = await client.request(ContactsReadPathDocument, { first, filter });
          expect(result.errors).toBeUndefined();
          const edges = result.data!.contacts.edges;
          if (filter.query !== 'nothing like it') {
            expect(edges.length).toBe(Math.min(first, filter.tagIds ? 40 : CONTACTS));
            expect(edges.every((edge) => edge.node.owner?.name && edge.node.tags.length === 2)).toBe(true);
          } else {
            expect(edges).toHaveLength(0);
          }
          expect(result.extensions!.sqlStatements).toBeLessThanOrEqual(4);
        }
      }
    });
  }

  it('an unknown tag or owner in the filter still answers NOT_FOUND', async () => {
    const unknownTag = Buffer.from('Tag:00000000-0000-4000-8000-000000000001').toString('base64url');
    const unknownMember = Buffer.from('Member:00000000-0000-4000-8000-000000000001').toString('base64url');
    expect(errorCode(await member.client.request(ContactsReadPathDocument, { first: 5, filter: { tagIds: [unknownTag] } }))).toBe('NOT_FOUND');
    expect(errorCode(await member.client.request(ContactsReadPathDocument, { first: 5, filter: { ownerId: unknownMember } }))).toBe('NOT_FOUND');
  });
});
