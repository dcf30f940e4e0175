import type { EntityManager } from '@mikro-orm/postgresql';
import { contactReach, type ContactReach } from '../../auth/policy';
import { Viewer } from '../../auth/viewer';
import type { Loaders } from '../../graphql/loaders';
import { loadGrantsOfMembers } from '../members/viewers';
import { Member } from '../members/member.entity';

/**
 * The one SQL form of the contact visibility rule of `auth/policy.ts`. Every read of contacts (lists, search,
 * counts, `contact(id)`, `node(id)`, duplicate hints, group counts) goes through `visibleContactsWhere`, so a
 * contact is either visible everywhere or nowhere.
 */

/** A Postgres array literal of `values` (each element quoted), to bind as one `?::uuid[]` / `?::text[]` parameter. */
export function pgArray(values: readonly string[]): string {
  return `{${values.map((value) => `"${value.replace(/[\\"]/g, '\\$&')}"`).join(',')}}`;
}

function likePrefix(value: string): string {
  return `${value.replace(/[\\%_]/g, '\\$&')}%`;
}

/**
 * `<alias>.deleted_at is null and <visible to the viewer>` with its parameters, for a contacts row aliased `alias`.
 * Rule 2 and 3 of `contactReach` become one overlap with the audience (the `contacts_lookup` GIN index): the viewer's
 * own keys, plus for department scopes the members placed in those subtrees and the departments in or above them.
 */
export function visibleContactsWhere(
  alias: string,
  orgId: string,
  reach: ContactReach & InStatementReach,
  { includeDeleted = false }: { includeDeleted?: boolean } = {},
): { sql: string; params: unknown[] } {
  // `includeDeleted`: the rule applied to contacts in the bin too (audit entries on a deleted contact).
  const live = includeDeleted ? `${alias}.org_id = ?` : `${alias}.org_id = ? and ${alias}.deleted_at is null`;
  if (reach.orgWide) return { sql: live, params: [orgId] };
  if (reach.departmentsOf) {
    // The member's departments and those above them, read by the statement itself (see `InStatementReach`).
    const own = `(?::uuid[] || array(
            select k::uuid from member_departments md join departments d on d.id = md.department_id
                   cross join lateral unnest(string_to_array(d.path, '/')) k
             where md.org_id = ? and md.member_id = ? and k <> ''))`;
    const params: unknown[] = [orgId, pgArray(reach.audienceKeys), orgId, reach.departmentsOf];
    if (!reach.scopePaths.length) return { sql: `${live} and ${alias}.audience && ${own}`, params };
    const subtrees = pgArray(reach.scopePaths.map(likePrefix));
    const scopeAndAbove = pgArray([...new Set(reach.scopePaths.flatMap((path) => path.split('/').filter(Boolean)))]);
    return {
      sql: `${live} and ${alias}.audience && (${own} || ?::uuid[] || array(
            select md.member_id from member_departments md join departments d on d.id = md.department_id
             where d.org_id = ? and d.path like any(?::text[])
            union all
            select d.id from departments d where d.org_id = ? and d.path like any(?::text[])))`,
      params: [...params, scopeAndAbove, orgId, subtrees, orgId, subtrees],
    };
  }
  if (!reach.scopePaths.length) {
    return { sql: `${live} and ${alias}.audience && ?::uuid[]`, params: [orgId, pgArray(reach.audienceKeys)] };
  }
  const scopeAndAbove = reach.scopePaths.flatMap((path) => path.split('/').filter(Boolean));
  const subtrees = pgArray(reach.scopePaths.map(likePrefix));
  return {
    sql: `${live} and ${alias}.audience && (?::uuid[] || array(
            select md.member_id from member_departments md join departments d on d.id = md.department_id
             where d.org_id = ? and d.path like any(?::text[])
            union all
            select d.id from departments d where d.org_id = ? and d.path like any(?::text[])))`,
    params: [orgId, pgArray([...new Set([...reach.audienceKeys, ...scopeAndAbove])]), orgId, subtrees, orgId, subtrees],
  };
}

/**
 * A plain member's visible contacts in two parts that add up to `visibleContactsWhere`: every ORG contact of the org
 * (`org`: the org id is in the audience of exactly those, and in every member's keys), and the others shared with the
 * member (`personal`: owned, shared with them or their departments; the audience overlap without the org id, which
 * the `contacts_lookup` GIN index answers from the member's own few keys). Null for every other reach (org-wide,
 * department scopes, API clients), whose rule is not split.
 */
export function memberContactsParts(
  alias: string,
  orgId: string,
  reach: ContactReach & InStatementReach,
): { org: { sql: string; params: unknown[] }; personal: { sql: string; params: unknown[] } } | null {
  if (reach.orgWide || !reach.departmentsOf || reach.scopePaths.length || !reach.audienceKeys.includes(orgId)) return null;
  const live = `${alias}.org_id = ? and ${alias}.deleted_at is null`;
  const keys = reach.audienceKeys.filter((key) => key !== orgId);
  return {
    org: { sql: `${live} and ${alias}.visibility = 'ORG'`, params: [orgId] },
    personal: {
      sql: `${live} and ${alias}.visibility <> 'ORG' and ${alias}.audience && (?::uuid[] || array(
            select k::uuid from member_departments md join departments d on d.id = md.department_id
                   cross join lateral unnest(string_to_array(d.path, '/')) k
             where md.org_id = ? and md.member_id = ? and k <> ''))`,
      params: [orgId, pgArray(keys), orgId, reach.departmentsOf],
    },
  };
}

/**
 * A reach whose `audienceKeys` leave out the departments of member `departmentsOf`: the statement adds them (the
 * departments the member is placed in and every one above them, as `contactReach` does from their paths), so a
 * page costs no statement of its own for them. The rest of a member's reach does not depend on their departments.
 */
export interface InStatementReach {
  departmentsOf?: string;
}

/** The viewer's reach for a single statement that reads the viewer's departments itself: no query of its own. */
export function statementContactReach(viewer: Viewer): ContactReach & InStatementReach {
  if (viewer.apiClient) {
    viewer.requireOrg();
    return contactReach(viewer, []);
  }
  const { member } = viewer.requireMember();
  const reach = contactReach(viewer, []);
  return reach.orgWide ? reach : { ...reach, departmentsOf: member.id };
}

// Per operation (its loaders) and viewer: viewers may be shared by operations (the viewer cache), loaders never are.
const reaches = new WeakMap<Loaders, WeakMap<Viewer, Promise<ContactReach>>>();

/** Materialised paths of the departments a member is placed in, read through `em` (a transaction's, when in one). */
async function departmentPathsOf(em: EntityManager, orgId: string, memberId: string): Promise<string[]> {
  const rows = await em.execute<Array<{ path: string }>>(
    'select d.path from member_departments md join departments d on d.id = md.department_id where md.org_id = ? and md.member_id = ? order by d.path',
    [orgId, memberId],
  );
  return rows.map((row) => row.path);
}

/**
 * The viewer's contact reach, computed once per operation (`loaders`: one batched lookup of the viewer's departments).
 * An API client has no departments: its scopes make it an org-wide reader (`contacts:read`) or nobody. Inside a
 * transaction pass it as `tx`: when the reach is not known yet it is read through the transaction's connection, as
 * the request's loaders would wait for a second connection while this one is held (forever with a pool of one, as
 * on the embedded database).
 */
export function viewerContactReach(viewer: Viewer, loaders: Loaders, tx?: EntityManager): Promise<ContactReach> {
  let known = reaches.get(loaders);
  if (!known) reaches.set(loaders, (known = new WeakMap()));
  const cached = known.get(viewer);
  if (cached) return cached;
  if (viewer.apiClient) {
    viewer.requireOrg();
    const reach = Promise.resolve(contactReach(viewer, []));
    known.set(viewer, reach);
    return reach;
  }
  const { member } = viewer.requireMember();
  if (tx) {
    return departmentPathsOf(tx, member.orgId, member.id).then((paths) => contactReach(viewer, paths));
  }
  const reach = loaders.departmentsOfMember
    .load(member.id)
    .then((departments) => contactReach(viewer, departments.map((department) => department.path)));
  known.set(viewer, reach);
  return reach;
}

/**
 * Which of `contactIds` the viewer sees, deleted ones as if they were live (who saw a contact still reads what the log
 * says of its deletion; a contact purged from the bin is seen by nobody): the audit rule for entries on contacts. One
 * statement, which reads the viewer's departments itself.
 */
export async function contactsSeenInAudit(em: EntityManager, viewer: Viewer, contactIds: readonly string[]): Promise<string[]> {
  if (!contactIds.length) return [];
  const visible = visibleContactsWhere('c', viewer.orgId, statementContactReach(viewer), { includeDeleted: true });
  const rows = await em.execute<Array<{ id: string }>>(`select c.id from contacts c where ${visible.sql} and c.id = any(?::uuid[])`, [
    ...visible.params,
    pgArray([...new Set(contactIds)]),
  ]);
  return rows.map((row) => row.id);
}

/**
 * Which of `contactIds` (live contacts of the org) member `memberId` sees, by the same rule as the member's own reads:
 * for checks on someone other than the caller (the assignee of a follow-up, the receiver of a hand-over). Three
 * queries: the member, their grants and departments, the contacts.
 */
export async function contactsSeenByMember(em: EntityManager, orgId: string, memberId: string, contactIds: readonly string[]): Promise<Set<string>> {
  if (!contactIds.length) return new Set();
  const member = await em.findOne(Member, { orgId, id: memberId });
  if (!member) return new Set();
  const [grants, departments] = await Promise.all([
    loadGrantsOfMembers(em, [member]),
    departmentPathsOf(em, orgId, memberId),
  ]);
  const viewer = new Viewer(null, null, member, grants.get(member.id) ?? []);
  const visible = visibleContactsWhere('c', orgId, contactReach(viewer, departments));
  const rows = await em.execute<Array<{ id: string }>>(`select c.id from contacts c where ${visible.sql} and c.id = any(?::uuid[])`, [
    ...visible.params,
    pgArray([...new Set(contactIds)]),
  ]);
  return new Set(rows.map((row) => row.id));
}
