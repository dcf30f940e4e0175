/**
 * Issue 14's search and reading order on the real PostgreSQL (an in-process gateway); `name-search-embedded.test.ts`
 * runs the same scenario on the embedded database. Here also: the migration's rebuild of existing rows.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rebuildNameKeys } from '../src/db/migrations/Migration20261211090000_name_search_keys';
import { AddMemberDocument, CreateContactDocument, NameSearchContactsDocument, NameSearchMembersDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { describeNameSearch } from './support/name-search';
import { rawIdOf, sql } from './support/sql-fixtures';

describeNameSearch('PostgreSQL', async () => (await startTestGateway()).url);

/** `?` placeholders as pg's `$n`, as knex does for the migration. */
const execute = (text: string, params: unknown[]) => {
  let n = 0;
  return sql(text.replace(/\?/g, () => `$${++n}`), params);
};

describe('short CJK searches in a large org', () => {
  it('pages substring matches beyond the first members in reading order (the probe falls short, all matches are ranked)', async () => {
    const org = await createOrgWithOwner(new GraphQLClient((await startTestGateway()).url));
    const orgId = rawIdOf(org.org.id);
    // 4,100 members that sort first ("aaa ..."), more than MEMBER_NAME_PROBE: the matches lie beyond the probe.
    await sql(
      `insert into members (id, org_id, name, status) select gen_random_uuid(), $1, 'Aaa ' || lpad(i::text, 4, '0'), 'PENDING' from generate_series(1, 4100) i`,
      [orgId],
    );
    for (const name of ['周伟', '伟大', '李伟']) await org.client.ok(AddMemberDocument, { input: { name, phone: uniquePhone() } });
    const page = (after?: string | null) => org.client.ok(NameSearchMembersDocument, { first: 2, after, filter: { query: '伟' } });
    const first = (await page()).members;
    // The prefix match first, then the substrings in reading order (li before zhou).
    expect(first.edges.map((e) => e.node.name)).toEqual(['伟大', '李伟']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = (await page(first.pageInfo.endCursor)).members;
    expect(second.edges.map((e) => e.node.name)).toEqual(['周伟']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect((await org.client.ok(NameSearchMembersDocument, { first: 5, filter: { query: '伟' } })).members.edges).toHaveLength(3);
  });

  it('does the same for contacts, whose probe reads the reading-order index only', async () => {
    const org = await createOrgWithOwner(new GraphQLClient((await startTestGateway()).url));
    await sql(
      `insert into contacts (id, org_id, owner_id, name, phones, visibility)
       select gen_random_uuid(), $1, $2, 'Aaa ' || lpad(i::text, 4, '0'), '{}', 'PRIVATE' from generate_series(1, 4100) i`,
      [rawIdOf(org.org.id), rawIdOf(org.member.id)],
    );
    for (const name of ['周伟', '伟大', '李伟']) await org.client.ok(CreateContactDocument, { input: { name, phones: [uniquePhone()] } });
    const page = (after?: string | null) => org.client.ok(NameSearchContactsDocument, { first: 2, after, filter: { query: '伟' } });
    const first = (await page()).contacts;
    expect(first.edges.map((e) => e.node.name)).toEqual(['伟大', '李伟']);
    const second = (await page(first.pageInfo.endCursor)).contacts;
    expect(second.edges.map((e) => e.node.name)).toEqual(['周伟']);
    expect(second.pageInfo.hasNextPage).toBe(false);
    // A longer query ranks every match, wherever it sorts.
    const dense = (await org.client.ok(NameSearchContactsDocument, { first: 3, filter: { query: '000' } })).contacts.edges.map((e) => e.node.name);
    expect(dense).toEqual(['Aaa 0001', 'Aaa 0002', 'Aaa 0003']);
  });
});

describe('the migration of existing rows', () => {
  it('derives pinyin, readings and reading order for rows written before it', async () => {
    const org = await createOrgWithOwner(new GraphQLClient((await startTestGateway()).url));
    const orgId = rawIdOf(org.org.id);
    // Rows as they were before the keys existed: written without them, the insert trigger's plain fallback only.
    for (const [name, reading] of [['张三丰', null], ['山田太郎', 'やまだ たろう'], ['Alice', null]] as const) {
      await sql(`insert into members (id, org_id, name, name_reading, status) values ($1, $2, $3, $4, 'PENDING')`, [randomUUID(), orgId, name, reading]);
      await sql(`insert into contacts (id, org_id, owner_id, name, name_reading, company, phones, visibility) values ($1, $2, $3, $4, $5, '协和医院', '{}', 'ORG')`, [
        randomUUID(), orgId, rawIdOf(org.member.id), name, reading,
      ]);
    }
    const members = async (query: string | null) =>
      (await org.client.ok(NameSearchMembersDocument, { first: 20, filter: query ? { query } : null })).members.edges.map((e) => e.node.name).filter((n) => n !== 'Owner');
    const contacts = async (query: string | null) =>
      (await org.client.ok(NameSearchContactsDocument, { first: 20, filter: query ? { query } : null })).contacts.edges.map((e) => e.node.name);
    expect(await members('zsf')).toEqual([]);
    expect(await contacts('医院')).toEqual([]);

    await rebuildNameKeys(execute, 'members', orgId);
    await rebuildNameKeys(execute, 'contacts', orgId);
    expect(await members('zsf')).toEqual(['张三丰']);
    expect(await members('yamada')).toEqual(['山田太郎']);
    expect(await members(null)).toEqual(['山田太郎', 'Alice', '张三丰']);
    // Their company 协和医院 now matches by two characters, in reading order.
    expect(await contacts('医院')).toEqual(['山田太郎', 'Alice', '张三丰']);
    expect(await contacts('sanfeng')).toEqual(['张三丰']);
  });
});
