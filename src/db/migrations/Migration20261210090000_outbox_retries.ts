import { Migration } from '@mikro-orm/migrations';

/**
 * The outbox dispatcher claims messages instead of holding their row locks while it sends (see
 * `outbox.dispatcher.ts`): `next_attempt_at` is when a PENDING message is due, pushed forward by a claim's lease and
 * by each failure's backoff; `claim_token` names the claim a message is under, so only that claim marks it;
 * `failing_since` is when its first attempt failed, the start of the retry horizon.
 */
export class Migration20261210090000_outbox_retries extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table outbox_messages
  add column next_attempt_at timestamptz not null default now(),
  add column claim_token uuid,
  add column failing_since timestamptz;
create index outbox_messages_due on outbox_messages (next_attempt_at, id) where status = 'PENDING';
`);
  }
}
