import { Migration } from '@mikro-orm/migrations';

/**
 * Webhook endpoints of an org, one delivery per event and endpoint, and every attempt of each delivery.
 * `scanned_event_id` is how far the org's event log has been turned into deliveries of the endpoint; `lease_token`
 * and `lease_until` are the fenced claim of the one worker serving an endpoint (see `webhook-worker.ts`).
 * The queue itself is pg-boss's (its own `pgboss` schema, created by pg-boss at start).
 */
export class Migration20261213090500_webhooks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table webhook_endpoints (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade,
  url text not null,
  description text not null default '',
  event_types jsonb not null,
  secret text not null,
  previous_secret text,
  previous_secret_expires_at timestamptz,
  status text not null default 'ENABLED',
  disabled_at timestamptz,
  disabled_reason text,
  scanned_event_id bigint not null default 0,
  lease_token bigint not null default 0,
  lease_until timestamptz,
  created_by_member_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  secret_rotated_at timestamptz
);
create index webhook_endpoints_org on webhook_endpoints (org_id, created_at);
create index webhook_endpoints_enabled on webhook_endpoints (org_id) where status = 'ENABLED';

create table webhook_deliveries (
  id uuid primary key,
  org_id uuid not null,
  endpoint_id uuid not null references webhook_endpoints (id) on delete cascade,
  event_id bigint,
  message_id text not null,
  event_type text not null,
  body text not null,
  manual boolean not null default false,
  status text not null default 'PENDING',
  attempt_count integer not null default 0,
  next_attempt_at timestamptz,
  first_attempt_at timestamptz,
  last_attempt_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index webhook_deliveries_event on webhook_deliveries (endpoint_id, event_id) where not manual;
create index webhook_deliveries_pending on webhook_deliveries (endpoint_id, event_id) where status = 'PENDING' and not manual;
create index webhook_deliveries_listing on webhook_deliveries (endpoint_id, created_at desc, id desc);

create table webhook_attempts (
  id uuid primary key,
  org_id uuid not null,
  delivery_id uuid not null references webhook_deliveries (id) on delete cascade,
  attempted_at timestamptz not null,
  succeeded boolean not null,
  latency_ms integer not null,
  response_status integer,
  response_body text,
  error text
);
create index webhook_attempts_delivery on webhook_attempts (delivery_id, attempted_at);

-- The org's owners and admins are told when an endpoint is disabled.
alter table notifications drop constraint notifications_kind_check;
alter table notifications add constraint notifications_kind_check
  check (kind in ('NOTIFICATION', 'ANNOUNCEMENT', 'INVITATION', 'CONTACT_TRANSFER', 'FOLLOW_UP', 'WEBHOOK_DISABLED'));
`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists webhook_attempts; drop table if exists webhook_deliveries; drop table if exists webhook_endpoints;');
  }
}
