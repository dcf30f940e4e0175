/**
 * The reference server of `npm run bench`: what a hand-written server does for the bench's three read queries on
 * the gateway's tables, so the gateway's figures have something to be compared with.
 *
 * Plain graphql-js (`buildSchema`, `execute`, parse + validate cached per query text) on node:http, `pg` with named
 * prepared statements, a DataLoader per request for every by-key lookup, plain rows (no entities). It does the same
 * work as the gateway for these queries, honestly:
 *
 * - verifies the HS256 session token the gateway issues (issuer `orggraph`, `sub` = user, `org` = current org; API
 *   client tokens are refused), and loads the user, the org, the membership and its role grants from the database
 *   on every request, in one statement;
 * - `department`, `members` need an active (not DISABLED) member of the org; every statement is bound to that org;
 * - a member's `phone` is shown to the member, owners and admins, and to grants of MEMBER_SENSITIVE_FIELDS VIEW that
 *   cover one of the member's departments (sub-admins and custom roles, org-wide or scoped), else null;
 * - `members(filter: { query })`: the name model of `src/search/name-keys.ts` (CJK substrings, pinyin, initials,
 *   readings), and for viewers who may see contact details org-wide also phone digits, an email or employee number
 *   prefix; ranked (exact, prefix, reading, substring), then reading order; lists in reading order (sort_key, id);
 *   keyset cursors `base64url(JSON [rank, sort_key, id])` for a search, `[sort_key, id]` for a list, `first` 1 to 100;
 * - `Department.members` / `memberCount`: members of any status placed in the department or (default) anywhere in
 *   its subtree (materialised `path`), each once;
 * - `viewer.orgs`: the orgs of the user's ACTIVE memberships, oldest membership first.
 *
 * It depends on nothing of the gateway but the table shapes and the token format. Each response carries
 * `extensions.sqlStatements`, the statements the request ran. Prints `{"msg":"reference listening","port":N}`.
 *
 * Env: DATABASE_URL, JWT_SECRET, PORT (0: any), HOST (127.0.0.1), DATABASE_POOL_MAX (20), PHONE_DEFAULT_REGION (CN).
 * Run built (`node dist/scripts/bench/reference-server.js`) or with `npx tsx scripts/bench/reference-server.ts`.
 */
import http from 'node:http';
import DataLoader from 'dataloader';
import {
  buildSchema,
  execute,
  GraphQLError,
  Kind,
  parse,
  validate,
  type DocumentNode,
  type FieldNode,
  type GraphQLFieldResolver,
  type GraphQLObjectType,
  type GraphQLResolveInfo,
  type SelectionNode,
} from 'graphql';
import { jwtVerify } from 'jose';
import pg from 'pg';
import { escapeLike, namePatterns, nameQuery } from '../../src/search/name-keys';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orggraph_bench';
const JWT_KEY = new TextEncoder().encode(process.env.JWT_SECRET ?? '');
const MAX_PAGE_SIZE = 100;

const schema = buildSchema(`
  enum MemberStatus { PENDING ACTIVE DISABLED }

  type Query {
    department(id: ID!): Department!
    members(first: Int!, after: String, filter: MemberFilter): MemberConnection!
    viewer: ViewerPayload!
  }

  input MemberFilter { query: String }

  type Department {
    id: ID!
    name: String!
    position: Int!
    memberCount(includeDescendants: Boolean = true): Int!
    members(first: Int!, after: String, includeDescendants: Boolean = true): MemberConnection!
  }

  type Member {
    id: ID!
    name: String!
    title: String
    phone: String
    email: String
    employeeNo: String
    status: MemberStatus!
    departments: [Department!]!
    roles: [RoleAssignment!]!
    manager: Member
  }

  type Role { id: ID! name: String! }
  type RoleAssignment { role: Role! }

  type MemberConnection { edges: [MemberEdge!]! pageInfo: PageInfo! }
  type MemberEdge { cursor: String! node: Member! }
  type PageInfo { hasNextPage: Boolean! hasPreviousPage: Boolean! startCursor: String endCursor: String }

  type User { id: ID! name: String! }
  type MemberQuota { used: Int! limit: Int! }
  type Org { id: ID! name: String! code: String! memberQuota: MemberQuota! }
  type ViewerPayload { user: User! member: Member org: Org orgs: [Org!]! }
`);

// ---------------------------------------------------------------------------------------------------------------
// Rows

interface DepartmentRow { id: string; name: string; path: string; position: number }
interface RoleRow { id: string; name: string }
interface MemberRow {
  id: string;
  name: string;
  title: string | null;
  phone: string | null;
  email: string | null;
  employee_no: string | null;
  status: string;
  manager_id: string | null;
  sort_key: string;
  /** A search's rank of the row (0 exact name, 1 prefix, 2 reading, 3 substring). */
  search_rank?: number;
  /** Present when the page query joined them in. */
  departments?: DepartmentRow[];
  roles?: RoleRow[];
}
interface OrgRow { id: string; name: string; code: string; member_count: number; member_limit: number }
interface Grant { builtin: string | null; permissions: Array<{ module: string; actions: string[] }>; scoped: boolean; scopePaths: string[] }
interface ViewerRow {
  user_id: string;
  user_name: string;
  org_id: string | null;
  org_name: string | null;
  org_code: string | null;
  member_count: number | null;
  member_limit: number | null;
  member_id: string | null;
  member_name: string | null;
  member_status: string | null;
  grants: Grant[];
}

interface Viewer {
  user: { id: string; name: string };
  org: OrgRow | null;
  member: { id: string; name: string; status: string } | null;
  grants: Grant[];
}

// ---------------------------------------------------------------------------------------------------------------
// SQL: named prepared statements, counted per request

const pool = new pg.Pool({ connectionString: DATABASE_URL, max: Number(process.env.DATABASE_POOL_MAX ?? 20) });

interface Context {
  sql: number;
  /** Verified claims; null for no or an invalid token. */
  claims: { sub: string; org?: string } | null;
  viewer?: Promise<Viewer | null>;
  loaders?: ReturnType<typeof createLoaders>;
}

async function query<T>(ctx: Context, name: string, text: string, values: unknown[]): Promise<T[]> {
  ctx.sql++;
  return (await pool.query({ name, text, values })).rows as T[];
}

const VIEWER_SQL = `
select u.id as user_id, u.name as user_name,
       o.id as org_id, o.name as org_name, o.code as org_code, o.member_count, o.member_limit,
       m.id as member_id, m.name as member_name, m.status as member_status,
       coalesce((
         select json_agg(json_build_object(
                  'builtin', r.builtin,
                  'permissions', r.permissions,
                  'scoped', jsonb_array_length(mr.scope_department_ids) > 0,
                  'scopePaths', coalesce((select json_agg(d.path) from departments d
                                           where d.org_id = mr.org_id
                                             and d.id::text in (select jsonb_array_elements_text(mr.scope_department_ids))), '[]'::json))
                  order by mr.created_at)
           from member_roles mr join roles r on r.id = mr.role_id
          where mr.member_id = m.id), '[]'::json) as grants
  from users u
  left join orgs o on o.id = $2::uuid
  left join members m on m.org_id = o.id and m.user_id = u.id
 where u.id = $1::uuid`;

const ORGS_OF_USER_SQL = `
select o.id, o.name, o.code, o.member_count, o.member_limit
  from members m join orgs o on o.id = m.org_id
 where m.user_id = $1 and m.status = 'ACTIVE'
 order by m.joined_at, m.id`;

const MEMBER_COLUMNS = 'm.id, m.name, m.title, m.phone, m.email, m.employee_no, m.status, m.manager_id, m.sort_key';

/** A member's departments (by path) and roles (oldest assignment first), as JSON columns of a page row. */
const DEPARTMENTS_JSON = `coalesce((
  select json_agg(json_build_object('id', d.id, 'name', d.name, 'path', d.path, 'position', d.position) order by d.path collate "C")
    from member_departments md join departments d on d.id = md.department_id and d.org_id = md.org_id
   where md.member_id = p.id and md.org_id = $1), '[]'::json)`;
const ROLES_JSON = `coalesce((
  select json_agg(json_build_object('id', r.id, 'name', r.name) order by mr.created_at)
    from member_roles mr join roles r on r.id = mr.role_id and r.org_id = mr.org_id
   where mr.member_id = p.id and mr.org_id = $1), '[]'::json)`;

function loadViewer(ctx: Context): Promise<Viewer | null> {
  ctx.viewer ??= (async () => {
    if (!ctx.claims) return null;
    const [row] = await query<ViewerRow>(ctx, 'viewer', VIEWER_SQL, [ctx.claims.sub, ctx.claims.org ?? null]);
    if (!row) return null;
    const user = { id: row.user_id, name: row.user_name };
    if (!row.org_id || !row.member_id) return { user, org: null, member: null, grants: [] };
    return {
      user,
      org: { id: row.org_id, name: row.org_name!, code: row.org_code!, member_count: row.member_count!, member_limit: row.member_limit! },
      member: { id: row.member_id, name: row.member_name!, status: row.member_status! },
      grants: row.grants,
    };
  })();
  return ctx.viewer;
}

function error(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

async function requireUser(ctx: Context): Promise<Viewer> {
  const viewer = await loadViewer(ctx);
  if (!viewer) throw error('UNAUTHENTICATED', 'Sign in first');
  return viewer;
}

/** An active member of the token's org: every org-scoped field starts here. */
async function requireMember(ctx: Context): Promise<Viewer & { org: OrgRow; member: NonNullable<Viewer['member']> }> {
  const viewer = await requireUser(ctx);
  if (!viewer.org || !viewer.member) throw error('FORBIDDEN', 'Select an org first (createOrg or switchOrg)');
  if (viewer.member.status === 'DISABLED') throw error('FORBIDDEN', 'Your membership in this org is disabled');
  return viewer as Viewer & { org: OrgRow; member: NonNullable<Viewer['member']> };
}

// ---------------------------------------------------------------------------------------------------------------
// Permissions: who sees phone, email and employee number

const isAdmin = (viewer: Viewer) => viewer.grants.some((g) => g.builtin === 'OWNER' || g.builtin === 'ADMIN');
const grantsSensitiveView = (g: Grant) =>
  g.builtin === 'SUB_ADMIN' || (!g.builtin && g.permissions.some((p) => p.module === 'MEMBER_SENSITIVE_FIELDS' && p.actions.includes('VIEW')));
const orgWide = (g: Grant) => g.builtin !== 'SUB_ADMIN' && !g.scoped;

/** Org-wide right to member contact details: also what lets a search match phones, emails and employee numbers. */
function seesContactDetailsOrgWide(viewer: Viewer): boolean {
  return isAdmin(viewer) || viewer.grants.some((g) => grantsSensitiveView(g) && orgWide(g));
}

async function maySeeSensitive(ctx: Context, member: MemberRow): Promise<boolean> {
  const viewer = await requireMember(ctx);
  if (viewer.member.id === member.id || seesContactDetailsOrgWide(viewer)) return true;
  const scoped = viewer.grants.filter((g) => grantsSensitiveView(g) && !orgWide(g));
  if (!scoped.length) return false;
  const departments = member.departments ?? (await loaders(ctx).departmentsOfMember.load(member.id));
  return departments.some((d) => scoped.some((g) => g.scopePaths.some((scope) => d.path.startsWith(scope))));
}

// ---------------------------------------------------------------------------------------------------------------
// Loaders, one set per request, bound to the viewer's org

function createLoaders(ctx: Context, orgId: string) {
  const byKey = <T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string) => {
    const map = new Map(rows.map((row) => [keyOf(row), row]));
    return keys.map((key) => map.get(key) ?? null);
  };
  const grouped = <T>(keys: readonly string[], rows: T[], keyOf: (row: T) => string, valueOf: (row: T) => any) => {
    const map = new Map<string, any[]>(keys.map((key) => [key, []]));
    for (const row of rows) map.get(keyOf(row))?.push(valueOf(row));
    return keys.map((key) => map.get(key)!);
  };
  return {
    departmentById: new DataLoader<string, DepartmentRow | null>(async (ids) =>
      byKey(ids, await query<DepartmentRow>(ctx, 'department_by_id', 'select id, name, path, position from departments where org_id = $1 and id = any($2::uuid[])', [orgId, ids]), (row) => row.id),
    ),
    memberById: new DataLoader<string, MemberRow | null>(async (ids) =>
      byKey(ids, await query<MemberRow>(ctx, 'member_by_id', `select ${MEMBER_COLUMNS} from members m where m.org_id = $1 and m.id = any($2::uuid[])`, [orgId, ids]), (row) => row.id),
    ),
    /** Distinct members of any status in each subtree (keyed by path): one range scan on (org_id, path text_pattern_ops) each. */
    subtreeMemberCount: new DataLoader<string, number>(async (paths) => {
      const rows = await query<{ path: string; count: number }>(
        ctx,
        'subtree_member_count',
        // A correlated subquery per path, so each is an index range scan whatever the plan (a join would be planned
        // with the paths unknown, as a scan of every department).
        `select b.path, (select count(distinct md.member_id)
                           from departments d join member_departments md on md.department_id = d.id
                          where d.org_id = $1 and d.path ~>=~ b.path and d.path ~<~ (left(b.path, -1) || '0'))::int as count
           from unnest($2::text[]) as b(path)`,
        [orgId, paths],
      );
      return byKey(paths, rows, (row) => row.path).map((row) => row?.count ?? 0);
    }),
    directMemberCount: new DataLoader<string, number>(async (ids) => {
      const rows = await query<{ id: string; count: number }>(
        ctx,
        'direct_member_count',
        'select department_id as id, count(*)::int as count from member_departments where org_id = $1 and department_id = any($2::uuid[]) group by department_id',
        [orgId, ids],
      );
      return byKey(ids, rows, (row) => row.id).map((row) => row?.count ?? 0);
    }),
    /** For members that did not come from a page query that joined their departments in (a manager's, say). */
    departmentsOfMember: new DataLoader<string, DepartmentRow[]>(async (ids) =>
      grouped(
        ids,
        await query<DepartmentRow & { member_id: string }>(
          ctx,
          'departments_of_member',
          `select md.member_id, d.id, d.name, d.path, d.position
             from member_departments md join departments d on d.id = md.department_id and d.org_id = md.org_id
            where md.org_id = $1 and md.member_id = any($2::uuid[])
            order by d.path collate "C"`,
          [orgId, ids],
        ),
        (row) => row.member_id,
        ({ member_id, ...department }) => department,
      ),
    ),
    rolesOfMember: new DataLoader<string, RoleRow[]>(async (ids) =>
      grouped(
        ids,
        await query<RoleRow & { member_id: string }>(
          ctx,
          'roles_of_member',
          `select mr.member_id, r.id, r.name
             from member_roles mr join roles r on r.id = mr.role_id and r.org_id = mr.org_id
            where mr.org_id = $1 and mr.member_id = any($2::uuid[])
            order by mr.created_at`,
          [orgId, ids],
        ),
        (row) => row.member_id,
        ({ member_id, ...role }) => role,
      ),
    ),
  };
}

function loaders(ctx: Context): ReturnType<typeof createLoaders> {
  if (!ctx.loaders) throw new Error('loaders before the viewer');
  return ctx.loaders;
}

async function memberScope(ctx: Context): Promise<{ viewer: Awaited<ReturnType<typeof requireMember>>; loaders: ReturnType<typeof createLoaders> }> {
  const viewer = await requireMember(ctx);
  ctx.loaders ??= createLoaders(ctx, viewer.org.id);
  return { viewer, loaders: ctx.loaders };
}

// ---------------------------------------------------------------------------------------------------------------
// Ids, cursors, pages

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');

function rawId(id: string, type: string): string {
  const decoded = Buffer.from(id, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  const raw = decoded.slice(separator + 1);
  if (separator <= 0 || decoded.slice(0, separator) !== type || !UUID.test(raw)) throw error('NOT_FOUND', `${type} not found`);
  return raw;
}

// The gateway's keyset cursors: (sort key, id) for a list, (rank, sort key, id) for a search.
const encodeCursor = (member: MemberRow, searching: boolean) =>
  Buffer.from(JSON.stringify(searching ? [member.search_rank, member.sort_key, member.id] : [member.sort_key, member.id])).toString('base64url');

function decodeCursor(cursor: string, searching: boolean): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const [id, sortKey, rank] = Array.isArray(values) ? [...values].reverse() : [];
    if (values.length === (searching ? 3 : 2) && typeof sortKey === 'string' && typeof id === 'string' && UUID.test(id) && (!searching || Number.isInteger(rank))) {
      return values;
    }
  } catch {
    // below
  }
  throw error('BAD_USER_INPUT', 'Invalid cursor');
}

/** The field names selected under `path` (e.g. edges > node) of the current field, through fragments. */
function selectedFields(info: GraphQLResolveInfo, path: string[]): Set<string> {
  const fieldsOf = (nodes: readonly FieldNode[]) => {
    const out: FieldNode[] = [];
    const collect = (selections: readonly SelectionNode[]) => {
      for (const selection of selections) {
        if (selection.kind === Kind.FIELD) out.push(selection);
        else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet.selections);
        else {
          const fragment = info.fragments[selection.name.value];
          if (fragment) collect(fragment.selectionSet.selections);
        }
      }
    };
    for (const node of nodes) if (node.selectionSet) collect(node.selectionSet.selections);
    return out;
  };
  let current: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) current = fieldsOf(current).filter((field) => field.name.value === name);
  return new Set(fieldsOf(current).map((field) => field.name.value));
}

interface PageSpec {
  department?: { id: string; path: string; includeDescendants: boolean };
  /** The name model of `src/search/name-keys.ts`; phone digits, email and employee number only for `details`. */
  search?: { query: string; details: boolean };
}

const pageStatements = new Map<string, string>();

/**
 * One page of members of the viewer's org, in reading order (a search ranked first): one statement, with the members' departments and
 * roles joined in as JSON when the page selects them. Every variant is its own named prepared statement.
 */
async function memberPage(ctx: Context, info: GraphQLResolveInfo, spec: PageSpec, args: { first: number; after?: string | null }) {
  const { viewer } = await memberScope(ctx);
  const first = args.first;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) throw error('BAD_USER_INPUT', `first must be between 1 and ${MAX_PAGE_SIZE}`);
  const node = selectedFields(info, ['edges', 'node']);
  const withDepartments = node.has('departments') || (['phone', 'email', 'employeeNo'].some((f) => node.has(f)) && !seesContactDetailsOrgWide(viewer));
  const withRoles = node.has('roles');

  const values: unknown[] = [viewer.org.id];
  const param = (value: unknown) => `$${values.push(value)}`;
  const where: string[] = ['m.org_id = $1'];
  const key: string[] = [];
  if (spec.department?.includeDescendants) {
    key.push('subtree');
    const lower = param(spec.department.path);
    const upper = param(`${spec.department.path.slice(0, -1)}0`); // paths end in '/', and '0' follows it
    where.push(`m.id in (select md.member_id from departments d join member_departments md on md.department_id = d.id
                          where d.org_id = $1 and d.path ~>=~ ${lower} and d.path ~<~ ${upper})`);
  } else if (spec.department) {
    key.push('direct');
    where.push(`m.id in (select md.member_id from member_departments md where md.org_id = $1 and md.department_id = ${param(spec.department.id)})`);
  }
  let rank = '';
  const folded = spec.search ? nameQuery(spec.search.query) : null;
  if (spec.search && folded) {
    // The gateway's name search (members.listing.ts): pg_trgm patterns on members_search, ORed, ranked.
    const patterns = namePatterns(folded);
    const conditions: string[] = [];
    if (patterns.substring) conditions.push(`m.search_keys like ${param(patterns.substring)}`);
    if (patterns.reading) conditions.push(`m.search_keys like ${param(patterns.reading)}`);
    if (patterns.contains) conditions.push(`m.name_key like ${param(patterns.contains)}`);
    key.push(`search${patterns.substring ? 's' : ''}${patterns.reading ? 'r' : ''}${patterns.contains ? 'c' : ''}`);
    if (spec.search.details) {
      const raw = spec.search.query.normalize('NFKC');
      const digits = /^[+\d\s().-]+$/.test(raw) ? raw.replace(/\D/g, '') : '';
      if (digits.length >= 4) {
        conditions.push(`m.detail_keys like ${param(`%${digits}%`)}`);
        key.push('digits');
      }
      conditions.push(`m.detail_keys like ${param(`%\u001f${escapeLike(raw.toLowerCase())}%`)}`);
      key.push('details');
    }
    where.push(`(${conditions.length ? conditions.join(' or ') : 'false'})`);
    const reading = patterns.reading ? `when m.search_keys like ${param(patterns.reading)} then 2 ` : '';
    rank = `case when m.name_key = ${param(patterns.exact)} then 0 when m.name_key like ${param(patterns.prefix)} then 1 ${reading}else 3 end`;
  }
  const searching = !!rank;
  let after = '';
  if (args.after) {
    const cursor = decodeCursor(args.after, searching);
    key.push('after');
    if (searching) after = `where (search_rank, sort_key, id) > (${param(cursor[0])}::int, ${param(cursor[1])}::text, ${param(cursor[2])}::uuid)`;
    else where.push(`(m.sort_key, m.id) > (${param(cursor[0])}::text, ${param(cursor[1])}::uuid)`);
  }
  const limit = param(first + 1);
  if (withDepartments) key.push('departments');
  if (withRoles) key.push('roles');
  const name = `page_${key.join('_')}`;
  let text = pageStatements.get(name);
  if (!text) {
    const extra = [withDepartments ? `${DEPARTMENTS_JSON} as departments` : null, withRoles ? `${ROLES_JSON} as roles` : null].filter(Boolean);
    const columns = extra.map((column) => `, ${column}`).join('');
    text = searching
      ? // The matches of a search first, ranked, then the page, as the gateway does.
        `with matches as materialized (select ${MEMBER_COLUMNS}, ${rank} as search_rank from members m where ${where.join(' and ')})
         select p.*${columns} from (select * from matches ${after} order by search_rank, sort_key, id limit ${limit}) p order by p.search_rank, p.sort_key, p.id`
      : `select p.*${columns}
           from (select ${MEMBER_COLUMNS} from members m where ${where.join(' and ')} order by m.sort_key, m.id limit ${limit}) p
          order by p.sort_key, p.id`;
    pageStatements.set(name, text);
  }
  const rows = await query<MemberRow>(ctx, name, text, values);
  const hasNextPage = rows.length > first;
  const page = hasNextPage ? rows.slice(0, first) : rows;
  const edges = page.map((member) => ({ cursor: encodeCursor(member, searching), node: member }));
  return {
    edges,
    pageInfo: { hasNextPage, hasPreviousPage: !!args.after, startCursor: edges[0]?.cursor ?? null, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Resolvers

type Resolver = GraphQLFieldResolver<any, Context, any>;

const resolvers: Record<string, Record<string, Resolver>> = {
  Query: {
    department: async (_root, { id }: { id: string }, ctx) => {
      const { loaders } = await memberScope(ctx);
      const department = await loaders.departmentById.load(rawId(id, 'Department'));
      if (!department) throw error('NOT_FOUND', 'Department not found');
      return department;
    },
    members: async (_root, args: { first: number; after?: string | null; filter?: { query?: string | null } | null }, ctx, info) => {
      const { viewer } = await memberScope(ctx);
      const text = args.filter?.query?.trim();
      let search: PageSpec['search'];
      if (text) {
        search = { query: text, details: seesContactDetailsOrgWide(viewer) };
      }
      return memberPage(ctx, info, { search }, args);
    },
    viewer: async (_root, _args, ctx) => {
      const viewer = await requireUser(ctx);
      return { viewer };
    },
  },
  Department: {
    id: (department: DepartmentRow) => globalId('Department', department.id),
    memberCount: async (department: DepartmentRow, { includeDescendants }: { includeDescendants: boolean | null }, ctx) => {
      const { loaders } = await memberScope(ctx);
      return includeDescendants === false ? loaders.directMemberCount.load(department.id) : loaders.subtreeMemberCount.load(department.path);
    },
    members: (department: DepartmentRow, args: { first: number; after?: string | null; includeDescendants: boolean | null }, ctx, info) =>
      memberPage(ctx, info, { department: { id: department.id, path: department.path, includeDescendants: args.includeDescendants !== false } }, args),
  },
  Member: {
    id: (member: MemberRow) => globalId('Member', member.id),
    phone: async (member: MemberRow, _args, ctx) => ((await maySeeSensitive(ctx, member)) ? member.phone : null),
    email: async (member: MemberRow, _args, ctx) => ((await maySeeSensitive(ctx, member)) ? member.email : null),
    employeeNo: async (member: MemberRow, _args, ctx) => ((await maySeeSensitive(ctx, member)) ? member.employee_no : null),
    departments: async (member: MemberRow, _args, ctx) => member.departments ?? (await memberScope(ctx)).loaders.departmentsOfMember.load(member.id),
    roles: async (member: MemberRow, _args, ctx) => {
      const roles = member.roles ?? (await (await memberScope(ctx)).loaders.rolesOfMember.load(member.id));
      return roles.map((role) => ({ role }));
    },
    manager: async (member: MemberRow, _args, ctx) => (member.manager_id ? (await memberScope(ctx)).loaders.memberById.load(member.manager_id) : null),
  },
  Role: { id: (role: RoleRow) => globalId('Role', role.id) },
  User: { id: (user: { id: string }) => globalId('User', user.id) },
  Org: {
    id: (org: OrgRow) => globalId('Org', org.id),
    memberQuota: (org: OrgRow) => ({ used: org.member_count, limit: org.member_limit }),
  },
  ViewerPayload: {
    user: ({ viewer }: { viewer: Viewer }) => viewer.user,
    member: ({ viewer }: { viewer: Viewer }) => viewer.member,
    org: ({ viewer }: { viewer: Viewer }) => viewer.org,
    orgs: ({ viewer }: { viewer: Viewer }, _args, ctx) => query<OrgRow>(ctx, 'orgs_of_user', ORGS_OF_USER_SQL, [viewer.user.id]),
  },
};

for (const [typeName, fields] of Object.entries(resolvers)) {
  const type = schema.getType(typeName) as GraphQLObjectType;
  for (const [fieldName, resolve] of Object.entries(fields)) type.getFields()[fieldName]!.resolve = resolve;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP

/** Parsed and validated documents by query text (bounded), so a repeated query costs neither again. */
const documents = new Map<string, { document: DocumentNode } | { errors: readonly GraphQLError[] }>();

function documentFor(text: string): { document: DocumentNode } | { errors: readonly GraphQLError[] } {
  let entry = documents.get(text);
  if (!entry) {
    try {
      const document = parse(text);
      const errors = validate(schema, document);
      entry = errors.length ? { errors } : { document };
    } catch (e) {
      entry = { errors: [e instanceof GraphQLError ? e : error('GRAPHQL_PARSE_FAILED', String(e))] };
    }
    if (documents.size >= 1000) documents.clear();
    documents.set(text, entry);
  }
  return entry;
}

async function verifyToken(header: string | undefined): Promise<Context['claims']> {
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
  if (!token) return null;
  try {
    const { payload } = await jwtVerify(token, JWT_KEY, { issuer: 'orggraph', algorithms: ['HS256'] });
    // Session tokens only: API client tokens carry `typ`.
    if (typeof payload.sub !== 'string' || payload.typ !== undefined) return null;
    return { sub: payload.sub, org: typeof payload.org === 'string' ? payload.org : undefined };
  } catch {
    return null;
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const json = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(json) });
  res.end(json);
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/graphql') return send(res, 404, { errors: [{ message: 'POST /graphql' }] });
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  let body: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    return send(res, 400, { errors: [{ message: 'Body must be JSON', extensions: { code: 'BAD_REQUEST' } }] });
  }
  if (typeof body.query !== 'string') return send(res, 400, { errors: [{ message: 'query must be a string', extensions: { code: 'BAD_REQUEST' } }] });
  const entry = documentFor(body.query);
  if ('errors' in entry) return send(res, 400, { errors: entry.errors });
  const ctx: Context = { sql: 0, claims: await verifyToken(req.headers.authorization) };
  const result = await execute({
    schema,
    document: entry.document,
    variableValues: (body.variables ?? {}) as Record<string, unknown>,
    operationName: typeof body.operationName === 'string' ? body.operationName : undefined,
    contextValue: ctx,
  });
  send(res, 200, { ...result, extensions: { sqlStatements: ctx.sql } });
}

const server = http.createServer((req, res) => {
  handle(req, res).catch((e: unknown) => {
    console.error(e);
    if (!res.headersSent) send(res, 500, { errors: [{ message: 'Internal error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
  });
});
server.keepAliveTimeout = 60_000;

server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
  const address = server.address();
  console.log(JSON.stringify({ msg: 'reference listening', port: typeof address === 'object' && address ? address.port : null }));
});

const stop = () => {
  server.close();
  server.closeAllConnections();
  pool.end().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
