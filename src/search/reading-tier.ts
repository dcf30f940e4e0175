import { READING_MARK } from './name-keys';

/**
 * The reading tier (rank 2: pinyin, initials, kana, romaji) of a name search in reading order, from btree indexes
 * instead of ranking every match (issue 14). `search_keys` holds its reading fields after its substring fields, each
 * after a `READING_MARK` (see `name-keys.ts`), so `split_part(search_keys, READING_MARK, k + 1)` is the k-th reading
 * field and a reading match (`search_keys like '%<mark>q%'`) is exactly "some field starts with q". Migration
 * `Migration20261215030000_reading_fields` indexes the first `READING_FIELDS` fields two ways:
 * - `<table>_reading_pair_<k>` and `_triple_<k>` (org_id, left(field, 2 or 3), sort_key, id): a two- or
 *   three-letter query (`zw`, `zsf`, `たなか`) is an equality on it, already in reading order: each field gives its
 *   first page of entries and nothing more is read;
 * - `<table>_reading_<k>` (org_id, field text_pattern_ops): a longer one (`wangwei`, `tanaka`) is a range on it, whose
 *   matches are sorted when they are few (`READING_RANGE_CAP`), else the triple index is walked in reading order;
 * rows with more fields than that (long names) come from `<table>_reading_long`, a trigram index over those rows only.
 * The union of the branches' first pages, deduplicated, is the tier's first page in reading order.
 */
export const READING_FIELDS = 6;

/** The k-th reading field (1-based) of a row, written exactly as the indexes are (a constant separator). */
export function readingField(alias: string, k: number): string {
  return `split_part(${alias}.search_keys, E'\\x${READING_MARK.charCodeAt(0).toString(16).padStart(2, '0')}', ${k + 1})`;
}

/** Past every character a field can hold: the upper bound of a prefix range compared byte-wise (`~<~`). */
const TOP = '\u{10FFFF}';

/**
 * A longer query's matches in one field read as a range (`<table>_reading_<k>`) up to this many; past it they are
 * dense enough (`tanaka`: a tenth of the Japanese names) that walking `<table>_reading_triple_<k>` in reading order
 * finds a page sooner than sorting them all.
 */
export const READING_RANGE_CAP = 1500;

/**
 * The reading tier's first `limit` rows (id, sort_key) in reading order for `compact` (the query without spaces, two
 * characters or more) and the search's reading LIKE pattern: `rows` is a select over `ctes` (to be added to the
 * statement's WITH). `param` adds a value and returns its placeholder; `select(where, order, limit)` writes the
 * caller's `select <alias>.id, <alias>.sort_key from <table> <alias> where <scope> and <where> [order by <order>,
 * <alias>.id] limit <limit>` with its own scope and gates.
 */
export function readingTier(
  alias: string,
  compact: string,
  readingPattern: string,
  param: (value: unknown) => string,
  select: (where: string, order: string | null, limit: string) => string,
  limit: string,
): { ctes: string[]; rows: string } {
  const length = [...compact].length;
  const ctes: string[] = [];
  const branches: string[] = [];
  for (let k = 1; k <= READING_FIELDS; k++) {
    const field = readingField(alias, k);
    if (length === 2) {
      branches.push(`(${select(`left(${field}, 2) = ${param(compact)} and ${field} <> ''`, `${alias}.sort_key`, limit)})`);
    } else if (length === 3) {
      branches.push(`(${select(`left(${field}, 3) = ${param(compact)} and char_length(${field}) >= 3`, `${alias}.sort_key`, limit)})`);
    } else {
      // The matches as a range, up to the cap: all of them when fewer (sorted here), else a walk in reading order.
      const range = `reading_range_${k}`;
      const matches = `left(${field}, ${length}) = ${param(compact)}`;
      ctes.push(`${range} as materialized (${select(`${field} ~>=~ ${param(compact)} and ${field} ~<~ ${param(compact + TOP)} and ${matches} and ${field} <> ''`, null, String(READING_RANGE_CAP))})`);
      branches.push(`(select r.id, r.sort_key from ${range} r where (select count(*) from ${range}) < ${READING_RANGE_CAP} order by r.sort_key, r.id limit ${limit})`);
      const walk = `left(${field}, 3) = ${param([...compact].slice(0, 3).join(''))} and char_length(${field}) >= 3 and left(${field}, ${length}) = ${param(compact)}`;
      branches.push(`(${select(`${walk} and (select count(*) from ${range}) >= ${READING_RANGE_CAP}`, `${alias}.sort_key`, limit)})`);
    }
  }
  branches.push(`(${select(`${readingField(alias, READING_FIELDS + 1)} <> '' and ${alias}.search_keys like ${param(readingPattern)}`, `${alias}.sort_key || ''`, limit)})`);
  return { ctes, rows: `select r.id, r.sort_key from (${branches.join(' union all ')}) r group by r.id, r.sort_key order by r.sort_key, r.id limit ${limit}` };
}
