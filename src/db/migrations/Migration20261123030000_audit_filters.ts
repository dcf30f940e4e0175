import { Migration } from '@mikro-orm/migrations';

/** Indexes for the audit log's filters by actor and by target (newest first within an org). */
export class Migration20261123030000_audit_filters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create index audit_entries_org_actor on audit_entries (org_id, actor_member_id, id desc) where actor_member_id is not null;
create index audit_entries_org_target on audit_entries (org_id, target_id, id desc) where target_id is not null;
`);
  }
}
