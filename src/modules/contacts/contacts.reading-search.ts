import type { NamePatterns } from '../../search/name-keys';
import { readingTier } from '../../search/reading-tier';

/** SQL with `?` placeholders and their values, in order. */
interface Where {
  sql: string;
  params: unknown[];
}

export interface ReadingSearchParts {
  /** The visibility rule (`c.org_id = ? and c.deleted_at is null ...`) and the window, without the search (on `c`). */
  scoped: Where;
  /** Every condition of the list, the search's included. */
  matches: Where;
  /** The rank expression (`case ... end`) of a match. */
  rank: Where;
  patterns: NamePatterns;
  /** The folded query (`NameQuery.text`) and without its spaces (`NameQuery.compact`). */
  text: string;
  compact: string;
  /** The cursor's (rank, sort key, id), or null on the first page. */
  searchAfter: unknown[] | null;
  first: number;
}

/**
 * The page of a reading search (pinyin, initials, kana, romaji, Latin; two characters or more) without other filters,
 * as the CTEs `fast`, `reading`, `state`, `slow` and `found` (id, sort_key, search_rank): tier by tier in reading
 * order from btree indexes instead of ranking every match, as the members' `readingStatement` does:
 * - exact names (contacts_org_name_key), prefixes (contacts_org_name_<n> for one or two characters, else the trigram
 *   index on `name_key`: few),
 * - the reading tier from the reading-field indexes (`src/search/reading-tier.ts`), the first two tiers' names left
 *   out;
 * only when these fall short of a page (a one-time filter) are all the matches ranked (`slow`: substrings, company
 * and phone matches). The first page of each tier suffices: the page is the first rows of their union in (rank,
 * reading order).
 */
export function readingSearchCtes(parts: ReadingSearchParts): Where {
  const { scoped, matches, rank, patterns, text, compact, searchAfter, first } = parts;
  // Values as numbered tokens while the text is written, turned into `?` in reading order at the end.
  const values: unknown[] = [];
  const param = (value: unknown) => `\u0000${values.push(value) - 1}\u0000`;
  const where = (part: Where) => {
    let i = 0;
    return part.sql.replace(/\?/g, () => param(part.params[i++]));
  };
  const limit = param(first + 1);
  const length = [...text].length;
  const q = param(text);
  const tierAfter = (tier: number) =>
    searchAfter ? ` and (${tier}, c.sort_key, c.id) > (${param(searchAfter[0])}::int, ${param(searchAfter[1])}::text, ${param(searchAfter[2])}::uuid)` : '';
  const prefix =
    length <= 2
      ? { where: `left(c.name_key, ${length}) = ${q}`, order: 'c.sort_key' }
      : { where: `c.name_key like ${param(patterns.contains)} and c.name_key like ${param(patterns.prefix)}`, order: `c.sort_key || ''` };
  const fast = `fast as materialized (
      (select c.id, c.sort_key, 0 as search_rank from contacts c where ${where(scoped)} and c.name_key = ${q}${tierAfter(0)} order by c.sort_key, c.id limit ${limit})
      union all
      (select c.id, c.sort_key, 1 from contacts c where ${where(scoped)} and ${prefix.where} and c.name_key <> ${q}${tierAfter(1)}
        order by ${prefix.order}, c.id limit ${limit}))`;
  // The reading tier after the cursor: all of it before rank 2, its rest within rank 2, none of it past.
  const afterRank = searchAfter ? Number(searchAfter[0]) : 0;
  const readingAfter =
    afterRank === 2 ? ` and (c.sort_key, c.id) > (${param(searchAfter![1])}::text, ${param(searchAfter![2])}::uuid)` : afterRank > 2 ? ' and false' : '';
  const gate = `(select count(*) from fast) < ${limit} and not (c.name_key like ${param(patterns.prefix)})${readingAfter}`;
  const scope = where(scoped);
  const tier = readingTier(
    'c',
    compact,
    patterns.reading!,
    param,
    (condition, order, rows) => `select c.id, c.sort_key from contacts c where ${scope} and ${condition} and ${gate}${order ? ` order by ${order}, c.id` : ''} limit ${rows}`,
    limit,
  );
  const slowAfter = searchAfter
    ? ` where (r.search_rank, r.sort_key, r.id) > (${param(searchAfter[0])}::int, ${param(searchAfter[1])}::text, ${param(searchAfter[2])}::uuid)`
    : '';
  const sql = `${fast},${tier.ctes.map((cte) => `\n    ${cte},`).join('')}
    reading as materialized (select r.id, r.sort_key, 2 as search_rank from (${tier.rows}) r),
    state as materialized (select (select count(*) from fast) + (select count(*) from reading) >= ${limit} as complete),
    slow as materialized (
      select r.id, r.sort_key, r.search_rank from (select c.id, c.sort_key, ${where(rank)} as search_rank from contacts c
        where ${where(matches)} and not (select complete from state)) r${slowAfter} order by r.search_rank, r.sort_key, r.id limit ${limit}),
    found as (
      select * from (select * from fast where (select complete from state) union all select * from reading where (select complete from state)
                     union all select * from slow) u order by u.search_rank, u.sort_key, u.id limit ${limit})`;
  const params: unknown[] = [];
  return {
    sql: sql.replace(/\u0000(\d+)\u0000/g, (_, i: string) => {
      params.push(values[Number(i)]);
      return '?';
    }),
    params,
  };
}
