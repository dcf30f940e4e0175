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

/** SQL conditions with their `$n` values; `$1` is always the org. */
class Conditions {
  readonly where: string[] = ['m.org_id = $1'];
  readonly values: unknown[];

  constructor(orgId: string) {
    this.values = [orgId];
  }

  /** Adds a value and returns its placeholder. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  get sql(): string {
    return this.where.join(' and ');
  }
}

/** The members a scope lists, as conditions on `members m`: hand-written, as this is the directory's hot path. */
function filtered(viewer: Viewer, defaultRegion: string, scope: MemberListScope): Conditions {
  const conditions = new Conditions(viewer.orgId);
  const { where } = conditions;
  const param = (value: unknown) => conditions.param(value);
  if (scope.status) where.push(`m.status = ${param(scope.status)}`);
  if (scope.managerId) where.push(`m.manager_id = ${param(scope.managerId)}`);
  if (scope.roleId) where.push(`m.id in (select mr.member_id from member_roles mr where mr.org_id = $1 and mr.role_id = ${param(scope.roleId)})`);
  if (scope.department?.includeDescendants) {
    // One range scan on departments_subtree (org_id, path text_pattern_ops): no walk down the tree. Written as the
    // range a constant LIKE prefix would give, so a prepared statement's generic plan uses the index too. Paths end
    // in '/': the upper bound is the path with that '/' turned into '0'.
    const path = scope.department.path;
    where.push(
      `m.id in (select md.member_id from departments d join member_departments md on md.department_id = d.id
                 where d.org_id = $1 and d.path ~>=~ ${param(path)} and d.path ~<~ ${param(`${path.slice(0, -1)}0`)})`,
    );
  } else if (scope.department) {
    where.push(`m.id in (select md.member_id from member_departments md where md.org_id = $1 and md.department_id = ${param(scope.department.id)})`);
  }
  const query = scope.query?.trim();
  if (query) {
    // lower(name) starts with lower(query), as the range [prefix, prefix with its last character raised by one) on
    // members_org_name_prefix (org_id, lower(name) text_pattern_ops), which a generic plan can use as well.
    const q = `${param(query)}::text`;
    const matches = [`(lower(m.name) ~>=~ lower(${q}) and lower(m.name) ~<~ (left(lower(${q}), -1) || chr(ascii(right(lower(${q}), 1)) + 1)))`];
    if (maySearchContactDetails(viewer)) {
      const phone = tryNormalizePhone(query, defaultRegion);
      if (phone) matches.push(`m.phone = ${param(phone)}`);
      if (query.includes('@')) matches.push(`m.email = ${param(query.toLowerCase())}`);
      matches.push(`m.employee_no = ${param(query)}`);
    }
    where.push(`(${matches.join(' or ')})`);
  }
  return conditions;
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
function pageStatement(conditions: Conditions, first: number, searching: boolean): string {
  const select = `select m.* from members m where ${conditions.sql}`;
  const limit = conditions.param(first + 1);
  return searching
    ? `with matches as materialized (${select}) select * from matches order by name, id limit ${limit}`
    : `${select} order by m.name, m.id limit ${limit}`;
}

/** The rows of a page, through a named statement. */
async function pageOf(ctx: GraphQLContext, conditions: Conditions, first: number, searching: boolean): Promise<Member[]> {
  const sql = pageStatement(conditions, first, searching);
  return (await queryNamed<Record<string, unknown>>(ctx.em, statementFor(sql), conditions.values)).map((row) => ctx.loaders.mapRow(Member, row));
}

/**
 * The page and, in the same statement, the managers of its members, primed into `memberById` so `Member.manager`
 * costs nothing more.
 */
async function pageWithManagers(ctx: GraphQLContext, conditions: Conditions, first: number, searching: boolean): Promise<Member[]> {
  const sql = pageStatement(conditions, first, searching);
  const rows = await queryNamed<Record<string, unknown> & { in_page: boolean }>(
    ctx.em,
    statementFor(
      `with page as (${sql})
       select page.*, true as in_page from page
       union all
       select m.*, false from members m where m.org_id = $1 and m.id in (select manager_id from page)
       order by in_page desc, name, id`,
    ),
    conditions.values,
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
  const conditions = filtered(ctx.viewer, region, scope);
  if (page.after) {
    const [name, id] = decodeCursor(page.after, 2);
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw badInput('Invalid cursor', 'after');
    conditions.where.push(`(m.name, m.id) > (${conditions.param(name)}::text, ${conditions.param(id)}::uuid)`);
  }
  const searching = !!scope.query?.trim();
  const rows = withManagers ? await pageWithManagers(ctx, conditions, first, searching) : await pageOf(ctx, conditions, first, searching);
  return toConnection(rows, first, (member) => [member.name, member.id], !!page.after, async () => {
    const counted = filtered(ctx.viewer, region, scope);
    const [row] = await queryNamed<{ count: number }>(ctx.em, statementFor(`select count(*)::int as count from members m where ${counted.sql}`), counted.values);
    return row?.count ?? 0;
  });
}
