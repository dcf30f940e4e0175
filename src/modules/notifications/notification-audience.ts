import type { EntityManager } from '@mikro-orm/postgresql';
import type { NotificationScope } from '../../auth/policy';
import { badInput, notFound, errorMessage } from '../../errors';
import { rawId } from '../../graphql/relay';
import type { StoredAudience } from './notification.entity';
import type { NotificationAudienceInput } from './notifications.inputs';

const MAX_MEMBER_IDS = 1000;
const MAX_DEPARTMENT_IDS = 100;
const MAX_ROLE_IDS = 100;

/** A Postgres array literal (`{"a","b"}`), bound as one parameter and cast in SQL (`?::uuid[]`): also right when empty. */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function likePrefix(path: string): string {
  return `${path.replace(/[\\%_]/g, '\\$&')}%`;
}

/** The audience of `sendNotification`/`publishAnnouncement` as raw ids; BAD_USER_INPUT when empty or too long, NOT_FOUND for a malformed id. */
export function parseAudience(input: NotificationAudienceInput): StoredAudience {
  const ids = (values: string[] | null | undefined, type: string, field: string, max: number): string[] => {
    if (values == null) return [];
    if (values.length > max) throw badInput(errorMessage('audienceTooMany', { field, max: String(max) }), `audience.${field}`);
    return [...new Set(values.map((id) => rawId(id, type)))];
  };
  const audience: StoredAudience = {
    memberIds: ids(input.memberIds, 'Member', 'memberIds', MAX_MEMBER_IDS),
    departmentIds: ids(input.departmentIds, 'Department', 'departmentIds', MAX_DEPARTMENT_IDS),
    roleIds: ids(input.roleIds, 'Role', 'roleIds', MAX_ROLE_IDS),
    everyone: input.everyone === true,
  };
  if (!audience.everyone && !audience.memberIds.length && !audience.departmentIds.length && !audience.roleIds.length) {
    throw badInput(errorMessage('audienceEmpty'), 'audience');
  }
  return audience;
}

export interface NamedDepartment {
  id: string;
  name: string;
  path: string;
}

/**
 * Checks that every member, department and role the audience names belongs to the org (one statement); an unknown or
 * foreign id answers NOT_FOUND like a missing one. Returns the departments with their paths, for the scope check.
 */
export async function findNamedTargets(tx: EntityManager, orgId: string, audience: StoredAudience): Promise<NamedDepartment[]> {
  if (!audience.memberIds.length && !audience.departmentIds.length && !audience.roleIds.length) return [];
  const rows = await tx.execute<Array<{ kind: 'M' | 'D' | 'R'; id: string; name: string | null; path: string | null }>>(
    `select 'M' as kind, m.id, null as name, null as path from members m where m.org_id = ? and m.id = any(?::uuid[])
     union all
     select 'D', d.id, d.name, d.path from departments d where d.org_id = ? and d.id = any(?::uuid[])
     union all
     select 'R', r.id, null, null from roles r where r.org_id = ? and r.id = any(?::uuid[])`,
    [orgId, pgArray(audience.memberIds), orgId, pgArray(audience.departmentIds), orgId, pgArray(audience.roleIds)],
  );
  const count = (kind: string) => rows.filter((row) => row.kind === kind).length;
  if (count('M') !== audience.memberIds.length) throw notFound('Member');
  if (count('D') !== audience.departmentIds.length) throw notFound('Department');
  if (count('R') !== audience.roleIds.length) throw notFound('Role');
  return rows.filter((row) => row.kind === 'D').map((row) => ({ id: row.id, name: row.name!, path: row.path! }));
}

export interface DeliveryWrite {
  notificationId: string;
  orgId: string;
  /** Stamped on every delivery (the notification's `createdAt`): the inbox sorts on it. */
  deliveredAt: Date;
  audience: StoredAudience;
  /** Paths of `audience.departmentIds` (each stands for its subtree). */
  departmentPaths: string[];
  /** Members outside it are counted and, if there are any, nothing is written. */
  scope: NotificationScope;
}

/**
 * Resolves the audience and writes one delivery per ACTIVE member in ONE statement: the union of the named members,
 * the members placed anywhere in the named departments' subtrees (one range scan per department on the path index),
 * the holders of the named roles, or every member; `union` leaves each member once. Rows go in in member-id order, so
 * the inbox index is filled in one sweep instead of at random.
 *
 * For a scoped sender, the same statement counts the resolved members placed in no department of the scope and then
 * writes nothing; the caller refuses (FORBIDDEN) and rolls back. Returns how many members the audience reached.
 */
export async function writeMemberDeliveries(tx: EntityManager, write: DeliveryWrite): Promise<{ total: number; outside: number }> {
  const { audience, scope } = write;
  const [row] = await tx.execute<Array<{ total: number; outside: number }>>(
    `with audience as materialized (
       select m.id from members m
        where ?::boolean and m.org_id = ? and m.status = 'ACTIVE'
       union
       select m.id from members m
        where m.org_id = ? and m.id = any(?::uuid[]) and m.status = 'ACTIVE'
       union
       select m.id from departments d
         join member_departments md on md.department_id = d.id
         join members m on m.id = md.member_id and m.status = 'ACTIVE'
        where d.org_id = ? and d.path like any(?::text[])
       union
       select m.id from member_roles mr
         join members m on m.id = mr.member_id and m.status = 'ACTIVE'
        where mr.org_id = ? and mr.role_id = any(?::uuid[])
     ),
     outside as (
       select count(*)::int as n from audience a
        where not ?::boolean
          and not exists (
            select 1 from member_departments md join departments d on d.id = md.department_id
             where md.member_id = a.id and d.path like any(?::text[]))
     ),
     written as (
       insert into notification_deliveries (notification_id, recipient_id, recipient_type, org_id, id, created_at)
       select ?::uuid, a.id, 'MEMBER', ?::uuid, gen_random_uuid(), ?::timestamptz
         from audience a
        where (select n from outside) = 0
        order by a.id
     )
     select (select count(*)::int from audience) as total, (select n from outside) as outside`,
    [
      audience.everyone,
      write.orgId,
      write.orgId,
      pgArray(audience.memberIds),
      write.orgId,
      pgArray(write.departmentPaths.map(likePrefix)),
      write.orgId,
      pgArray(audience.roleIds),
      scope.orgWide,
      pgArray(scope.scopePaths.map(likePrefix)),
      write.notificationId,
      write.orgId,
      write.deliveredAt.toISOString(),
    ],
  );
  return { total: row!.total, outside: row!.outside };
}
