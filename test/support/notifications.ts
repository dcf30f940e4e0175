import { randomUUID } from 'node:crypto';
import { rawIdOf, sql, toGlobalId } from './sql-fixtures';

/**
 * A member written with SQL, placed in `departmentIds` and holding `roleIds` (global ids), without a login: enough to
 * be part of a notification audience. Returns the member's global id.
 */
export async function placeMember(
  orgId: string,
  departmentIds: string[],
  options: { name?: string; status?: 'PENDING' | 'ACTIVE' | 'DISABLED'; roleIds?: string[] } = {},
): Promise<string> {
  const org = rawIdOf(orgId);
  const id = randomUUID();
  const status = options.status ?? 'ACTIVE';
  await sql(
    `with member as (
       insert into members (id, org_id, name, status, joined_at) values ($1, $2, $3, $4, case when $4 = 'PENDING' then null else now() end)
     ),
     placed as (
       insert into member_departments (member_id, department_id, org_id) select $1, d::uuid, $2 from unnest($5::text[]) d
     )
     insert into member_roles (id, org_id, member_id, role_id) select gen_random_uuid(), $2, $1, r::uuid from unnest($6::text[]) r`,
    [id, org, options.name ?? 'Placed', status, departmentIds.map(rawIdOf), (options.roleIds ?? []).map(rawIdOf)],
  );
  return toGlobalId('Member', id);
}

/** `count` ACTIVE members (no logins) in the org root, written by ONE statement. */
export async function seedMembersInOneStatement(orgId: string, count: number): Promise<void> {
  await sql(
    `with seed as (select i, gen_random_uuid() as id from generate_series(1, $2::int) i),
          members_in as (insert into members (id, org_id, name, status, joined_at) select id, $1, '成员 ' || i, 'ACTIVE', now() from seed)
     insert into member_departments (member_id, department_id, org_id)
     select id, (select root_department_id from orgs where id = $1), $1 from seed`,
    [rawIdOf(orgId), count],
  );
}

/** How many notifications and deliveries the org has, to check that a refused send wrote nothing. */
export async function notificationRowCounts(orgId: string): Promise<{ notifications: number; deliveries: number; audit: number }> {
  const [row] = await sql<{ notifications: number; deliveries: number; audit: number }>(
    `select (select count(*)::int from notifications where org_id = $1) as notifications,
            (select count(*)::int from notification_deliveries where org_id = $1) as deliveries,
            (select count(*)::int from audit_entries where org_id = $1 and action in ('notification.send', 'announcement.publish')) as audit`,
    [rawIdOf(orgId)],
  );
  return row!;
}
