import { Migration } from '@mikro-orm/migrations';

/**
 * API clients (partner systems, OAuth 2 client credentials): the secret is kept only as a SHA-256 hash (it is 256
 * random bits, so a slow hash adds nothing); `secret_generation` goes up on each rotation and is carried in access
 * tokens, so rotating kills the tokens of the old secret too. Audit entries and offboarding records name the client
 * that acted.
 */
export class Migration20261123160000_api_clients extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table api_clients (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  name text not null,
  client_id text not null,
  secret_hash text not null,
  secret_generation integer not null default 1,
  scopes jsonb not null default '[]',
  created_by_member_id uuid,
  secret_rotated_at timestamptz,
  revoked_at timestamptz,
  revoked_by_member_id uuid,
  last_token_at timestamptz,
  created_at timestamptz not null default now()
);
create unique index api_clients_client_id_unique on api_clients (client_id);
create index api_clients_org on api_clients (org_id, created_at desc);
create unique index api_clients_name_unique on api_clients (org_id, lower(name)) where revoked_at is null;

alter table audit_entries add column actor_api_client_id uuid references api_clients (id) on delete set null deferrable initially deferred;
create index audit_entries_org_actor_api_client on audit_entries (org_id, actor_api_client_id, id desc) where actor_api_client_id is not null;

alter table offboarding_records alter column recorded_by_member_id drop not null;
alter table offboarding_records add column recorded_by_api_client_id uuid;
`);
  }
}
