import { Migration } from '@mikro-orm/migrations';

/**
 * Audit entries get a random public id [issue 12]: the bigint identity is shared by every org, so exposing it (in
 * `AuditEntry.id` and in `auditLog` cursors) let one org count another's activity. The identity stays the internal
 * key and the sort order; clients see `public_id` only. Existing entries get one too (their old `AuditEntry:<n>` ids
 * and cursors stop working: neither is accepted as input anywhere else).
 */
export class Migration20261210090000_audit_public_ids extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table audit_entries add column public_id uuid not null default gen_random_uuid();
create unique index audit_entries_org_public_id on audit_entries (org_id, public_id);
`);
  }
}
