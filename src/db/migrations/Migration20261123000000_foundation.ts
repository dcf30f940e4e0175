import { Migration } from '@mikro-orm/migrations';

export class Migration20261123000000_foundation extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create table orgs (
  id uuid primary key,
  name text not null,
  code text not null,
  member_limit integer not null check (member_limit >= 0),
  invites_open boolean not null default true,
  root_department_id uuid not null,
  created_at timestamptz not null default now()
);
create unique index orgs_code_unique on orgs (code);

create table users (
  id uuid primary key,
  kind text not null check (kind in ('PERSONAL', 'ENTERPRISE')),
  name text not null,
  phone text,
  phone_verified_at timestamptz,
  pending_phone text,
  email text,
  email_verified_at timestamptz,
  password_hash text not null,
  must_change_password boolean not null default false,
  org_id uuid references orgs (id) on delete cascade deferrable initially deferred,
  login_name text,
  last_log_in_at timestamptz,
  created_at timestamptz not null default now(),
  check ((kind = 'ENTERPRISE') = (org_id is not null and login_name is not null))
);
create unique index users_personal_phone_unique on users (phone) where kind = 'PERSONAL';
create unique index users_enterprise_login_unique on users (org_id, lower(login_name)) where kind = 'ENTERPRISE';

create table verification_codes (
  id uuid primary key,
  user_id uuid not null references users (id) on delete cascade deferrable initially deferred,
  purpose text not null,
  phone text not null,
  code_hash text not null,
  expires_at timestamptz not null,
  attempts integer not null default 0,
  consumed_at timestamptz,
  created_at timestamptz not null default now()
);
create index verification_codes_user on verification_codes (user_id, created_at desc);

create table login_attempts (
  id uuid primary key,
  identifier text not null,
  user_id uuid references users (id) on delete set null deferrable initially deferred,
  org_id uuid references orgs (id) on delete cascade deferrable initially deferred,
  succeeded boolean not null,
  client_address text,
  created_at timestamptz not null default now()
);
create index login_attempts_identifier on login_attempts (identifier, created_at desc);
create index login_attempts_user on login_attempts (user_id, created_at desc);

create table departments (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  name text not null,
  parent_id uuid references departments (id) deferrable initially deferred,
  path text not null,
  position integer not null default 0,
  created_at timestamptz not null default now()
);
create index departments_subtree on departments (org_id, path text_pattern_ops);
create index departments_children on departments (parent_id, position);
create unique index departments_sibling_name_unique on departments (org_id, coalesce(parent_id, org_id), name);

create table members (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  user_id uuid references users (id) deferrable initially deferred,
  name text not null,
  phone text,
  email text,
  title text,
  employee_no text,
  manager_id uuid references members (id) on delete set null deferrable initially deferred,
  status text not null check (status in ('PENDING', 'ACTIVE', 'DISABLED')),
  joined_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create unique index members_org_phone_unique on members (org_id, phone) where phone is not null;
create unique index members_org_user_unique on members (org_id, user_id) where user_id is not null;
create unique index members_org_employee_no_unique on members (org_id, employee_no) where employee_no is not null;
create index members_org_name on members (org_id, name, id);
create index members_org_name_prefix on members (org_id, lower(name) text_pattern_ops);
create index members_user on members (user_id);
create index members_manager on members (manager_id);

create table member_departments (
  member_id uuid not null references members (id) on delete cascade deferrable initially deferred,
  department_id uuid not null references departments (id) deferrable initially deferred,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  primary key (member_id, department_id)
);
create index member_departments_department on member_departments (department_id, member_id);

create table offboarding_records (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  member_id uuid not null,
  user_id uuid,
  name text not null,
  employee_no text,
  transferred_to_member_id uuid,
  recorded_by_member_id uuid not null,
  created_at timestamptz not null default now()
);

create table role_groups (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  name text not null,
  created_at timestamptz not null default now()
);
create unique index role_groups_name_unique on role_groups (org_id, name);

create table roles (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  builtin text check (builtin in ('OWNER', 'ADMIN', 'SUB_ADMIN', 'MEMBER')),
  name text not null,
  group_id uuid references role_groups (id) on delete set null deferrable initially deferred,
  permissions jsonb not null default '[]',
  created_at timestamptz not null default now()
);
create unique index roles_name_unique on roles (org_id, name);
create unique index roles_builtin_unique on roles (org_id, builtin) where builtin is not null;

create table member_roles (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  member_id uuid not null references members (id) on delete cascade deferrable initially deferred,
  role_id uuid not null references roles (id) on delete cascade deferrable initially deferred,
  scope_department_ids jsonb not null default '[]',
  created_at timestamptz not null default now()
);
create unique index member_roles_unique on member_roles (member_id, role_id);
create index member_roles_role on member_roles (role_id);

create table audit_entries (
  id bigint generated always as identity primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  actor_user_id uuid,
  actor_member_id uuid,
  action text not null,
  target_type text,
  target_id uuid,
  summary jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index audit_entries_org on audit_entries (org_id, id desc);

create table outbox_messages (
  id bigint generated always as identity primary key,
  org_id uuid references orgs (id) on delete cascade deferrable initially deferred,
  channel text not null check (channel in ('SMS', 'EMAIL')),
  recipient text not null,
  template text not null,
  payload jsonb not null default '{}',
  status text not null default 'PENDING' check (status in ('PENDING', 'SENT', 'FAILED')),
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz
);
create index outbox_messages_pending on outbox_messages (id) where status = 'PENDING';
create index outbox_messages_recipient on outbox_messages (recipient, id desc);
`);
  }
}
