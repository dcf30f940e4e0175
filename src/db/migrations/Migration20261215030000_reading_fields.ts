import { Migration } from '@mikro-orm/migrations';

/** The reading fields indexed one by one (`READING_FIELDS` in `src/search/reading-tier.ts`). */
const FIELDS = 6;

const field = (k: number) => `split_part(search_keys, E'\\x1f', ${k + 1})`;

/**
 * The reading tier of a name search (pinyin, initials, kana, romaji: rank 2) in reading order (issue 14). A reading
 * match is a reading field of `search_keys` starting with the query; a trigram index gives those matches in no order,
 * so `zw` or `lm` (tens of thousands of names among a million) ranked every match: 60-280 ms. These index the first
 * six reading fields (a three-character Chinese name has six: pinyin and initials from each syllable on), each by
 * its first two and three letters with the reading order after them (a two- or three-letter query, `zw`, `zsf`,
 * `たなか`, reads the first page of each, already in order) and whole (a longer query is a range, with few matches);
 * names with more fields come from a trigram index over those rows only. All are expressions on `search_keys`, which every write already sets: nothing to rebuild,
 * nothing more to write.
 */
export class Migration20261215030000_reading_fields extends Migration {
  override async up(): Promise<void> {
    const statements: string[] = [];
    for (const [table, where] of [['members', ''], ['contacts', 'deleted_at is null and ']] as const) {
      for (let k = 1; k <= FIELDS; k++) {
        statements.push(`create index ${table}_reading_pair_${k} on ${table} (org_id, left(${field(k)}, 2), sort_key, id) where ${where}${field(k)} <> '';`);
        statements.push(`create index ${table}_reading_triple_${k} on ${table} (org_id, left(${field(k)}, 3), sort_key, id) where ${where}char_length(${field(k)}) >= 3;`);
        statements.push(`create index ${table}_reading_${k} on ${table} (org_id, ${field(k)} text_pattern_ops) where ${where}${field(k)} <> '';`);
      }
      statements.push(`create index ${table}_reading_long on ${table} using gin (search_keys gin_trgm_ops) where ${where}${field(FIELDS + 1)} <> '';`);
    }
    // Named in a search statement, this keeps its plan serial: at a few milliseconds a statement, starting parallel
    // workers for a part that will not run (the gated ranking of every match) costs more than the whole page.
    statements.push(`create function serial_plan() returns boolean language sql stable parallel unsafe as 'select true';`);
    await this.execute(statements.join('\n'));
  }

  override async down(): Promise<void> {
    const names: string[] = [];
    for (const table of ['members', 'contacts']) {
      for (let k = 1; k <= FIELDS; k++) names.push(`${table}_reading_pair_${k}`, `${table}_reading_triple_${k}`, `${table}_reading_${k}`);
      names.push(`${table}_reading_long`);
    }
    await this.execute([...names.map((name) => `drop index if exists ${name};`), 'drop function if exists serial_plan();'].join('\n'));
  }
}
