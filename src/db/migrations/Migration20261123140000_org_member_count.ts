import { Migration } from '@mikro-orm/migrations';

/**
 * `orgs.member_count`, kept by statement-level triggers (one update per statement, also for bulk imports), so the
 * member quota is read without counting 100,000 rows on every request.
 */
export class Migration20261123140000_org_member_count extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
alter table orgs add column member_count integer not null default 0;
update orgs o set member_count = (select count(*) from members m where m.org_id = o.id);

create function orgs_member_count_added() returns trigger language plpgsql as $$
begin
  update orgs o set member_count = o.member_count + added.n
    from (select org_id, count(*) as n from inserted group by org_id) added
   where o.id = added.org_id;
  return null;
end $$;

create function orgs_member_count_removed() returns trigger language plpgsql as $$
begin
  update orgs o set member_count = o.member_count - removed.n
    from (select org_id, count(*) as n from deleted group by org_id) removed
   where o.id = removed.org_id;
  return null;
end $$;

create trigger members_count_added after insert on members
  referencing new table as inserted for each statement execute function orgs_member_count_added();
create trigger members_count_removed after delete on members
  referencing old table as deleted for each statement execute function orgs_member_count_removed();
`);
  }
}
