import { Migration } from '@mikro-orm/migrations';

/**
 * Bulk imports of more than one kind share one table and one report table: `member_imports.kind` tells an import of
 * people (`POST /imports`) from an import of external contacts (`POST /imports/contacts`). Lists read one kind, so
 * the kind joins the org in the listing indexes.
 */
export class Migration20261126090000_import_kinds extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table member_imports
  add column kind text not null default 'MEMBERS' check (kind in ('MEMBERS', 'CONTACTS')),
  alter column create_departments set default false;
drop index member_imports_org;
drop index member_imports_org_creator;
create index member_imports_org on member_imports (org_id, kind, created_at desc, id desc);
create index member_imports_org_creator on member_imports (org_id, kind, created_by_member_id, created_at desc, id desc);
`);
  }
}
