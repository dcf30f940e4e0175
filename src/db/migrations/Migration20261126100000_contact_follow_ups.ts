import { Migration } from '@mikro-orm/migrations';

/**
 * Follow-up reminders on external contacts [000] [001]: "call them back on Friday", assigned to a member, who gets a
 * FOLLOW_UP notification when it falls due (the sweep of `contacts/follow-ups.job.ts`).
 *
 * - `assignee_member_id` references the member with `on delete set null`: the removal hook hands OPEN follow-ups to the
 *   receiver or cancels them before the member row goes; closed ones keep their history without an assignee.
 * - `author_member_id` has no foreign key, like interaction records: the author stays named after they leave.
 * - `notified_at` makes the due notification once-only: the sweep claims due rows with `for update skip locked` and
 *   sets it in the same statement, so several gateway instances never notify twice.
 */
export class Migration20261126100000_contact_follow_ups extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table contact_follow_ups (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  contact_id uuid not null references contacts (id) on delete cascade deferrable initially deferred,
  assignee_member_id uuid references members (id) on delete set null deferrable initially deferred,
  author_member_id uuid,
  author_name text not null,
  due_at timestamptz not null,
  note text not null default '' check (char_length(note) <= 2000),
  status text not null default 'OPEN' check (status in ('OPEN', 'DONE', 'CANCELLED')),
  notified_at timestamptz,
  closed_at timestamptz,
  closed_by_member_id uuid,
  created_at timestamptz not null default now(),
  check ((status = 'OPEN') = (closed_at is null))
);
create index contact_follow_ups_contact on contact_follow_ups (contact_id, due_at, id);
create index contact_follow_ups_assignee on contact_follow_ups (assignee_member_id, due_at, id) where assignee_member_id is not null;
-- The sweep's queue: open, not yet notified, by due time.
create index contact_follow_ups_due on contact_follow_ups (due_at) where status = 'OPEN' and notified_at is null;
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists contact_follow_ups;');
  }
}
