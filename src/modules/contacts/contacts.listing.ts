import type { EntityManager } from '@mikro-orm/postgresql';
import type { ContactReach } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import type { Loaders } from '../../graphql/loaders';
import { badInput, notFound, errorMessage } from '../../errors';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { Contact, type ContactVisibility } from './contact.entity';
import { rawIds } from './contact-fields';
import { type InStatementReach, memberContactsParts, pgArray, statementContactReach, visibleContactsWhere } from './contact-visibility';
import { queryNamed, statementFor } from '../../db/named-statement';
import { Member } from '../members/member.entity';
import { Tag } from './tag.entity';
import { contactLoaders } from './contacts.loaders';
import { CONTACT_LIMITS, type ContactFilter } from './contacts.inputs';
import { executeRead } from '../../db/read-routing';
import { namePatterns, nameQuery, type NamePatterns } from '../../search/name-keys';
import { readingSearchCtes } from './contacts.reading-search';

/** Which contacts a page lists, as raw ids; every condition applies together, on top of the visibility rule. */
export interface ContactListScope {
  query?: string | null;
  tagIds?: string[];
  groupId?: string | null;
  ownerId?: string | null;
  company?: string | null;
  visibility?: ContactVisibility | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELD_SEPARATOR = '\u001f';
const PHONE_LIKE = /^[+\d\s().-]+$/;
/** A query starting with a Han character: its substring matches start at a character position of `name_key`. */
const HAN_START = /^\p{Script=Han}/u;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

/**
 * The LIKE patterns (any may match) of a search on `contacts.search_text`
 * (`<sep>name<sep>company<sep>digits<sep>digits...`, lower case): three characters or more match anywhere (pg_trgm
 * needs three for an inner trigram); one or two match at the start of a word of the name or company, or of a phone
 * number, which pg_trgm still finds through its word-start trigrams ("  a", " ab"). Phone-like queries search
 * digits only, so "+86 139-1234" finds "+861391234...".
 */
export function contactSearchPatterns(query: string): string[] {
  let text = query.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').trim().toLowerCase();
  if (PHONE_LIKE.test(text) && /\d/.test(text)) text = text.replace(/\D/g, '');
  if (!text) return [];
  const escaped = escapeLike(text);
  return [...text].length >= 3 ? [`%${escaped}%`] : [`%${FIELD_SEPARATOR}${escaped}%`, `% ${escaped}%`];
}

/** A scope's search: the name model of `src/search/name-keys.ts` and, as before, company and phone digits. */
function searchOf(scope: ContactListScope): { where: Where; patterns: NamePatterns | null } | null {
  const query = scope.query ? nameQuery(scope.query) : null;
  const patterns = query ? namePatterns(query) : null;
  const text = scope.query ? contactSearchPatterns(scope.query) : [];
  // One LIKE per pattern, ORed: each can use the GIN index (a bitmap OR), `like any(array)` could not.
  const likes: Where[] = text.map((pattern) => ({ sql: 'c.search_text like lower(?)', params: [pattern] }));
  if (patterns?.substring) likes.push({ sql: 'c.search_keys like ?', params: [patterns.substring] });
  if (patterns?.reading) likes.push({ sql: 'c.search_keys like ?', params: [patterns.reading] });
  if (patterns?.contains) likes.push({ sql: 'c.name_key like ?', params: [patterns.contains] });
  if (!likes.length) return null;
  return { where: { sql: `(${likes.map((like) => like.sql).join(' or ')})`, params: likes.flatMap((like) => like.params) }, patterns };
}

/** A match's rank (see `namePatterns`); company and phone matches rank as substrings. */
function rankOf(patterns: NamePatterns | null): Where {
  if (!patterns) return { sql: '3', params: [] };
  const reading = patterns.reading ? 'when c.search_keys like ? then 2 ' : '';
  return {
    sql: `case when c.name_key = ? then 0 when c.name_key like ? then 1 ${reading}else 3 end`,
    params: [patterns.exact, patterns.prefix, ...(patterns.reading ? [patterns.reading] : [])],
  };
}

/**
 * Parses the client's filter ids. The tags and owner it names are checked by the page's own statement (unknown ones
 * answer NOT_FOUND after it); a group must be the caller's own.
 */
export async function resolveContactScope(viewer: Viewer, loaders: Loaders, filter: ContactFilter | null | undefined): Promise<ContactListScope> {
  viewer.requireOrg();
  const scope: ContactListScope = { query: filter?.query, company: filter?.company, visibility: filter?.visibility };
  if (filter?.tagIds?.length) scope.tagIds = [...new Set(rawIds(filter.tagIds, 'Tag', 'filter.tagIds', CONTACT_LIMITS.tags))];
  if (filter?.ownerId) scope.ownerId = rawId(filter.ownerId, 'Member');
  if (filter?.groupId) {
    const group = await contactLoaders(viewer, loaders).contactGroupById.load(rawId(filter.groupId, 'ContactGroup'));
    // Groups are a person's own filing: an API client has none.
    if (!group || group.ownerId !== viewer.member?.id) throw notFound('ContactGroup');
    scope.groupId = group.id;
  }
  return scope;
}

/** SQL conditions on a contacts row `c` with their parameters. */
interface Where {
  sql: string;
  params: unknown[];
}

function and(parts: Where[]): Where {
  return { sql: parts.map((part) => part.sql).join(' and '), params: parts.flatMap((part) => part.params) };
}

/**
 * Every condition of a list: the visibility rule (`visibleContactsWhere`, the same as for single reads) and the
 * filters. Lists, search and counts all go through it, so they never disagree.
 */
function conditions(
  orgId: string,
  reach: ContactReach & InStatementReach,
  scope: ContactListScope,
  { withSearch = true, visible = visibleContactsWhere('c', orgId, reach) }: { withSearch?: boolean; visible?: Where } = {},
): Where {
  const parts: Where[] = [visible];
  const search = withSearch ? searchOf(scope) : null;
  if (search) parts.push(search.where);
  if (scope.tagIds?.length) parts.push({ sql: 'c.tag_ids @> ?::uuid[]', params: [pgArray(scope.tagIds)] });
  if (scope.ownerId) parts.push({ sql: 'c.owner_id = ?', params: [scope.ownerId] });
  if (scope.company?.trim()) parts.push({ sql: 'lower(c.company) = lower(?)', params: [scope.company.trim()] });
  if (scope.visibility) parts.push({ sql: 'c.visibility = ?', params: [scope.visibility] });
  if (scope.groupId) parts.push({ sql: 'exists (select 1 from contact_group_items gi where gi.group_id = ? and gi.contact_id = c.id)', params: [scope.groupId] });
  return and(parts);
}

/**
 * Rows read in name order by the first attempt at a page (see `listContacts`). With N contacts and pages of p, a
 * probe of K rows costs about K row reads and, when it falls short, the index path about p·N/K: K ≈ √(p·N) keeps
 * the worst case near 2·√(p·N), some 9,000 row reads for pages of 20 among a million contacts.
 */
export const NAME_ORDER_PROBE = 4000;

/**
 * Rows read in reading order by a search of three characters or more for its substring matches before it ranks all
 * of them instead: an index-only row costs some fifty times less than the heap page each ranked match reads, so the
 * probe is longer than a list's.
 */
export const SEARCH_PROBE = 20000;

type Row = Record<string, unknown>;

/** What a page's nodes select that the page statement can bring along. */
export interface ContactPageNeeds {
  tags?: boolean;
  owner?: boolean;
}

/** `?` placeholders as `$1`, `$2`...: the statement goes straight to pg. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * One page of the contacts the viewer sees, in reading order (sort_key, id; a search by rank first) with keyset
 * cursors, in one statement: the
 * viewer's departments (for the visibility rule), the filter's tags and owner (unknown ones answer NOT_FOUND), the
 * page and, when the nodes select them, each contact's tags and owner are all read by it.
 *
 * A search is ranked (exact name, prefix, reading, substring): each tier comes in reading order from an index where it
 * can, and every match from `contacts_lookup`, ranked and sorted, only when those fall short (see below). A search is
 * sent unnamed (planned with its patterns). A list without a search is looked for in two steps, so that neither broad nor narrow filters read much of a million contacts:
 * 1. the next 4,000 contacts in reading order (an index-only scan of `contacts_org_sort_probe`, which holds every
 *    column the conditions look at, or the owner's index with an owner filter) are filtered as they stream, until a
 *    page is full; when it fills, or they are all there is, that is the page: common matches cost a millisecond or two.
 * 2. otherwise the matches are sparse (fewer than one in 200), and the page is found through the `contacts_lookup`
 *    GIN index (trigram, tags and audience intersected in the index) with a bitmap scan, sorted: the cost follows the
 *    number of matches, not the size of the table. This part runs only when step 1 fell short (a one-time filter);
 *    it sorts on `sort_key || ''`, which no btree index matches, so the planner cannot walk the sort index instead.
 * One more statement for `totalCount` when selected.
 */
export async function listContacts(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  scope: ContactListScope,
  page: PageArgs,
  needs: ContactPageNeeds = {},
): Promise<Connection<Contact>> {
  const first = checkPageSize(page.first);
  const orgId = viewer.orgId;
  const reach = statementContactReach(viewer);
  const filters = conditions(orgId, reach, scope);
  const search = searchOf(scope);
  const window: Where[] = [{ sql: 'c.org_id = ? and c.deleted_at is null', params: [orgId] }];
  if (scope.ownerId) window.push({ sql: 'c.owner_id = ?', params: [scope.ownerId] });
  // A search's cursor is (rank, sort key, id), a list's (sort key, id).
  let searchAfter: unknown[] | null = null;
  if (page.after) {
    const values = decodeCursor(page.after, search ? 3 : 2);
    const [id, sortKey, rank] = [...values].reverse();
    if (typeof sortKey !== 'string' || typeof id !== 'string' || !UUID.test(id) || (search && !Number.isInteger(rank))) throw badInput(errorMessage('invalidCursor'), 'after');
    if (search) searchAfter = [rank, sortKey, id];
    else window.push({ sql: '(c.sort_key, c.id) > (?::text, ?::uuid)', params: [sortKey, id] });
  }
  const ordered = and(window);
  const matches = and([filters, ...window.slice(1)]);

  const extras: Where[] = [];
  if (needs.tags) {
    extras.push({
      sql: `(select coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb) from contact_tags t where t.org_id = ? and t.id = any(c.tag_ids)) as page_tags`,
      params: [orgId],
    });
  }
  if (needs.owner) extras.push({ sql: '(select to_jsonb(m) from members m where m.org_id = ? and m.id = c.owner_id) as page_owner', params: [orgId] });
  if (scope.tagIds?.length) {
    extras.push({ sql: '(select count(*)::int from contact_tags t where t.org_id = ? and t.id = any(?::uuid[])) as filter_tags', params: [orgId, pgArray(scope.tagIds)] });
  }
  if (scope.ownerId) extras.push({ sql: 'exists (select 1 from members m where m.org_id = ? and m.id = ?) as filter_owner', params: [orgId, scope.ownerId] });
  const columns = extras.map((extra) => `, ${extra.sql}`).join('');

  let text: string;
  let params: unknown[];
  let planning: 'generic' | 'custom' = 'generic';
  if (search) {
    // A search is ranked (exact name, prefix, reading, substring), so no walk in reading order can stop early: its
    // matches come from the `contacts_lookup` GIN index (a bitmap scan), ranked and sorted; the cost follows the
    // number of matches.
    const rank = rankOf(search.patterns);
    const after = searchAfter ? 'where (r.search_rank, r.sort_key, r.id) > (?::int, ?::text, ?::uuid)' : '';
    const exact = search.patterns?.exact ?? '';
    const length = [...exact].length;
    const query = scope.query ? nameQuery(scope.query) : null;
    const noFilters = !scope.ownerId && !scope.groupId && !scope.tagIds?.length && !scope.company?.trim() && !scope.visibility;
    if (search.patterns?.reading && query && noFilters && [...query.compact].length >= 2) {
      // A reading search (pinyin, initials, kana, Latin) without other filters: tier by tier from btree indexes.
      const scoped = and([conditions(orgId, reach, scope, { withSearch: false }), ...window.slice(1)]);
      const ctes = readingSearchCtes({ scoped, matches, rank, patterns: search.patterns, text: query.text, compact: query.compact, searchAfter, first });
      text = `with ${ctes.sql}
         select c.*, f.search_rank${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true where serial_plan()
          order by f.search_rank, c.sort_key, c.id`;
      params = [...ctes.params, ...extras.flatMap((extra) => extra.params)];
    } else if (search.patterns && (length > 2 || exact.includes(' ')) && /\p{L}/u.test(exact) && !scope.groupId) {
      // Three characters or more with a letter among them (no group filter): the matches can be many (a company word: one contact in
      // twelve), so ranking them all (a heap page per match) is what made such a search cost hundreds of ms. The page
      // is looked for by tier instead:
      // - `top`: the exact names (contacts_org_name_key), the names starting with the query (contacts_org_name_prefix,
      //   a byte-order range, index-only with the visibility and filter columns) and the reading prefixes (the trigram
      //   index), each its first rows in reading order; these are few;
      // - `probe`: the substrings (rank 3) among the next SEARCH_PROBE contacts in reading order (index-only, as a
      //   list's probe; the owner's with an owner filter), when `top` leaves room; the last row of a full window comes along as a marker (`n`), so no
      //   second walk tells a sparse match from the end of the contacts;
      // - `slow`: only when both fall short and the probe did not reach the last contact, every match is ranked as before.
      planning = 'custom';
      const patterns = search.patterns;
      const scoped = and([conditions(orgId, reach, scope, { withSearch: false }), ...window.slice(1)]);
      const tierAfter = (tier: number) => (searchAfter ? ` and (${tier}, c.sort_key, c.id) > (?::int, ?::text, ?::uuid)` : '');
      const cursor = searchAfter ?? [];
      const tiers: Where[] = [
        {
          sql: `(select c.id, c.sort_key, 0 as search_rank from contacts c where ${scoped.sql} and c.name_key = ?${tierAfter(0)}
                  order by c.sort_key, c.id limit ?)`,
          params: [...scoped.params, patterns.exact, ...cursor, first + 1],
        },
        {
          // `|| ''`: sorted after the range, not a walk of the reading order filtered by the prefix.
          sql: `(select c.id, c.sort_key, 1 from contacts c where ${scoped.sql} and (c.name_key collate "C") like ? and c.name_key <> ?${tierAfter(1)}
                  order by c.sort_key || '', c.id limit ?)`,
          params: [...scoped.params, patterns.prefix, patterns.exact, ...cursor, first + 1],
        },
      ];
      if (patterns.reading) {
        tiers.push({
          sql: `(select c.id, c.sort_key, 2 from contacts c where ${scoped.sql} and c.search_keys like ? and c.name_key <> ? and c.name_key not like ?${tierAfter(2)}
                  order by c.sort_key || '', c.id limit ?)`,
          params: [...scoped.params, patterns.reading, patterns.exact, patterns.prefix, ...cursor, first + 1],
        });
      }
      const better = `c.name_key <> ? and c.name_key not like ?${patterns.reading ? ' and c.search_keys not like ?' : ''}`;
      const betterParams = [patterns.exact, patterns.prefix, ...(patterns.reading ? [patterns.reading] : [])];
      const probeAfter = searchAfter && searchAfter[0] === 3 ? ' and (c.sort_key, c.id) > (?::text, ?::uuid)' : '';
      const probeAfterParams = probeAfter ? [searchAfter![1], searchAfter![2]] : [];
      const skipProbe = searchAfter !== null && Number(searchAfter[0]) > 3;
      // A plain member sees one contact in twenty or so: the probe walks the ORG contacts only (contacts_org_public_probe),
      // where the matches are as dense as among all, and the member's own and shared ones come from the audience
      // index, every match of them (few) sorted.
      // With an owner filter the probe walks that owner's contacts (contacts_org_owner_probe, index-only) instead.
      const parts = scope.ownerId ? null : memberContactsParts('c', orgId, reach);
      const probeFilters = parts ? conditions(orgId, reach, scope, { visible: parts.org }) : filters;
      const personal = parts ? conditions(orgId, reach, scope, { visible: parts.personal }) : null;
      text = `with top as materialized (
           select * from (${tiers.map((tier) => tier.sql).join(' union all ')}) t order by t.search_rank, t.sort_key, t.id limit ?
         ),
         probe as materialized (
           select c.id, c.sort_key, 3 as search_rank, c.hit, c.n from (
             select c.id, c.sort_key, c.n, (${probeFilters.sql} and ${better}${skipProbe ? ' and false' : ''}) as hit from (
               select c.*, row_number() over (order by c.sort_key, c.id) as n from (
                 select c.id, c.sort_key, c.org_id, null::timestamptz as deleted_at, c.owner_id, c.audience, c.search_text, c.tag_ids,
                        c.company, c.visibility, c.name_key, c.search_keys
                   from contacts c where ${ordered.sql}${parts ? ` and c.visibility = 'ORG'` : ''}${probeAfter} order by c.sort_key, c.id limit ?
               ) c
             ) c
           ) c where (select count(*) from top) < ? and (c.hit or c.n = ?)
           order by c.sort_key, c.id limit ?
         ),
         personal as materialized (
           ${personal ? `select c.id, c.sort_key, 3 as search_rank from contacts c
             where (select count(*) from top) < ? and ${personal.sql} and ${better}${probeAfter}${skipProbe ? ' and false' : ''}
             order by c.sort_key || '', c.id limit ?` : 'select null::uuid as id, null::text as sort_key, 3 as search_rank where false'}
         ),
         state as materialized (
           select (select count(*) from top) >= ?
                  or (select count(*) from top) + (select count(*) from probe where hit) >= ?
                  or not exists (select 1 from probe where n = ?) as complete
         ),
         slow as materialized (
           select * from (
             select r.id, r.sort_key, r.search_rank from (select c.id, c.sort_key, ${rank.sql} as search_rank from contacts c where ${matches.sql}) r
              ${after} order by r.search_rank, r.sort_key, r.id limit ?
           ) s where not (select complete from state)
         ),
         found as (
           select * from (
             select * from top where (select complete from state)
             union all select id, sort_key, search_rank from probe where hit and (select complete from state)
             union all select * from personal where (select complete from state)
             union all select * from slow
           ) u order by u.search_rank, u.sort_key, u.id limit ?
         )
         select c.*, f.search_rank${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true
          order by f.search_rank, c.sort_key, c.id`;
      params = [
        ...tiers.flatMap((tier) => tier.params),
        first + 1,
        ...probeFilters.params, ...betterParams, ...ordered.params, ...probeAfterParams, SEARCH_PROBE, first + 1, SEARCH_PROBE, first + 2,
        ...(personal ? [first + 1, ...personal.params, ...betterParams, ...probeAfterParams, first + 1] : []),
        first + 1, first + 1, SEARCH_PROBE,
        ...rank.params, ...matches.params, ...(searchAfter ?? []), first + 1,
        first + 1,
        ...extras.flatMap((extra) => extra.params),
      ];
    } else if (!search.patterns || length > 2 || exact.includes(' ')) {
      text = `with found as materialized (
           select r.id, r.search_rank from (select c.id, c.sort_key, ${rank.sql} as search_rank from contacts c where ${matches.sql}) r
            ${after} order by r.search_rank, r.sort_key, r.id limit ?
         )
         select c.*, f.search_rank${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true where serial_plan()
          order by f.search_rank, c.sort_key, c.id`;
      params = [...rank.params, ...matches.params, ...(searchAfter ?? []), first + 1, ...extras.flatMap((extra) => extra.params)];
    } else {
      // One or two characters (a surname: some 5% of the contacts for 王 or 李) match too many rows to rank them all
      // for every page. Exact and prefix matches rank first and come in reading order from contacts_org_name_key and
      // contacts_org_name_<n> (org_id, left(name_key, n), sort_key, id): when they fill the page, nothing else is
      // read; only otherwise (the one-time filter) are all the matches ranked, as for longer queries.
      const scoped = and([conditions(orgId, reach, scope, { withSearch: false }), ...window.slice(1)]);
      const tierAfter = (tier: number) => (searchAfter ? ` and (${tier}, c.sort_key, c.id) > (?::int, ?::text, ?::uuid)` : '');
      const fast = `fast as materialized (
           (select c.id, c.sort_key, 0 as search_rank from contacts c where ${scoped.sql} and c.name_key = ?${tierAfter(0)}
             order by c.sort_key, c.id limit ?)
           union all
           (select c.id, c.sort_key, 1 from contacts c where ${scoped.sql} and left(c.name_key, ${length}) = ? and c.name_key <> ?${tierAfter(1)}
             order by c.sort_key, c.id limit ?)
         )`;
      const fastParams = [...scoped.params, exact, ...(searchAfter ?? []), first + 1, ...scoped.params, exact, exact, ...(searchAfter ?? []), first + 1];
      // The gate stands above the LIMIT, so it is a one-time filter over the whole part: below it, a parallel plan
      // would start its workers (some 100 ms on a busy machine) even when the gate is shut.
      const slow = (gate: string) => `slow as materialized (
           select * from (
             select r.id, r.sort_key, r.search_rank from (select c.id, c.sort_key, ${rank.sql} as search_rank from contacts c where ${matches.sql}) r
              ${after} order by r.search_rank, r.sort_key, r.id limit ?
           ) s where ${gate}
         )`;
      const slowParams = (gateParams: unknown[]) => [...rank.params, ...matches.params, ...(searchAfter ?? []), first + 1, ...gateParams];
      if (search.patterns.reading) {
        text = `with ${fast}, ${slow('(select count(*) from fast) < ?')},
           found as (
             select * from (select * from fast where (select count(*) from fast) >= ? union all select * from slow) u
              order by u.search_rank, u.sort_key, u.id limit ?
           )
           select c.*, f.search_rank${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true where serial_plan()
            order by f.search_rank, c.sort_key, c.id`;
        params = [...fastParams, ...slowParams([first + 1]), first + 1, first + 1, ...extras.flatMap((extra) => extra.params)];
      } else if (HAN_START.test(exact) && !scope.ownerId && !scope.groupId && !scope.tagIds?.length && !scope.company?.trim() && !scope.visibility) {
        // A search starting with a Han character, with no filter beside it: its substrings (rank 3) hold it at a
        // character position of `name_key` other than the first. Positions 2-4 are index ranges in reading order
        // (contacts_org_name_at_<p>, contacts_org_pair_at_<p>), each read up to a page; the other rows that may match
        // (longer names, a company, a space: `search_text` matches at word starts) come from contacts_lookup_long.
        // The page is the first rows of their union: no match is ranked beyond those.
        const after3 = searchAfter && searchAfter[0] === 3 ? ' and (c.sort_key, c.id) > (?::text, ?::uuid)' : '';
        const after3Params = after3 ? [searchAfter![1], searchAfter![2]] : [];
        // Position branches walk their index in reading order, matching `search_keys` as a filter (`|| ''`: no
        // bitmap of every match); the long names' branch collects its few matches and sorts them (`|| ''`: no walk).
        const branches: Array<Where & { order: string }> = (length === 1 ? [2, 3, 4] : [2, 3]).map((p) => ({
          sql: `char_length(c.name_key) >= ${p + length - 1} and substr(c.name_key, ${p}, ${length}) = ? and (c.search_keys || '') like ? and ${scoped.sql}`,
          params: [exact, search.patterns!.substring, ...scoped.params],
          order: 'c.sort_key',
        }));
        branches.push({
          sql: `(char_length(c.name_key) > 4 or c.company is not null or strpos(c.name, ' ') > 0) and ${filters.sql}`,
          params: filters.params,
          order: `c.sort_key || ''`,
        });
        const selects = branches.map((branch) => ({
          sql: `(select c.id, c.sort_key from contacts c where c.org_id = ? and c.deleted_at is null and ${branch.sql}
                   and (select count(*) from fast) < ? and left(c.name_key, ${length}) <> ?${after3} order by ${branch.order}, c.id limit ?)`,
          params: [orgId, ...branch.params, first + 1, exact, ...after3Params, first + 1],
        }));
        const union = { sql: selects.map((select) => select.sql).join(' union all '), params: selects.flatMap((select) => select.params) };
        text = `with ${fast},
           subs as materialized (
             select s.id, s.sort_key, 3 as search_rank from (${union.sql}) s
              group by s.id, s.sort_key order by s.sort_key, s.id limit ?
           ),
           found as (select * from (select * from fast union all select * from subs) u order by u.search_rank, u.sort_key, u.id limit ?)
           select c.*, f.search_rank${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true where serial_plan()
            order by f.search_rank, c.sort_key, c.id`;
        params = [...fastParams, ...union.params, first + 1, first + 1, ...extras.flatMap((extra) => extra.params)];
      } else {
        // A CJK query has no reading tier: after the exact and prefix matches come the substrings (rank 3) in reading
        // order, looked for in the next NAME_ORDER_PROBE contacts in reading order (an index-only scan of
        // contacts_org_sort_probe) as a list's filters are; only when that falls short are all the matches ranked.
        const probeAfter = searchAfter && searchAfter[0] === 3 ? ' and (c.sort_key, c.id) > (?::text, ?::uuid)' : '';
        const probeAfterParams = probeAfter ? [searchAfter![1], searchAfter![2]] : [];
        text = `with ${fast},
           probe as materialized (
             select c.id, c.sort_key, 3 as search_rank from (
               select c.id, c.sort_key, c.org_id, null::timestamptz as deleted_at, c.owner_id, c.audience, c.search_text, c.tag_ids,
                      c.company, c.visibility, c.name_key, c.search_keys
                 from contacts c where ${ordered.sql}${probeAfter} order by c.sort_key, c.id limit ?
             ) c where (select count(*) from fast) < ? and ${filters.sql} and left(c.name_key, ${length}) <> ?
             order by c.sort_key, c.id limit ?
           ),
           state as materialized (
             select case when (select count(*) from fast) >= ? then true
                         when (select count(*) from fast) + (select count(*) from probe) >= ? then true
                         else (select count(*) from (select 1 from contacts c where ${ordered.sql}${probeAfter} order by c.sort_key, c.id limit ?) w) < ? end
                    as complete
           ),
           ${slow('not (select complete from state)')},
           found as (
             select * from (
               select * from fast where (select complete from state)
               union all select * from probe where (select complete from state)
               union all select * from slow
             ) u order by u.search_rank, u.sort_key, u.id limit ?
           )
           select c.*, f.search_rank${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true where serial_plan()
            order by f.search_rank, c.sort_key, c.id`;
        params = [
          ...fastParams,
          ...ordered.params, ...probeAfterParams, NAME_ORDER_PROBE, first + 1, ...filters.params, exact, first + 1,
          first + 1, first + 1, ...ordered.params, ...probeAfterParams, NAME_ORDER_PROBE, NAME_ORDER_PROBE,
          ...slowParams([]),
          first + 1,
          ...extras.flatMap((extra) => extra.params),
        ];
      }
    }
  } else {
    // The probe streams: a common match fills the page after a few hundred rows. Only when it falls short are its rows
    // counted (an index-only scan of `contacts_org_sort`), to tell a sparse match from the end of the contacts.
    text = `with hits as materialized (
         select c.id from (
           select c.id, c.sort_key, c.org_id, null::timestamptz as deleted_at, c.owner_id, c.audience, c.search_text, c.tag_ids, c.company, c.visibility
             from contacts c where ${ordered.sql} order by c.sort_key, c.id limit ?
         ) c where ${filters.sql} order by c.sort_key, c.id limit ?
       ),
       state as materialized (
         select case when (select count(*) from hits) > ? then true
                     else (select count(*) from (select 1 from contacts c where ${ordered.sql} order by c.sort_key, c.id limit ?) probe) < ? end as complete
       ),
       sparse as materialized (
         select * from (select c.id from contacts c where ${matches.sql} order by c.sort_key || '', c.id limit ?) s where not (select complete from state)
       ),
       found as (
         select h.id from hits h where (select complete from state)
         union all
         select p.id from sparse p
       )
       select c.*${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true
        order by c.sort_key, c.id`;
    params = [
      ...ordered.params,
      NAME_ORDER_PROBE,
      ...filters.params,
      first + 1,
      first,
      ...ordered.params,
      NAME_ORDER_PROBE,
      NAME_ORDER_PROBE,
      ...matches.params,
      first + 1,
      ...extras.flatMap((extra) => extra.params),
    ];
  }
  // A search is written for its generic plan (see `queryNamed`), but for the tiers of a long word, which go unnamed:
  // Postgres plans them with their values each time. A generic plan cannot see their LIKE patterns (no prefix range,
  // no trigram selectivity): it read 70,000 heap rows through a tag where the pattern's index range held none. A list
  // has no pattern and keeps its name.
  const statement = planning === 'custom' ? { name: '', text: numbered(text) } : statementFor(numbered(text), { genericPlan: !!search });
  const rows = await queryNamed<Row>(em, statement, params);
  if (scope.tagIds?.length && Number(rows[0]?.filter_tags ?? 0) !== scope.tagIds.length) throw notFound('Tag');
  if (scope.ownerId && rows[0]?.filter_owner !== true) throw notFound('Member');

  const contactsLoaders = contactLoaders(viewer, loaders);
  const contacts: Contact[] = [];
  const ranks = new Map<Contact, number>();
  for (const { audience: _a, search_text: _s, search_rank, page_tags, page_owner, filter_tags: _ft, filter_owner: _fo, ...row } of rows) {
    if (row.id == null) continue;
    const contact = loaders.mapRow(Contact, row);
    ranks.set(contact, Number(search_rank ?? 3));
    contacts.push(contact);
    contactsLoaders.contactById.prime(contact.id, contact);
    if (needs.tags) {
      const tags = new Map((page_tags as Row[]).map((tag) => [tag.id as string, tag]));
      for (const id of contact.tagIds) {
        const tag = tags.get(id);
        contactsLoaders.tagById.clear(id).prime(id, tag ? loaders.mapRow(Tag, tag) : null);
      }
    }
    if (needs.owner && contact.ownerId) {
      loaders.memberById.clear(contact.ownerId).prime(contact.ownerId, page_owner ? loaders.mapRow(Member, page_owner as Row) : null);
    }
  }
  const cursorOf = (contact: Contact) => (search ? [ranks.get(contact) ?? 3, contact.sortKey, contact.id] : [contact.sortKey, contact.id]);
  return toConnection(contacts, first, cursorOf, !!page.after, async () => {
    const [{ count }] = await executeRead<Array<{ count: number }>>(em, `select count(*)::int as count from contacts c where ${filters.sql}`, filters.params);
    return count;
  });
}
