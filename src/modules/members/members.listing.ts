import type { EntityManager, QueryBuilder } from '@mikro-orm/postgresql';
import { can } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import type { GraphQLContext } from '../../graphql/context';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { queryNamed, statementFor } from '../../db/named-statement';
import { badInput, notFound } from '../../errors';
import { normalizePhone } from '../accounts/phone';
import type { Department } from '../departments/department.entity';
import { PermissionAction, PermissionModule } from '../roles/role.entity';
import { Member, type MemberStatus } from './member.entity';

/** Which members a page lists; every condition applies together, always inside the viewer's org. */
export interface MemberListScope {
  /** Name prefix, or for viewers who may see contact details org-wide also an exact phone, email or employee number. */
  query?: string | null;
  /** Members placed in this department, or anywhere in its subtree. */
  department?: { id: string; path: string; includeDescendants: boolean } | null;
  status?: MemberStatus | null;
  roleId?: string | null;
  /** Direct reports of this member. */
  managerId?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Turns client filter ids into a scope: unknown, malformed and foreign department or role ids answer NOT_FOUND.
 * Uses the org-bound loaders, so it costs at most one query per id kind.
 */
export async function resolveMemberScope(
  ctx: GraphQLContext,
  filter: { query?: string | null; departmentId?: string | null; includeDescendants?: boolean | null; status?: MemberStatus | null; roleId?: string | null } | null | undefined,
  department?: Department,
): Promise<MemberListScope> {
  const scope: MemberListScope = { query: filter?.query, status: filter?.status };
  const departmentRow = department ?? (filter?.departmentId ? await ctx.loaders.departmentById.load(rawId(filter.departmentId, 'Department')) : null);
  if (filter?.departmentId && !departmentRow) throw notFound('Department');
  if (departmentRow) {
    scope.department = { id: departmentRow.id, path: departmentRow.path, includeDescendants: filter?.includeDescendants ?? true };
  }
  if (filter?.roleId) {
    const role = await ctx.loaders.roleById.load(rawId(filter.roleId, 'Role'));
    if (!role) throw notFound('Role');
    scope.roleId = role.id;
  }
  return scope;
}

/** Only viewers who may see contact details across the whole org search by them, so a search never reveals a hidden value. */
function maySearchContactDetails(viewer: Viewer): boolean {
  return can(viewer, PermissionModule.MEMBER_SENSITIVE_FIELDS, PermissionAction.VIEW);
}

function filtered(em: EntityManager, viewer: Viewer, defaultRegion: string, scope: MemberListScope): QueryBuilder<Member> {
  const orgId = viewer.orgId;
  const qb = em.createQueryBuilder(Member, 'm').where({ orgId });
  if (scope.status) qb.andWhere({ status: scope.status });
  if (scope.managerId) qb.andWhere({ managerId: scope.managerId });
  if (scope.roleId) {
    qb.andWhere('m.id in (select mr.member_id from member_roles mr where mr.org_id = ? and mr.role_id = ?)', [orgId, scope.roleId]);
  }
  if (scope.department?.includeDescendants) {
    // One range scan on departments_subtree (org_id, path text_pattern_ops): no walk down the tree. Written as the
    // range a constant LIKE prefix would give, so a prepared statement's generic plan uses the index too. Paths end
    // in '/': the upper bound is the path with that '/' turned into '0'.
    const path = scope.department.path;
    qb.andWhere(
      `m.id in (select md.member_id from departments d join member_departments md on md.department_id = d.id
                 where d.org_id = ? and d.path ~>=~ ? and d.path ~<~ ?)`,
      [orgId, path, `${path.slice(0, -1)}0`],
    );
  } else if (scope.department) {
    qb.andWhere('m.id in (select md.member_id from member_departments md where md.org_id = ? and md.department_id = ?)', [orgId, scope.department.id]);
  }
  const query = scope.query?.trim();
  if (query) {
    // lower(name) starts with lower(query), as the range [prefix, prefix with its last character raised by one) on
    // members_org_name_prefix (org_id, lower(name) text_pattern_ops), which a generic plan can use as well.
    const conditions = ['(lower(m.name) ~>=~ lower(?::text) and lower(m.name) ~<~ (left(lower(?::text), -1) || chr(ascii(right(lower(?::text), 1)) + 1)))'];
    const params: unknown[] = [query, query, query];
    if (maySearchContactDetails(viewer)) {
      const phone = tryNormalizePhone(query, defaultRegion);
      if (phone) {
        conditions.push('m.phone = ?');
        params.push(phone);
      }
      if (query.includes('@')) {
        conditions.push('m.email = ?');
        params.push(query.toLowerCase());
      }
      conditions.push('m.employee_no = ?');
      params.push(query);
    }
    qb.andWhere(`(${conditions.join(' or ')})`, params);
  }
  return qb;
}

function tryNormalizePhone(value: string, defaultRegion: string): string | null {
  try {
    return normalizePhone(value, defaultRegion);
  } catch {
    return null;
  }
}

/**
 * The page's SQL: the filtered members in (name, id) order, `first + 1` of them. A search collects its matches first
 * (from members_org_name_prefix): left to itself the planner walks members_org_name in name order filtering every
 * row, reading half the org for a prefix that matches 1%.
 */
function pageStatement(qb: QueryBuilder<Member>, first: number, searching: boolean): { sql: string; bindings: unknown[] } {
  const { sql, bindings } = qb.getKnexQuery().toSQL().toNative();
  const limit = `$${bindings.length + 1}`;
  return {
    sql: searching
      ? `with matches as materialized (${sql}) select * from matches order by name, id limit ${limit}`
      : `${sql} order by m.name, m.id limit ${limit}`,
    bindings: [...bindings, first + 1],
  };
}

/** The rows of a page, through a named statement. */
async function pageOf(ctx: GraphQLContext, qb: QueryBuilder<Member>, first: number, searching: boolean): Promise<Member[]> {
  const { sql, bindings } = pageStatement(qb, first, searching);
  return (await queryNamed<Record<string, unknown>>(ctx.em, statementFor(sql), bindings)).map((row) => ctx.loaders.mapRow(Member, row));
}

/**
 * The page and, in the same statement, the managers of its members, primed into `memberById` so `Member.manager`
 * costs nothing more.
 */
async function pageWithManagers(ctx: GraphQLContext, qb: QueryBuilder<Member>, first: number, searching: boolean): Promise<Member[]> {
  const { sql, bindings } = pageStatement(qb, first, searching);
  const rows = await queryNamed<Record<string, unknown> & { in_page: boolean }>(
    ctx.em,
    statementFor(
      `with page as (${sql})
       select page.*, true as in_page from page
       union all
       select m.*, false from members m where m.org_id = $${bindings.length + 1} and m.id in (select manager_id from page)
       order by in_page desc, name, id`,
    ),
    [...bindings, ctx.viewer.orgId],
  );
  const page: Member[] = [];
  for (const { in_page, ...row } of rows) {
    const member = ctx.loaders.mapRow(Member, row);
    if (in_page) page.push(member);
    else ctx.loaders.memberById.prime(member.id, member);
  }
  return page;
}

/**
 * One page of members in the viewer's org, ordered by (name, id) with keyset cursors. Shared by `members`,
 * `Department.members` and `Member.reports`; costs one query (plus one for `totalCount` when selected).
 */
export async function listMembers(
  ctx: GraphQLContext,
  scope: MemberListScope,
  page: PageArgs,
  { withManagers = false }: { withManagers?: boolean } = {},
): Promise<Connection<Member>> {
  const first = checkPageSize(page.first);
  const region = ctx.app.config.phoneDefaultRegion;
  const qb = filtered(ctx.em, ctx.viewer, region, scope);
  if (page.after) {
    const [name, id] = decodeCursor(page.after, 2);
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw badInput('Invalid cursor', 'after');
    qb.andWhere('(m.name, m.id) > (?::text, ?::uuid)', [name, id]);
  }
  const searching = !!scope.query?.trim();
  const rows = withManagers ? await pageWithManagers(ctx, qb, first, searching) : await pageOf(ctx, qb, first, searching);
  return toConnection(rows, first, (member) => [member.name, member.id], !!page.after, () =>
    filtered(ctx.em, ctx.viewer, region, scope).getCount(),
  );
}
