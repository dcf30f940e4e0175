import { namePatterns, nameQuery } from './name-keys';

/** A name search as SQL on a row `alias` holding `name_key` and `search_keys`, with `?` placeholders. */
export interface NameSearchSql {
  /** Any pattern of the model matches (each LIKE can use a pg_trgm GIN index on the two columns). */
  where: string;
  whereParams: unknown[];
  /** 0 exact name, 1 prefix, 2 reading (pinyin, initials, kana, romaji), 3 substring. */
  rank: string;
  rankParams: unknown[];
}

/** The SQL of a name search for `query`; null when nothing is left of it after folding. */
export function nameSearchSql(alias: string, query: string): NameSearchSql | null {
  const folded = nameQuery(query);
  if (!folded) return null;
  const patterns = namePatterns(folded);
  const likes: Array<[string, string]> = [];
  if (patterns.substring) likes.push([`${alias}.search_keys like ?`, patterns.substring]);
  if (patterns.reading) likes.push([`${alias}.search_keys like ?`, patterns.reading]);
  if (patterns.contains) likes.push([`${alias}.name_key like ?`, patterns.contains]);
  const reading = patterns.reading ? `when ${alias}.search_keys like ? then 2 ` : '';
  return {
    where: likes.length ? `(${likes.map(([sql]) => sql).join(' or ')})` : 'false',
    whereParams: likes.map(([, value]) => value),
    rank: `case when ${alias}.name_key = ? then 0 when ${alias}.name_key like ? then 1 ${reading}else 3 end`,
    rankParams: [patterns.exact, patterns.prefix, ...(patterns.reading ? [patterns.reading] : [])],
  };
}
