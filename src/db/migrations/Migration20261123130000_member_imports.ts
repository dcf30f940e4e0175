import { Migration } from '@mikro-orm/migrations';

/** Bulk imports of people from CSV (`POST /imports`): one row per upload, and its per-row report. */
export class Migration20261123130000_member_imports extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table member_imports (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  created_by_member_id uuid,
  created_by_user_id uuid,
  status text not null default 'RUNNING' check (status in ('RUNNING', 'COMPLETED', 'FAILED')),
  dry_run boolean not null,
  create_departments boolean not null,
  row_count integer not null default 0,
  created_count integer not null default 0,
  skipped_count integer not null default 0,
  failed_count integer not null default 0,
  departments_created integer not null default 0,
  issue_count integer not null default 0,
  error_code text,
  error_message text,
  created_at timestamptz not null default now(),
  finished_at timestamptz
);
create index member_imports_org on member_imports (org_id, created_at desc, id desc);
create index member_imports_org_creator on member_imports (org_id, created_by_member_id, created_at desc, id desc);

-- The report: one entry per problem found, numbered in the order found (a row may have several).
create table member_import_issues (
  import_id uuid not null references member_imports (id) on delete cascade deferrable initially deferred,
  seq integer not null,
  row_no integer not null,
  column_name text,
  code text not null,
  message text not null,
  primary key (import_id, seq)
);
`);
  }
}
