import { Migration } from '@mikro-orm/migrations';

/**
 * Languages and time zones (`src/i18n/`): a person's saved `locale` and `time_zone` (null: the client's
 * Accept-Language, and the org's zone), and an org's defaults for people who saved none.
 */
export class Migration20261212140000_locales_time_zones extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table users
  add column locale text,
  add column time_zone text;
alter table orgs
  add column locale text not null default 'en',
  add column time_zone text not null default 'UTC';
`);
  }
}
