import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  CreateContactDocument,
  CreateDepartmentDocument,
  CreateTagDocument,
  CreateTagGroupDocument,
  NameSearchContactsDocument,
  NameSearchDepartmentsDocument,
  NameSearchMembersDocument,
  NameSearchTagsDocument,
  UpdateContactDocument,
  UpdateMemberDocument,
} from '../generated/graphql';
import { GraphQLClient } from './client';
import { createOrgWithOwner, uniquePhone } from './factories';
import { csv, postContactImport, postImport } from './imports';
import { addPersonWithLogin, type Person } from './people';

/**
 * Issue 14's names: Chinese (polyphonic surnames, one stored in Traditional characters), Japanese with kana readings
 * (and one kana-only name, one without a reading), Latin (accents, full-width letters), mixed, Korean; listed here in
 * the reading order a list must show them in. Written out by hand, not computed: the order is what is tested.
 */
export const NAMES_IN_READING_ORDER: Array<{ name: string; reading?: string }> = [
  // Kana readings first, in gojūon order (い さ す た や わ), voiced and small kana with their plain forms.
  { name: '伊藤あさひ', reading: 'いとう あさひ' },
  { name: 'さくら' },
  { name: '佐藤健', reading: 'サトウ タケル' },
  { name: '鈴木一郎', reading: 'すずき いちろう' },
  { name: '高橋一生', reading: 'たかはし いっせい' },
  { name: '田中花子', reading: 'たなか はなこ' },
  { name: '山田太郎', reading: 'やまだ たろう' },
  { name: '渡辺直美', reading: 'わたなべ なおみ' },
  // Then Latin names and Chinese names by pinyin, A to Z together (a romanised reading counts as the name's reading).
  { name: 'ＡＢＣ Trading' },
  { name: 'Alice Smith' },
  { name: '北京协和医院' },
  { name: 'Bob Brown' },
  { name: '陈奕迅' },
  { name: 'David Lee' },
  { name: 'David 王' },
  { name: 'Émile Zola' },
  { name: 'José Martínez' },
  { name: '李白' },
  { name: '李娜' },
  { name: 'Lisa 王' },
  { name: '刘德华' },
  { name: '吕布' },
  { name: '欧阳娜娜', reading: 'Nana Ouyang' },
  { name: '欧阳修' },
  { name: '单田芳' },
  { name: '司马相如' },
  { name: '松本潤' },
  { name: '王伟' },
  { name: '王小明' },
  { name: '曾小贤' },
  { name: 'Zhang Wei' },
  { name: '张三丰' },
  { name: '张伟' },
  { name: '章伟' },
  { name: '张无忌' },
  { name: '張學友' },
  { name: '赵敏' },
  { name: '周杰伦' },
  { name: '诸葛亮' },
  // Scripts with no reading rule last.
  { name: '김민준' },
];

/** Query → the names it finds, best first (exact name, prefix, reading, substring; ties in reading order). */
export const SEARCHES: Array<[string, string[]]> = [
  // Issue 14: any part of a name from one CJK character up.
  ['三', ['张三丰']],
  ['三丰', ['张三丰']],
  ['无忌', ['张无忌']],
  ['相如', ['司马相如']],
  ['协和', ['北京协和医院']],
  ['医院', ['北京协和医院']],
  ['协和医院', ['北京协和医院']],
  // Name prefix before substring.
  ['王', ['王伟', '王小明', 'David 王', 'Lisa 王']],
  // Pinyin: full, with or without spaces, of part of the name, initials.
  ['zhang', ['Zhang Wei', '张三丰', '张伟', '章伟', '张无忌', '張學友']],
  ['zhangsanfeng', ['张三丰']],
  ['zhang san feng', ['张三丰']],
  ['ZhangSanFeng', ['张三丰']],
  ['sanfeng', ['张三丰']],
  ['zsf', ['张三丰']],
  ['sf', ['张三丰']],
  ['zwj', ['张无忌']],
  // Exact name first, then the same name in pinyin.
  ['zhang wei', ['Zhang Wei', '张伟', '章伟']],
  ['张伟', ['张伟']],
  // Latin prefix, then pinyin of a syllable (li, liu, liang).
  ['li', ['Lisa 王', '李白', '李娜', '刘德华', '诸葛亮']],
  ['ouyang', ['欧阳娜娜', '欧阳修']],
  ['nana', ['欧阳娜娜']],
  ['lv', ['吕布']],
  // Polyphonic surnames in their surname reading: 曾 zeng (not ceng), 单 shan (not dan).
  ['zeng', ['曾小贤']],
  ['ceng', []],
  ['shan', ['单田芳']],
  ['dan', []],
  // Width, case, Simplified/Traditional.
  ['ＡＢＣ', ['ＡＢＣ Trading']],
  ['abc', ['ＡＢＣ Trading']],
  ['張三豐', ['张三丰']],
  ['张学友', ['張學友']],
  ['陳奕迅', ['陈奕迅']],
  ['emile', ['Émile Zola']],
  // Japanese: kanji substrings, reading in hiragana, katakana, romaji; no Chinese reading once a kana one is set.
  ['山田', ['山田太郎']],
  ['やまだ', ['山田太郎']],
  ['ヤマダ', ['山田太郎']],
  ['yamada', ['山田太郎']],
  ['たろう', ['山田太郎']],
  ['tarou', ['山田太郎']],
  ['shantiantailang', []],
  ['さとう', ['佐藤健']],
  ['sakura', ['さくら']],
  ['サクラ', ['さくら']],
  ['松本', ['松本潤']],
  // Latin names: word starts, three characters or more anywhere; not two letters inside a word.
  ['smi', ['Alice Smith']],
  ['mith', ['Alice Smith']],
  ['th', []],
  // Romaji of a reading from its start: いとう is "itou".
  ['it', ['伊藤あさひ']],
];

type Lister = (client: GraphQLClient, filter: Record<string, unknown> | null, first: number, after?: string | null) => Promise<{ names: string[]; endCursor: string | null; hasNextPage: boolean }>;

const listMembers: Lister = async (client, filter, first, after) => {
  const { members } = await client.ok(NameSearchMembersDocument, { first, after, filter });
  return { names: members.edges.map((e) => e.node.name), endCursor: members.pageInfo.endCursor ?? null, hasNextPage: members.pageInfo.hasNextPage };
};
const listContacts: Lister = async (client, filter, first, after) => {
  const { contacts } = await client.ok(NameSearchContactsDocument, { first, after, filter });
  return { names: contacts.edges.map((e) => e.node.name), endCursor: contacts.pageInfo.endCursor ?? null, hasNextPage: contacts.pageInfo.hasNextPage };
};

const fixture = new Set(NAMES_IN_READING_ORDER.map((entry) => entry.name));

/** Every page of a list, `size` at a time, through its cursors. */
async function allPages(list: Lister, client: GraphQLClient, filter: Record<string, unknown> | null, size: number): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let guard = 0; guard < 100; guard++) {
    const page = await list(client, filter, size, after);
    seen.push(...page.names);
    if (!page.hasNextPage) return seen;
    after = page.endCursor;
  }
  throw new Error('the list never ended');
}

/**
 * Search and sort of issue 14 over `NAMES_IN_READING_ORDER`, for members and for contacts, against the gateway
 * `gatewayUrl()` answers (in-process on PostgreSQL, or a spawned one on the embedded database). Each run has its
 * own org.
 */
export function describeNameSearch(label: string, gatewayUrl: () => Promise<string>): void {
  describe(`name search and reading order (${label})`, () => {
    let owner: GraphQLClient;
    let plain: Person;
    const memberIds = new Map<string, string>();
    const memberPhones = new Map<string, string>();

    beforeAll(async () => {
      const org = await createOrgWithOwner(new GraphQLClient(await gatewayUrl()));
      owner = org.client;
      plain = await addPersonWithLogin(owner, org.org.code, { name: 'Plain Viewer' });
      // Written in another order than the expected one, so that insertion order cannot pass for reading order.
      const shuffled = [...NAMES_IN_READING_ORDER].reverse();
      for (const { name, reading } of shuffled) {
        const phone = uniquePhone();
        const email = name === '山田太郎' ? 'taro.yamada@example.jp' : undefined;
        const employeeNo = name === '山田太郎' ? 'JP-0042' : undefined;
        const { addMember } = await owner.ok(AddMemberDocument, { input: { name, nameReading: reading, phone, email, employeeNo } });
        memberIds.set(name, addMember.id);
        memberPhones.set(name, phone);
        await owner.ok(CreateContactDocument, { input: { name, nameReading: reading, phones: [phone], visibility: 'ORG' } });
      }
    }, 120_000);

    for (const [kind, list] of [['members', listMembers], ['contacts', listContacts]] as const) {
      it(`lists ${kind} in reading order, page by page`, async () => {
        const all = (await allPages(list, owner, null, 7)).filter((name) => fixture.has(name));
        expect(all).toEqual(NAMES_IN_READING_ORDER.map((entry) => entry.name));
      });

      it(`finds ${kind} as a zh or ja user expects`, async () => {
        const failures: string[] = [];
        for (const [query, expected] of SEARCHES) {
          const found = (await list(owner, { query }, 50)).names.filter((name) => fixture.has(name));
          if (JSON.stringify(found) !== JSON.stringify(expected)) failures.push(`${query}: ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
        }
        expect(failures).toEqual([]);
      });

      it(`pages every ${kind} search one name at a time in the order of a single page`, async () => {
        // Pages of one: each tier (exact, prefix, reading, substring) fills a page by itself, so the statements that
        // read a tier's first rows from its own index (and stop there) answer, not only the one ranking every match.
        const failures: string[] = [];
        for (const [query, expected] of SEARCHES) {
          const found = (await allPages(list, owner, { query }, 1)).filter((name) => fixture.has(name));
          if (JSON.stringify(found) !== JSON.stringify(expected)) failures.push(`${query}: ${JSON.stringify(found)}, expected ${JSON.stringify(expected)}`);
        }
        expect(failures).toEqual([]);
      });

      it(`pages a ranked ${kind} search without repeats or gaps`, async () => {
        expect(await allPages(list, owner, { query: 'zhang' }, 2)).toEqual(['Zhang Wei', '张三丰', '张伟', '章伟', '张无忌', '張學友']);
        expect(await allPages(list, owner, { query: '王' }, 1)).toEqual(['王伟', '王小明', 'David 王', 'Lisa 王']);
      });
    }

    it('finds members by 4+ digits of a phone, employee number and email prefix, only for viewers who may see them', async () => {
      const phone = memberPhones.get('山田太郎')!;
      const digits = phone.slice(-8, -3);
      const spaced = `${phone.slice(3, 6)} ${phone.slice(6, 10)}`;
      expect((await listMembers(owner, { query: digits }, 50)).names).toContain('山田太郎');
      expect((await listMembers(owner, { query: spaced }, 50)).names).toContain('山田太郎');
      expect((await listMembers(owner, { query: 'jp-00' }, 50)).names).toEqual(['山田太郎']);
      expect((await listMembers(owner, { query: 'taro.ya' }, 50)).names).toEqual(['山田太郎']);
      // A plain member sees no one's phone, email or employee number: searching by them finds nothing.
      expect((await listMembers(plain.client, { query: digits }, 50)).names).not.toContain('山田太郎');
      expect((await listMembers(plain.client, { query: 'jp-00' }, 50)).names).toEqual([]);
      expect((await listMembers(plain.client, { query: 'taro.ya' }, 50)).names).toEqual([]);
      // Names still work for them.
      expect((await listMembers(plain.client, { query: 'やまだ' }, 50)).names).toEqual(['山田太郎']);
      // Contacts' phones are visible to whoever sees the contact.
      expect((await listContacts(plain.client, { query: digits }, 50)).names).toContain('山田太郎');
    });

    it('imports readings from CSV for members and contacts (ふりがな, reading columns)', async () => {
      const members = csv(['name', 'phone', 'フリガナ'], [['中村一郎', uniquePhone(), 'ナカムラ イチロウ']]);
      const imported = await postImport(owner.url, owner.token!, members);
      expect(imported.body.summary).toMatchObject({ created: 1, failed: 0 });
      const contacts = csv(['name', 'phones', 'reading', 'company'], [['小川美咲', uniquePhone(), 'おがわ みさき', '東京海上']]);
      const importedContacts = await postContactImport(owner.url, owner.token!, contacts);
      expect(importedContacts.body.summary).toMatchObject({ created: 1, failed: 0 });

      const { members: found } = await owner.ok(NameSearchMembersDocument, { first: 5, filter: { query: 'なかむら' } });
      expect(found.edges.map((e) => [e.node.name, e.node.nameReading])).toEqual([['中村一郎', 'ナカムラ イチロウ']]);
      // Both read いちろう: in gojūon order, す before な.
      expect((await listMembers(owner, { query: 'ichirou' }, 50)).names).toEqual(['鈴木一郎', '中村一郎']);
      const { contacts: foundContacts } = await owner.ok(NameSearchContactsDocument, { first: 5, filter: { query: 'ogawa' } });
      expect(foundContacts.edges.map((e) => [e.node.name, e.node.nameReading])).toEqual([['小川美咲', 'おがわ みさき']]);
      // The company of an imported contact is searched by two characters too, in Simplified as in Traditional.
      expect((await listContacts(owner, { query: '海上' }, 50)).names).toEqual(['小川美咲']);
      expect((await listContacts(owner, { query: '东京' }, 50)).names).toEqual(['小川美咲']);
    });

    it('finds departments and tags with the same model; tags list in reading order', async () => {
      for (const name of ['心血管内科', '神经内科', '協和醫院', '急诊科', 'Radiology']) await owner.ok(CreateDepartmentDocument, { input: { name } });
      const departments = async (query: string) => (await owner.ok(NameSearchDepartmentsDocument, { query })).departments.map((d) => d.name);
      expect(await departments('内科')).toEqual(['神经内科', '心血管内科']);
      expect(await departments('xxg')).toEqual(['心血管内科']);
      expect(await departments('shenjing')).toEqual(['神经内科']);
      expect(await departments('协和')).toEqual(['協和醫院']);
      expect(await departments('RAD')).toEqual(['Radiology']);
      expect(await departments('急')).toEqual(['急诊科']);

      const { createTagGroup } = await owner.ok(CreateTagGroupDocument, { input: { name: '类型' } });
      for (const name of ['客户', 'VIP', '合作伙伴', '供应商']) await owner.ok(CreateTagDocument, { input: { groupId: createTagGroup.id, name } });
      const tags = async (query: string | null) => (await owner.ok(NameSearchTagsDocument, { query })).tags.map((t) => t.name);
      expect(await tags(null)).toEqual(['供应商', '合作伙伴', '客户', 'VIP']);
      expect(await tags('kh')).toEqual(['客户']);
      expect(await tags('gys')).toEqual(['供应商']);
      expect(await tags('伙伴')).toEqual(['合作伙伴']);
      expect(await tags('ｖｉｐ')).toEqual(['VIP']);
    });

    it('finds a character or pair at every position of a name, in long names and in a contact\'s company', async () => {
      const org = await createOrgWithOwner(new GraphQLClient(await gatewayUrl()));
      // Positions 2-4 come from their own indexes, longer names and companies from the long-names index: each kind here.
      for (const name of ['欧阳小伟', '司马相如伟', '李伟', '伟大']) await org.client.ok(AddMemberDocument, { input: { name, phone: uniquePhone() } });
      for (const [name, company] of [['欧阳小伟', null], ['司马相如伟', null], ['张三', '伟业集团'], ['伟大', null]] as const) {
        await org.client.ok(CreateContactDocument, { input: { name, company, phones: [uniquePhone()] } });
      }
      const members = async (query: string) =>
        (await org.client.ok(NameSearchMembersDocument, { first: 20, filter: { query } })).members.edges.map((e) => e.node.name);
      const contacts = async (query: string) =>
        (await org.client.ok(NameSearchContactsDocument, { first: 20, filter: { query } })).contacts.edges.map((e) => e.node.name);
      expect(await members('伟')).toEqual(['伟大', '李伟', '欧阳小伟', '司马相如伟']);
      expect(await members('小伟')).toEqual(['欧阳小伟']);
      expect(await members('如伟')).toEqual(['司马相如伟']);
      expect(await contacts('伟')).toEqual(['伟大', '欧阳小伟', '司马相如伟', '张三']);
      expect(await contacts('小伟')).toEqual(['欧阳小伟']);
      expect(await contacts('如伟')).toEqual(['司马相如伟']);
      expect(await contacts('伟业')).toEqual(['张三']);
      // Paged: the substring tier resumes after the cursor.
      const first = (await org.client.ok(NameSearchContactsDocument, { first: 2, filter: { query: '伟' } })).contacts;
      const second = (await org.client.ok(NameSearchContactsDocument, { first: 2, after: first.pageInfo.endCursor, filter: { query: '伟' } })).contacts;
      expect(second.edges.map((e) => e.node.name)).toEqual(['司马相如伟', '张三']);
      expect(second.pageInfo.hasNextPage).toBe(false);
    });

    it('re-derives the keys when a name or reading changes, and clears them with the reading', async () => {
      const id = memberIds.get('田中花子')!;
      await owner.ok(UpdateMemberDocument, { input: { id, nameReading: null } });
      expect((await listMembers(owner, { query: 'たなか' }, 50)).names).toEqual([]);
      expect((await listMembers(owner, { query: 'tianzhong' }, 50)).names).toEqual(['田中花子']);
      await owner.ok(UpdateMemberDocument, { input: { id, nameReading: 'たなか はなこ' } });
      expect((await listMembers(owner, { query: 'hanako' }, 50)).names).toEqual(['田中花子']);
      const { createContact } = await owner.ok(CreateContactDocument, { input: { name: 'Temp Person', phones: [uniquePhone()], visibility: 'ORG' } });
      await owner.ok(UpdateContactDocument, { input: { id: createContact.id, name: '诸葛孔明' } });
      expect((await listContacts(owner, { query: 'kongming' }, 50)).names).toEqual(['诸葛孔明']);
      expect((await listContacts(owner, { query: 'Temp' }, 50)).names).toEqual([]);
    });
  });
}
