import { Migration } from '@mikro-orm/migrations';
import { rebuildNameKeys, type Execute } from './Migration20261211090000_name_search_keys';

/**
 * The name keys of `Migration20261211090000_name_search_keys` for departments and contact tags too (issue 14: one
 * matching model for members, contacts, departments and tags): `departments(query)` and `tags(query)` search them,
 * tags list in reading order. Derived by the application; the same insert fallback for hand-written rows.
 */
export class Migration20261211100000_department_tag_name_keys extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
alter table departments add column name_key text, add column search_keys text, add column sort_key text collate "C";
alter table contact_tags add column name_key text, add column search_keys text, add column sort_key text collate "C";
create trigger departments_name_keys_fallback before insert on departments for each row execute function name_keys_fallback();
create trigger contact_tags_name_keys_fallback before insert on contact_tags for each row execute function name_keys_fallback();
`);
    const execute: Execute = (sql, params) => this.execute(sql, params);
    await rebuildNameKeys(execute, 'departments');
    await rebuildNameKeys(execute, 'contact_tags');
    await this.execute(`
alter table departments alter column name_key set not null, alter column search_keys set not null, alter column sort_key set not null;
alter table contact_tags alter column name_key set not null, alter column search_keys set not null, alter column sort_key set not null;
create index departments_search on departments using gin (name_key gin_trgm_ops, search_keys gin_trgm_ops);
create index contact_tags_search on contact_tags using gin (name_key gin_trgm_ops, search_keys gin_trgm_ops);
`);
  }
}
