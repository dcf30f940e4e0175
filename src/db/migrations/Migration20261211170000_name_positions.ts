import { Migration } from '@mikro-orm/migrations';

/**
 * The substring tier of a one- or two-character CJK search in reading order (issue 14). Such a search ranks exact and
 * prefix matches first (`members_org_name_1`/`_2` give them in reading order), then every other name holding the
 * characters. A given-name character (伟: some 3% of the names) matches tens of thousands of rows, which a trigram
 * index gives in no order: ranking them all cost 150-250 ms. These btree indexes hold the character (or pair) at name
 * positions 2, 3 and 4 with the reading order after it, so each position is an index range already in page order: a
 * page merges the first rows of each (a few dozen index entries) instead of ranking every match. Names longer than
 * four characters (and, for contacts, those with a company or a space, which `search_text` matches at word starts)
 * come from a partial trigram index over those rows only.
 */
export class Migration20261211170000_name_positions extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
create index members_org_name_at_2 on members (org_id, substr(name_key, 2, 1), sort_key, id) where char_length(name_key) >= 2;
create index members_org_name_at_3 on members (org_id, substr(name_key, 3, 1), sort_key, id) where char_length(name_key) >= 3;
create index members_org_name_at_4 on members (org_id, substr(name_key, 4, 1), sort_key, id) where char_length(name_key) >= 4;
create index members_org_pair_at_2 on members (org_id, substr(name_key, 2, 2), sort_key, id) where char_length(name_key) >= 3;
create index members_org_pair_at_3 on members (org_id, substr(name_key, 3, 2), sort_key, id) where char_length(name_key) >= 4;
create index members_search_long on members using gin (search_keys gin_trgm_ops) where char_length(name_key) > 4;

create index contacts_org_name_at_2 on contacts (org_id, substr(name_key, 2, 1), sort_key, id) where deleted_at is null and char_length(name_key) >= 2;
create index contacts_org_name_at_3 on contacts (org_id, substr(name_key, 3, 1), sort_key, id) where deleted_at is null and char_length(name_key) >= 3;
create index contacts_org_name_at_4 on contacts (org_id, substr(name_key, 4, 1), sort_key, id) where deleted_at is null and char_length(name_key) >= 4;
create index contacts_org_pair_at_2 on contacts (org_id, substr(name_key, 2, 2), sort_key, id) where deleted_at is null and char_length(name_key) >= 3;
create index contacts_org_pair_at_3 on contacts (org_id, substr(name_key, 3, 2), sort_key, id) where deleted_at is null and char_length(name_key) >= 4;
create index contacts_lookup_long on contacts using gin (search_text gin_trgm_ops, search_keys gin_trgm_ops)
  where deleted_at is null and (char_length(name_key) > 4 or company is not null or strpos(name, ' ') > 0);
`);
  }
}
