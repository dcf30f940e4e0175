import { Migration } from '@mikro-orm/migrations';

/**
 * The writing transaction's id on every event, so `myInvitations` (which spans orgs) can resume from a Postgres
 * snapshot: "every event visible in snapshot S has been delivered" is exact, whatever order transactions commit in.
 */
export class Migration20261123110000_event_recipient_positions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table org_events add column tx_id xid8 not null default pg_current_xact_id();
create index org_events_recipient_phone_tx on org_events (recipient_phone, tx_id) where recipient_phone is not null;
create index org_events_recipient_email_tx on org_events (lower(recipient_email), tx_id) where recipient_email is not null;
`);
  }
}
