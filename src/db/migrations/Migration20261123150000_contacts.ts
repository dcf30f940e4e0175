import { Migration } from '@mikro-orm/migrations';

/**
 * External contacts [000] [001] [002]: contacts with their duplicate keys, tags, personal contact groups,
 * interaction records, contact cards, external groups.
 *
 * Search: pg_trgm on `search_text` (name, company and phone digits of live contacts, fields separated by U+001F).
 * `like '%abc%'` (substring) and `like '%\x1fab%'` / `like '% ab%'` (start of a field or word) all use it, for any
 * script: in a C.UTF-8 database pg_trgm treats CJK characters as word characters. A prefix btree would serve
 * prefixes only, of one column only.
 *
 * Visibility: `audience` holds every key that makes a contact visible (owner, shared members, shared
 * departments, connected members, and the org id when visible org-wide), generated from the columns it depends
 * on so it can never disagree with them; `audience && <viewer keys>` is answered by the same GIN index
 * (`contacts_lookup`) as the search and the tags. See `auth/policy.ts`.
 */
export class Migration20261123150000_contacts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
create extension if not exists pg_trgm;

-- Immutable in fact (lower, replace and array_to_string of text[] depend on nothing but their input), declared so
-- for the generated column.
create function contact_search_text(name text, company text, phones text[]) returns text
  language sql immutable parallel safe as $$
  select chr(31) || lower(name) || chr(31) || coalesce(lower(company), '') || chr(31)
      || coalesce(replace(array_to_string(phones, chr(31)), '+', ''), '')
$$;

create table contacts (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  -- Null only for the deleted contacts of a member removed without a hand-over.
  owner_id uuid references members (id) on delete set null deferrable initially deferred,
  name text not null check (char_length(name) between 1 and 100),
  phones text[] not null default '{}' check (cardinality(phones) <= 20),
  email text,
  company text,
  title text,
  notes text check (char_length(notes) <= 10000),
  tag_ids uuid[] not null default '{}' check (cardinality(tag_ids) <= 50),
  visibility text not null default 'PRIVATE' check (visibility in ('PRIVATE', 'SHARED', 'ORG')),
  shared_member_ids uuid[] not null default '{}',
  shared_department_ids uuid[] not null default '{}',
  source text not null default 'MANUAL' check (source in ('MANUAL', 'PHONE', 'CARD_LINK', 'QR', 'IMPORT')),
  -- The person this contact is, when they are a user here; members who linked with them through a contact card.
  linked_user_id uuid references users (id) on delete set null deferrable initially deferred,
  connected_member_ids uuid[] not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  deleted_by_member_id uuid,
  merged_into_id uuid,
  audience uuid[] generated always as (
    array[owner_id] || shared_member_ids || shared_department_ids || connected_member_ids
      || case when visibility = 'ORG' then array[org_id] else '{}'::uuid[] end
  ) stored,
  search_text text generated always as (contact_search_text(name, company, phones)) stored,
  check (visibility = 'SHARED' or (cardinality(shared_member_ids) = 0 and cardinality(shared_department_ids) = 0))
);
create index contacts_org_name on contacts (org_id, name, id) where deleted_at is null;
create index contacts_org_owner_name on contacts (org_id, owner_id, name, id) where deleted_at is null;
create index contacts_org_company on contacts (org_id, lower(company)) where deleted_at is null and company is not null;
-- One GIN index for search, tags and visibility together: a query's conditions on all three are intersected inside
-- the index, so only rows matching every one of them are read from the table (three separate indexes leave that to
-- a planner that often filters the heap rows of the first instead).
create index contacts_lookup on contacts using gin (search_text gin_trgm_ops, tag_ids, audience) where deleted_at is null;
create index contacts_deleted on contacts (deleted_at) where deleted_at is not null;
create index contacts_owner on contacts (owner_id);

-- What makes a live contact unique in its org [001]: each phone ('p:+86...'), the email ('e:...'), the linked user
-- ('u:<uuid>'). Rows exist for live contacts only, so a concurrent duplicate fails on the primary key.
create table contact_keys (
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  key text not null,
  contact_id uuid not null references contacts (id) on delete cascade deferrable initially deferred,
  primary key (org_id, key)
);
create index contact_keys_contact on contact_keys (contact_id);

create table contact_tag_groups (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  name text not null,
  created_at timestamptz not null default now()
);
create unique index contact_tag_groups_name_unique on contact_tag_groups (org_id, lower(name));

create table contact_tags (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  group_id uuid not null references contact_tag_groups (id) on delete cascade deferrable initially deferred,
  name text not null,
  created_at timestamptz not null default now()
);
create unique index contact_tags_name_unique on contact_tags (group_id, lower(name));
create index contact_tags_org on contact_tags (org_id, group_id);

create table contact_groups (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  owner_id uuid not null references members (id) on delete cascade deferrable initially deferred,
  name text not null,
  created_at timestamptz not null default now()
);
create unique index contact_groups_name_unique on contact_groups (owner_id, lower(name));

create table contact_group_items (
  group_id uuid not null references contact_groups (id) on delete cascade deferrable initially deferred,
  contact_id uuid not null references contacts (id) on delete cascade deferrable initially deferred,
  org_id uuid not null,
  added_at timestamptz not null default now(),
  primary key (group_id, contact_id)
);
create index contact_group_items_contact on contact_group_items (contact_id);

create table contact_interactions (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  contact_id uuid not null references contacts (id) on delete cascade deferrable initially deferred,
  -- No foreign key: the record keeps its author after the author leaves the org [004].
  author_member_id uuid,
  author_name text not null,
  kind text not null check (kind in ('CALL', 'MEETING', 'MESSAGE', 'NOTE')),
  at timestamptz not null,
  summary text not null check (char_length(summary) <= 10000),
  created_at timestamptz not null default now()
);
create index contact_interactions_contact on contact_interactions (contact_id, at desc, id desc);

create table contact_cards (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  member_id uuid not null references members (id) on delete cascade deferrable initially deferred,
  token_hash text not null,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create unique index contact_cards_token_hash_unique on contact_cards (token_hash);
create unique index contact_cards_active_unique on contact_cards (member_id) where revoked_at is null;

-- The user side of a card connection: kept whether or not the user belongs to an org yet.
create table contact_card_links (
  user_id uuid not null references users (id) on delete cascade deferrable initially deferred,
  member_id uuid not null references members (id) on delete cascade deferrable initially deferred,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  via text not null check (via in ('CARD_LINK', 'QR')),
  created_at timestamptz not null default now(),
  primary key (user_id, member_id)
);

create table external_groups (
  id uuid primary key,
  org_id uuid not null references orgs (id) on delete cascade deferrable initially deferred,
  name text not null,
  owner_member_id uuid not null references members (id) deferrable initially deferred,
  -- Once external, always external [002]: nothing ever sets it back.
  is_external boolean not null default true check (is_external),
  created_at timestamptz not null default now()
);
create index external_groups_owner on external_groups (org_id, owner_member_id);

create table external_group_participants (
  id uuid primary key,
  group_id uuid not null references external_groups (id) on delete cascade deferrable initially deferred,
  org_id uuid not null,
  member_id uuid references members (id) on delete cascade deferrable initially deferred,
  contact_id uuid references contacts (id) on delete cascade deferrable initially deferred,
  added_by_member_id uuid,
  created_at timestamptz not null default now(),
  check (num_nonnulls(member_id, contact_id) = 1)
);
create unique index external_group_participants_member on external_group_participants (group_id, member_id) where member_id is not null;
create unique index external_group_participants_contact on external_group_participants (group_id, contact_id) where contact_id is not null;
create index external_group_participants_by_member on external_group_participants (member_id) where member_id is not null;
create index external_group_participants_by_contact on external_group_participants (contact_id) where contact_id is not null;
`);
  }
}
