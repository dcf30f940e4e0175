import { Migration } from '@mikro-orm/migrations';

/**
 * The name-order probe of a contact search (`contacts.listing.ts`) as an index-only scan: the next 4,000 live
 * contacts in name order with every column the search and visibility conditions look at, so filtering them reads
 * index pages in order rather than one heap page per contact (some 4,000 random reads per search among a million
 * contacts, the bulk of a search's time). `contacts_org_name` stays: counting the probe's rows reads it, smaller.
 */
export class Migration20261202090000_contacts_name_probe extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index contacts_org_name_probe on contacts (org_id, name, id)
  include (search_text, tag_ids, audience, owner_id, company, visibility) where deleted_at is null;
`);
  }
}
