import { Migration } from '@mikro-orm/migrations';
import { nameKeys } from '../../search/name-keys';

/** Rows rewritten per statement while the keys of existing members and contacts are derived. */
const BATCH = 2000;

/**
 * Name search and reading order for Chinese and Japanese names (issue 14): members and contacts gain an optional
 * `name_reading` and three keys derived by the application (`src/search/name-keys.ts`) whenever a name is written:
 * `name_key` (folded name), `search_keys` (substring and reading fields) and `sort_key` (reading order, compared
 * byte-wise: `collate "C"`, so PGlite and PostgreSQL order alike whatever their locale). Existing rows get theirs
 * here, computed by the same code, in batches.
 *
 * Rows inserted by hand-written SQL that leaves the keys out (benchmarks, test fixtures) get a plain fallback from a
 * trigger: the lower-case name, without pinyin or readings. The application always writes the real keys.
 *
 * Members also get `detail_keys` (phone digits, employee number, email), generated in SQL: matched only for viewers
 * who may see those fields org-wide.
 */
export class Migration20261211090000_name_search_keys extends Migration {
  override async up(): Promise<void> {
    await this.execute(`
alter table members add column name_reading text check (char_length(name_reading) <= 100),
  add column name_key text, add column search_keys text, add column sort_key text collate "C",
  add column detail_keys text generated always as (
    chr(29) || coalesce(replace(phone, '+', ''), '') || chr(31) || coalesce(lower(employee_no), '') || chr(31) || coalesce(email, '')
  ) stored;
alter table contacts add column name_reading text check (char_length(name_reading) <= 100),
  add column name_key text, add column search_keys text, add column sort_key text collate "C";

create function name_keys_fallback() returns trigger language plpgsql as $$
begin
  if new.sort_key is null then
    new.name_key := coalesce(new.name_key, lower(btrim(new.name)));
    new.search_keys := coalesce(new.search_keys, chr(30) || left(lower(btrim(new.name)), 2) || chr(31) || replace(lower(new.name), ' ', ''));
    new.sort_key := '1' || lower(btrim(new.name)) || chr(1) || lower(btrim(new.name));
  end if;
  return new;
end $$;
create trigger members_name_keys_fallback before insert on members for each row execute function name_keys_fallback();
create trigger contacts_name_keys_fallback before insert on contacts for each row execute function name_keys_fallback();
`);
    const execute: Execute = (sql, params) => this.execute(sql, params);
    await rebuildNameKeys(execute, 'members');
    await rebuildNameKeys(execute, 'contacts');
    await this.execute(`
alter table members alter column name_key set not null, alter column search_keys set not null, alter column sort_key set not null;
alter table contacts alter column name_key set not null, alter column search_keys set not null, alter column sort_key set not null;

create index members_org_sort on members (org_id, sort_key, id);
-- Exact and one- or two-character prefix matches in reading order: the first page of a short search comes from them.
create index members_org_name_key on members (org_id, name_key, sort_key, id);
create index members_org_name_1 on members (org_id, left(name_key, 1), sort_key, id);
create index members_org_name_2 on members (org_id, left(name_key, 2), sort_key, id);
create index members_search on members using gin (name_key gin_trgm_ops, search_keys gin_trgm_ops, detail_keys gin_trgm_ops);

-- Ordered by reading: the listing walks these instead of the name order.
drop index contacts_org_name_probe;
create index contacts_org_sort on contacts (org_id, sort_key, id) where deleted_at is null;
create index contacts_org_owner_sort on contacts (org_id, owner_id, sort_key, id) where deleted_at is null;
create index contacts_org_name_key on contacts (org_id, name_key, sort_key, id) where deleted_at is null;
create index contacts_org_name_1 on contacts (org_id, left(name_key, 1), sort_key, id) where deleted_at is null;
create index contacts_org_name_2 on contacts (org_id, left(name_key, 2), sort_key, id) where deleted_at is null;
create index contacts_org_sort_probe on contacts (org_id, sort_key, id)
  include (search_text, name_key, search_keys, tag_ids, audience, owner_id, company, visibility) where deleted_at is null;
drop index contacts_lookup;
create index contacts_lookup on contacts
  using gin (search_text gin_trgm_ops, name_key gin_trgm_ops, search_keys gin_trgm_ops, tag_ids, audience) where deleted_at is null;
`);
  }
}

export type Execute = (sql: string, params: unknown[]) => Promise<unknown[]>;

/**
 * Derives the keys of every row of `table` (of one org with `orgId`), in id order, a batch per statement, with
 * `execute` (`?` placeholders). The migration runs it over everything; tests over their own org.
 */
export async function rebuildNameKeys(execute: Execute, table: 'members' | 'contacts' | 'departments' | 'contact_tags', orgId?: string): Promise<void> {
  const withCompany = table === 'contacts';
  const reading = table === 'members' || table === 'contacts' ? 'name_reading' : 'null as name_reading';
  const inOrg = orgId ? ' and org_id = ?' : '';
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = (await execute(
      `select id, name, ${reading}${withCompany ? ', company' : ''} from ${table} where id > ?${inOrg} order by id limit ${BATCH}`,
      orgId ? [after, orgId] : [after],
    )) as Array<{ id: string; name: string; name_reading: string | null; company?: string | null }>;
    if (!rows.length) return;
    const keys = rows.map((row) => nameKeys(row.name, row.name_reading, row.company));
    await execute(
      `update ${table} t set name_key = u.name_key, search_keys = u.search_keys, sort_key = u.sort_key
         from unnest(?::uuid[], ?::text[], ?::text[], ?::text[]) as u(id, name_key, search_keys, sort_key)
        where t.id = u.id`,
      [rows.map((row) => row.id), keys.map((k) => k.nameKey), keys.map((k) => k.searchKeys), keys.map((k) => k.sortKey)],
    );
    after = rows.at(-1)!.id;
  }
}
