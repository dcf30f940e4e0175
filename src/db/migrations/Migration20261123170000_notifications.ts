import { Migration } from '@mikro-orm/migrations';

/**
 * Work notifications, announcements and system notifications [004] [001]: one `notifications` row per message and one
 * `notification_deliveries` row per recipient, written set-based when the message is sent.
 *
 * A delivery's recipient is a MEMBER (`recipient_id` = members.id: work notifications, announcements, contact
 * transfers, follow-ups) or a USER (`recipient_id` = users.id: an invitation addressed to a person who is not a member
 * of the inviting org yet). The org is the notification's org in both cases.
 *
 * Deliveries are the hot table (100,000 rows for an announcement to a large org), so they carry exactly two indexes and
 * no foreign keys (a deferred FK check per row doubled the time of a 100,000-row insert; rows of removed members are
 * deleted by the members module's removal hook instead):
 * - the primary key (notification_id, recipient_id), filled in order within one notification: read receipts, the
 *   live check "does this subscriber have a delivery of that notification", and one delivery per member;
 * - the inbox (recipient_id, created_at desc, id desc): a recipient's list, unread count, marking read.
 */
export class Migration20261123170000_notifications extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table notifications (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  kind text not null check (kind in ('NOTIFICATION', 'ANNOUNCEMENT', 'INVITATION', 'CONTACT_TRANSFER', 'FOLLOW_UP')),
  title text not null check (char_length(title) between 1 and 200),
  body text not null check (char_length(body) <= 20000),
  priority text not null default 'NORMAL' check (priority in ('NORMAL', 'HIGH', 'URGENT')),
  pinned boolean not null default false,
  expires_at timestamptz,
  audience jsonb not null default '{}',
  data jsonb not null default '{}',
  sender_member_id uuid references members (id) on delete set null deferrable initially deferred,
  -- The org event that announced it: a NOTIFICATION event, or for invitations the INVITATION SENT event.
  event_id bigint not null,
  recipient_count integer not null default 0,
  created_at timestamptz not null default now()
);
create unique index notifications_org_event on notifications (org_id, event_id);
create index notifications_org_sent on notifications (org_id, created_at desc, id desc) where kind in ('NOTIFICATION', 'ANNOUNCEMENT');
create index notifications_sender on notifications (sender_member_id, created_at desc, id desc) where sender_member_id is not null;

create table notification_deliveries (
  notification_id uuid not null,
  recipient_id uuid not null,
  recipient_type text not null check (recipient_type in ('MEMBER', 'USER')),
  org_id uuid not null,
  id uuid not null,
  created_at timestamptz not null,
  read_at timestamptz,
  primary key (notification_id, recipient_id) include (read_at)
);
create index notification_deliveries_inbox on notification_deliveries (recipient_id, created_at desc, id desc) include (read_at);

-- Invitation notifications find the users who verified the invited phone or email.
create index users_verified_phone on users (phone) where phone_verified_at is not null;
create index users_verified_email on users (lower(email)) where email_verified_at is not null;
`);
  }
}
