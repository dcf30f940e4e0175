import { Migration } from '@mikro-orm/migrations';

/** The org event log (source of truth for subscriptions and resume) and the invitation model. */
export class Migration20261123100000_events_invitations extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table orgs add column last_event_id bigint not null default 0;
alter table orgs add column invitation_ttl_seconds integer not null default 604800 check (invitation_ttl_seconds > 0);

create table org_events (
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  id bigint not null,
  topic text not null,
  type text not null,
  payload jsonb not null default '{}',
  department_ids jsonb not null default '[]',
  recipient_phone text,
  recipient_email text,
  created_at timestamptz not null default now(),
  primary key (org_id, id)
);
create index org_events_topic on org_events (org_id, topic, id);
create index org_events_recipient_phone on org_events (recipient_phone, created_at) where recipient_phone is not null;
create index org_events_recipient_email on org_events (recipient_email, created_at) where recipient_email is not null;

create table invitations (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  channel text not null check (channel in ('PHONE', 'EMAIL', 'LINK')),
  phone text,
  email text,
  name text,
  message text,
  member_id uuid references members (id) on delete set null deferrable initially deferred,
  department_ids jsonb not null default '[]',
  role_ids jsonb not null default '[]',
  token_hash text not null,
  status text not null default 'PENDING'
    check (status in ('PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'REVOKED', 'FAILED')),
  expires_at timestamptz not null,
  max_uses integer check (max_uses is null or max_uses > 0),
  use_count integer not null default 0,
  invited_by_member_id uuid,
  status_changed_at timestamptz not null default now(),
  status_changed_by_member_id uuid,
  status_changed_by_user_id uuid,
  failure_reason text,
  sent_count integer not null default 1,
  last_sent_at timestamptz not null default now(),
  import_id uuid,
  created_at timestamptz not null default now(),
  check ((channel = 'PHONE') = (phone is not null)),
  check ((channel = 'EMAIL') = (email is not null)),
  check (max_uses is null or use_count <= max_uses)
);
create unique index invitations_token_hash_unique on invitations (token_hash);
create index invitations_org_status on invitations (org_id, status, created_at desc, id);
create index invitations_phone on invitations (phone) where phone is not null;
create index invitations_email on invitations (email) where email is not null;
create index invitations_pending_expiry on invitations (expires_at) where status = 'PENDING';
-- One open invitation per person per org: re-inviting resends instead of duplicating.
create unique index invitations_open_phone_unique on invitations (org_id, phone) where status = 'PENDING' and phone is not null;
create unique index invitations_open_email_unique on invitations (org_id, email) where status = 'PENDING' and email is not null;

-- Who joined through a reusable link (one row per user per link).
create table invitation_acceptances (
  invitation_id uuid not null references invitations (id) on delete cascade deferrable initially deferred,
  user_id uuid not null references users (id) on delete cascade deferrable initially deferred,
  member_id uuid,
  created_at timestamptz not null default now(),
  primary key (invitation_id, user_id)
);
`);
  }
}
