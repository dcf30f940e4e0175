import { Migration } from '@mikro-orm/migrations';

/**
 * The names starting with a search of three characters or more, in one index range (issue 11). A contact search ranks
 * those names (rank 1) before every other match; the trigram index finds them only among the names holding a word
 * that starts so ("Robert Tanaka" for "tanaka"), a heap page each. `name_key collate "C"` orders them byte-wise, so
 * `like 'tanaka%'` is a range whatever the database's locale, and the columns the visibility rule and the filters look
 * at ride along: the first rows of the tier in reading order cost an index-only scan of the range.
 *
 * `contacts_org_public_probe`: the ORG contacts in reading order with the columns a search looks at. A plain member
 * sees those and the few shared with them; walking every contact for the ORG ones (one in twenty here) read twenty
 * times the rows for a page, so a member's search probe walks these only.
 *
 * `contacts_org_owner_probe`: one owner's contacts in reading order with the same columns, for a search filtered by
 * owner: the planner intersected the owner's few hundred rows with a trigram bitmap of every match in the org
 * (83,000 for "medic", some 100 ms to build); the probe reads the owner's index entries only.
 */
export class Migration20261215050000_contacts_name_prefix extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index if not exists contacts_org_name_prefix on contacts (org_id, (name_key collate "C"), sort_key, id)
  include (name_key, audience, tag_ids, owner_id, company, visibility) where deleted_at is null;
create index if not exists contacts_org_public_probe on contacts (org_id, sort_key, id)
  include (search_text, name_key, search_keys, tag_ids, audience, owner_id, company, visibility) where deleted_at is null and visibility = 'ORG';
create index if not exists contacts_org_owner_probe on contacts (org_id, owner_id, sort_key, id)
  include (search_text, name_key, search_keys, tag_ids, audience, company, visibility) where deleted_at is null;
`);
  }
}
