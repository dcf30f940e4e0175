import { beforeAll, describe, expect, it } from 'vitest';
import { ContactsCountDocument, ContactsDocument, CreateContactDocument, CreateTagDocument, CreateTagGroupDocument } from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin, type Person } from './support/people';
import { rawIdOf, sql } from './support/sql-fixtures';

let owner: GraphQLClient;
let alice: Person;
let bob: Person;
let customer: string;
let supplier: string;

const names = async (client: GraphQLClient, filter: Record<string, unknown>, first = 50) =>
  (await client.ok(ContactsDocument, { first, filter })).contacts.edges.map((e) => e.node.name);

beforeAll(async () => {
  const anonymous = new GraphQLClient((await startTestGateway()).url);
  const org = await createOrgWithOwner(anonymous);
  owner = org.client;
  [alice, bob] = await Promise.all([
    addPersonWithLogin(owner, org.org.code, { name: 'Alice' }),
    addPersonWithLogin(owner, org.org.code, { name: 'Bob' }),
  ]);
  const { createTagGroup } = await owner.ok(CreateTagGroupDocument, { input: { name: 'Kind' } });
  customer = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'customer' } })).createTag.id;
  supplier = (await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name: 'supplier' } })).createTag.id;
  const add = (who: Person, name: string, phone: string, company: string | null, tagIds: string[], visibility: 'PRIVATE' | 'ORG' = 'ORG') =>
    who.client.ok(CreateContactDocument, { input: { name, phones: [phone], company, tagIds, visibility } });
  await add(alice, 'Zhang Wei', '+8613911110001', 'Beijing Union Hospital', [customer]);
  await add(alice, 'Wei Lan', '+8613911110002', 'Union Pharma', [supplier]);
  await add(alice, 'Li Na', '+8613922220003', 'Acme Devices', [customer, supplier]);
  await add(bob, '王伟', '+8613933330004', '协和医院', [customer]);
  await add(bob, '王子轩', '+8613933330005', '同仁医院', []);
  await add(bob, 'Private Weissman', '+8613944440006', 'Hidden Union', [customer], 'PRIVATE');
});

describe('contact search', () => {
  it('finds three characters or more anywhere in the name or company, case-insensitively', async () => {
    // Wei Lan by its name's prefix first, then 王伟 by the pinyin of its given name (wáng wěi), in reading order.
    expect(await names(alice.client, { query: 'wei' })).toEqual(['Wei Lan', '王伟', 'Zhang Wei']);
    expect(await names(alice.client, { query: 'UNION' })).toEqual(['Wei Lan', 'Zhang Wei']);
    expect(await names(alice.client, { query: 'nion hosp' })).toEqual(['Zhang Wei']);
    expect(await names(alice.client, { query: '王子轩' })).toEqual(['王子轩']);
    expect(await names(alice.client, { query: '同仁医' })).toEqual(['王子轩']);
    // A query never matches across two fields.
    expect(await names(alice.client, { query: 'wei beijing' })).toEqual([]);
    // The owner sees Bob's private contact too.
    expect(await names(owner, { query: 'union' })).toEqual(['Private Weissman', 'Wei Lan', 'Zhang Wei']);
  });

  it('finds one or two characters at the start of a Latin word or anywhere in CJK text, or at the start of a phone', async () => {
    expect(await names(alice.client, { query: 'we' })).toEqual(['Wei Lan', '王伟', 'Zhang Wei']);
    // "w" is also the pinyin initial of 王 (wáng).
    expect(await names(alice.client, { query: 'W' })).toEqual(['Wei Lan', '王伟', '王子轩', 'Zhang Wei']);
    expect(await names(alice.client, { query: 'ei' })).toEqual([]);
    expect(await names(alice.client, { query: '王' })).toEqual(['王伟', '王子轩']);
    expect(await names(alice.client, { query: '协和' })).toEqual(['王伟']);
    // One CJK character matches anywhere in a name.
    expect(await names(alice.client, { query: '伟' })).toEqual(['王伟']);
    expect(await names(alice.client, { query: 'un' })).toEqual(['Wei Lan', 'Zhang Wei']);
    expect(await names(alice.client, { query: '86' })).toHaveLength(5);
  });

  it('finds phone digits by substring, whatever the formatting', async () => {
    expect(await names(alice.client, { query: '3333000' })).toEqual(['王伟', '王子轩']);
    expect(await names(alice.client, { query: '+86 139-1111-0001' })).toEqual(['Zhang Wei']);
    expect(await names(alice.client, { query: '139 2222 0003' })).toEqual(['Li Na']);
    expect(await names(alice.client, { query: '4444' })).toEqual([]);
    expect(await names(owner, { query: '4444' })).toEqual(['Private Weissman']);
  });

  it('combines search with tag, owner, company and visibility filters', async () => {
    expect(await names(alice.client, { query: 'wei', tagIds: [customer] })).toEqual(['王伟', 'Zhang Wei']);
    expect(await names(alice.client, { tagIds: [customer, supplier] })).toEqual(['Li Na']);
    expect(await names(alice.client, { tagIds: [customer], ownerId: bob.memberId })).toEqual(['王伟']);
    expect(await names(owner, { tagIds: [customer], ownerId: bob.memberId })).toEqual(['Private Weissman', '王伟']);
    expect(await names(owner, { company: 'union pharma' })).toEqual(['Wei Lan']);
    expect(await names(owner, { visibility: 'PRIVATE' })).toEqual(['Private Weissman']);
    expect(await names(alice.client, { visibility: 'PRIVATE' })).toEqual([]);
    expect((await alice.client.ok(ContactsCountDocument, { filter: { query: '139', tagIds: [customer] } })).contacts.totalCount).toBe(3);
    expect((await owner.ok(ContactsCountDocument, { filter: { query: '139', tagIds: [customer] } })).contacts.totalCount).toBe(4);
  });

  it('pages a search with keyset cursors, in reading order (pinyin with Latin), without repeats or gaps', async () => {
    const seen: string[] = [];
    let after: string | null | undefined;
    for (;;) {
      const { contacts } = await owner.ok(ContactsDocument, { first: 2, after, filter: { query: '139' } });
      seen.push(...contacts.edges.map((e) => e.node.name));
      if (!contacts.pageInfo.hasNextPage) break;
      expect(contacts.edges).toHaveLength(2);
      after = contacts.pageInfo.endCursor;
    }
    expect(seen).toEqual(['Li Na', 'Private Weissman', '王伟', '王子轩', 'Wei Lan', 'Zhang Wei']);
    expect(errorCode(await owner.request(ContactsDocument, { first: 2, after: 'garbage' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.request(ContactsDocument, { first: 101 }))).toBe('BAD_USER_INPUT');
  });

  it('finds sparse matches beyond the first thousand contacts in name order, through the indexes, page by page', async () => {
    const org = await createOrgWithOwner(new GraphQLClient(owner.url));
    const orgId = rawIdOf(org.org.id);
    const ownerId = rawIdOf(org.member.id);
    // 1,500 contacts named "Aaa ..." sort first; three "Zed Needle ..." ones come after them.
    await sql(
      `insert into contacts (id, org_id, owner_id, name, phones, visibility)
       select gen_random_uuid(), $1, $2, case when i <= 1500 then 'Aaa ' || lpad(i::text, 4, '0') else 'Zed Needle ' || i end,
              array['+86136' || lpad(i::text, 8, '0')], 'PRIVATE'
         from generate_series(1, 1503) i`,
      [orgId, ownerId],
    );
    const page1 = (await org.client.ok(ContactsDocument, { first: 2, filter: { query: 'needle' } })).contacts;
    expect(page1.edges.map((e) => e.node.name)).toEqual(['Zed Needle 1501', 'Zed Needle 1502']);
    const page2 = (await org.client.ok(ContactsDocument, { first: 2, after: page1.pageInfo.endCursor, filter: { query: 'needle' } })).contacts;
    expect(page2.edges.map((e) => e.node.name)).toEqual(['Zed Needle 1503']);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    expect((await org.client.ok(ContactsDocument, { first: 5, filter: { query: 'z' } })).contacts.edges).toHaveLength(3);
    expect((await org.client.ok(ContactsDocument, { first: 5, filter: { query: 'nothing like it' } })).contacts.edges).toHaveLength(0);
    expect((await org.client.ok(ContactsCountDocument, { filter: { query: 'aaa 1' } })).contacts.totalCount).toBe(501);
    const dense = (await org.client.ok(ContactsDocument, { first: 3, filter: { query: '0001' } })).contacts.edges.map((e) => e.node.name);
    expect(dense).toEqual(['Aaa 0001', 'Aaa 0010', 'Aaa 0011']);
  });

  it('ranks a longer search by tier when its substrings lie beyond the probe (more than 20,000 contacts before them), for an admin and a plain member', async () => {
    const org = await createOrgWithOwner(new GraphQLClient(owner.url));
    const orgId = rawIdOf(org.org.id);
    const ownerId = rawIdOf(org.member.id);
    const plain = await addPersonWithLogin(org.client, org.org.code, { name: 'Plain' });
    // 20,100 contacts that sort first and match nothing: the substring tier's probe (SEARCH_PROBE) falls short.
    await sql(
      `insert into contacts (id, org_id, owner_id, name, phones, visibility)
       select gen_random_uuid(), $1, $2, 'Aaa ' || lpad(i::text, 5, '0'), '{}', 'ORG' from generate_series(1, 20100) i`,
      [orgId, ownerId],
    );
    // ORG ones, one private to the owner, and three shared with the plain member or theirs.
    const plainId = rawIdOf(plain.memberId);
    await sql(
      `insert into contacts (id, org_id, owner_id, name, company, phones, visibility, shared_member_ids)
       select gen_random_uuid(), $1, case when n.mine then $3::uuid else $2::uuid end, n.name, n.company, '{}', n.visibility,
              case when n.visibility = 'SHARED' then array[$3::uuid] else '{}'::uuid[] end
         from (values ('Needle', null, 'ORG', false), ('Needleman Zoe', null, 'ORG', false), ('Yan Bo', 'Needle Works', 'ORG', false),
                      ('Zed Needle 1', null, 'ORG', false), ('Zed Needle 2', null, 'ORG', false), ('Zed Needle 3', null, 'ORG', false),
                      ('Zed Needle Private', null, 'PRIVATE', false), ('Needle Shared', null, 'SHARED', false), ('Xu Needle', null, 'SHARED', false),
                      ('Aaa 0001 mine', null, 'PRIVATE', true)) n(name, company, visibility, mine)`,
      [orgId, ownerId, plainId],
    );
    const pages = async (client: GraphQLClient, query: string, first: number) => {
      const seen: string[] = [];
      let after: string | null | undefined;
      for (;;) {
        const { contacts } = await client.ok(ContactsDocument, { first, after, filter: { query } });
        seen.push(...contacts.edges.map((e) => e.node.name));
        if (!contacts.pageInfo.hasNextPage) return seen;
        expect(contacts.edges).toHaveLength(first);
        after = contacts.pageInfo.endCursor;
      }
    };
    // Exact name, then the names starting with it, then every other match in reading order.
    const all = ['Needle', 'Needle Shared', 'Needleman Zoe', 'Xu Needle', 'Yan Bo', 'Zed Needle 1', 'Zed Needle 2', 'Zed Needle 3', 'Zed Needle Private'];
    expect(await pages(org.client, 'needle', 2)).toEqual(all);
    expect(await pages(org.client, 'needle', 50)).toEqual(all);
    expect(await pages(plain.client, 'needle', 2)).toEqual(all.filter((name) => name !== 'Zed Needle Private'));
    expect(await pages(plain.client, 'zed needle', 4)).toEqual(['Zed Needle 1', 'Zed Needle 2', 'Zed Needle 3']);
    // Dense tiers fill the page from the indexes: names starting with the query, then substrings in reading order.
    expect(await names(org.client, { query: 'aaa 0001' }, 3)).toEqual(['Aaa 0001 mine', 'Aaa 00010', 'Aaa 00011']);
    expect(await names(org.client, { query: 'aaa 00010' }, 3)).toEqual(['Aaa 00010']);
    for (const client of [org.client, plain.client]) expect(await names(client, { query: 'a 0001' }, 3)).toEqual(['Aaa 0001 mine', 'Aaa 00010', 'Aaa 00011']);
    expect(await pages(plain.client, 'a 0001', 4)).toHaveLength(11);
    // With an owner filter the probe walks that owner's contacts (more than 20,000 for the owner: it falls short too).
    const byOwner = async (client: GraphQLClient, query: string, owner: string, first: number) => {
      const seen: string[] = [];
      let after: string | null | undefined;
      for (;;) {
        const { contacts } = await client.ok(ContactsDocument, { first, after, filter: { query, ownerId: owner } });
        seen.push(...contacts.edges.map((e) => e.node.name));
        if (!contacts.pageInfo.hasNextPage) return seen;
        after = contacts.pageInfo.endCursor;
      }
    };
    expect(await byOwner(org.client, 'needle', org.member.id, 2)).toEqual(all);
    expect(await byOwner(plain.client, 'needle', org.member.id, 3)).toEqual(all.filter((name) => name !== 'Zed Needle Private'));
    expect(await byOwner(plain.client, 'a 0001', plain.memberId, 3)).toEqual(['Aaa 0001 mine']);
    expect(await byOwner(org.client, 'a 0001', org.member.id, 20)).toHaveLength(10);
    expect((await org.client.ok(ContactsCountDocument, { filter: { query: 'needle' } })).contacts.totalCount).toBe(9);
  }, 120_000);

  it('answers NOT_FOUND for unknown or foreign filter ids', async () => {
    const garbage = Buffer.from('Tag:00000000-0000-4000-8000-000000000000').toString('base64url');
    expect(errorCode(await owner.request(ContactsDocument, { first: 5, filter: { tagIds: [garbage] } }))).toBe('NOT_FOUND');
    expect(errorCode(await owner.request(ContactsDocument, { first: 5, filter: { ownerId: customer } }))).toBe('NOT_FOUND');
    expect(errorCode(await owner.request(ContactsDocument, { first: 5, filter: { groupId: 'nope' } }))).toBe('NOT_FOUND');
  });
});
