import { can } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Loaders } from '../../graphql/loaders';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { queryNamed, statementFor } from '../../db/named-statement';
import { badInput, notFound, errorMessage } from '../../errors';
import { escapeLike, namePatterns, nameQuery, type NamePatterns, type NameQuery } from '../../search/name-keys';
import { readingTier } from '../../search/reading-tier';
import type { Department } from '../departments/department.entity';
import { PermissionAction, PermissionModule } from '../roles/role.entity';
import { Member, type MemberStatus } from './member.entity';

/** Which members a page lists; every condition applies together, always inside the viewer's org. */
export interface MemberListScope {
  /** A name search (`src/search/name-keys.ts`), for viewers who may see contact details org-wide also phone digits, email or employee number. */
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
  loaders: Loaders,
  filter: { query?: string | null; departmentId?: string | null; includeDescendants?: boolean | null; status?: MemberStatus | null; roleId?: string | null } | null | undefined,
  department?: Department,
): Promise<MemberListScope> {
  const scope: MemberListScope = { query: filter?.query, status: filter?.status };
  const departmentRow = department ?? (filter?.departmentId ? await loaders.departmentById.load(rawId(filter.departmentId, 'Department')) : null);
  if (filter?.departmentId && !departmentRow) throw notFound('Department');
  if (departmentRow) {
    scope.department = { id: departmentRow.id, path: departmentRow.path, includeDescendants: filter?.includeDescendants ?? true };
  }
  if (filter?.roleId) {
    const role = await loaders.roleById.load(rawId(filter.roleId, 'Role'));
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
  /** Placeholders of the cursor's values, applied by the page statement to its order. */
  after?: string[];
  /** The conditions without the search's, for the name-prefix fast path. */
  scope: string[] = [];
  /** The placeholder of a short search's substring pattern (`NamePatterns.substring`). */
  substring?: string;
  /** The search's conditions on contact details (phone digits, employee number, email), ORed into `where`. */
  details: string[] = [];

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
function filtered(viewer: Viewer, scope: MemberListScope): Conditions {
  return filteredIn(viewer.orgId, maySearchContactDetails(viewer), scope);
}

/** `filtered` for an org and whether contact details may be searched. */
function filteredIn(orgId: string, details: boolean, scope: MemberListScope): Conditions {
  const conditions = new Conditions(orgId);
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
  conditions.scope = [...where];
  const search = searchOf(scope);
  if (search) {
    // Each LIKE can use members_search (pg_trgm GIN): ORed, the planner combines them as a bitmap OR.
    const { patterns } = search;
    const matches: string[] = [];
    if (patterns.substring) {
      conditions.substring = param(patterns.substring);
      matches.push(`m.search_keys like ${conditions.substring}`);
    }
    if (patterns.reading) matches.push(`m.search_keys like ${param(patterns.reading)}`);
    if (patterns.contains) matches.push(`m.name_key like ${param(patterns.contains)}`);
    if (details) {
      // Phone digits anywhere (4 or more), an employee number or email from its start: `detail_keys` is
      // <GS>digits<US>employee no<US>email, so the prefix pattern cannot start inside the phone.
      const digits = PHONE_LIKE.test(search.raw) ? search.raw.replace(/\D/g, '') : '';
      if (digits.length >= 4) conditions.details.push(`m.detail_keys like ${param(`%${digits}%`)}`);
      conditions.details.push(`m.detail_keys like ${param(`%\u001f${escapeLike(search.raw.toLowerCase())}%`)}`);
      matches.push(...conditions.details);
    }
    if (!matches.length) matches.push('false');
    where.push(`(${matches.join(' or ')})`);
  }
  return conditions;
}

const PHONE_LIKE = /^[+\d\s().-]+$/;

/** A scope's search, folded; null without one. */
function searchOf(scope: MemberListScope): { raw: string; query: NameQuery; patterns: NamePatterns } | null {
  const raw = scope.query?.normalize('NFKC').trim();
  const query = raw ? nameQuery(raw) : null;
  return raw && query ? { raw, query, patterns: namePatterns(query) } : null;
}

/** A match's rank (see `namePatterns`): computed on the matches only, as the first sort key of a search. */
function rankSql(conditions: Conditions, patterns: NamePatterns): string {
  const reading = patterns.reading ? `when m.search_keys like ${conditions.param(patterns.reading)} then 2 ` : '';
  return `case when m.name_key = ${conditions.param(patterns.exact)} then 0 when m.name_key like ${conditions.param(patterns.prefix)} then 1 ${reading}else 3 end`;
}

/**
 * The page's SQL, `first + 1` rows. A list is in reading order (sort_key, id) on members_org_sort. A search collects
 * its matches first (a bitmap scan of members_search), ranks them and orders them by (rank, sort_key, id); `after`
 * is applied to that order.
 */
function pageStatement(conditions: Conditions, first: number, search: Search | null): string {
  if (!search) {
    const after = search === null && conditions.after ? ` and (m.sort_key, m.id) > (${conditions.after[0]}::text, ${conditions.after[1]}::uuid)` : '';
    return `select m.* from members m where ${conditions.sql}${after} order by m.sort_key, m.id limit ${conditions.param(first + 1)}`;
  }
  const limit = conditions.param(first + 1);
  // Added to the values only by the paths that rank (an unused placeholder has no type for a prepared statement).
  let rank: string | undefined;
  const after = conditions.after ? `where (search_rank, sort_key, id) > (${conditions.after[0]}::int, ${conditions.after[1]}::text, ${conditions.after[2]}::uuid)` : '';
  const ranked = (gate = '') => `select * from (select m.*, ${(rank ??= rankSql(conditions, search.patterns))} as search_rank from members m where ${conditions.sql}${gate}) r ${after}`;
  const length = search.query.length;
  if (search.patterns.reading && conditions.scope.length === 1 && [...search.query.compact].length >= 2) {
    return readingStatement(conditions, search, limit, ranked);
  }
  if (length > 2 || search.query.text.includes(' ')) {
    return `with matches as materialized (${ranked()} order by search_rank, sort_key, id limit ${limit}) select * from matches where serial_plan() order by search_rank, sort_key, id`;
  }
  // One or two characters (a surname: some 5% of an org for 王 or 李) match too many rows to rank them all for every
  // page. Exact and prefix matches rank first, and come in reading order from members_org_name_key and
  // members_org_name_<n> (org_id, left(name_key, n), sort_key, id): when they fill the page, nothing else is read.
  // Only otherwise (the one-time filter on `fast`) are all the matches collected from members_search and ranked.
  const q = `${conditions.param(search.query.text)}::text`;
  const scope = conditions.scope.join(' and ');
  const tierAfter = (tier: number) =>
    conditions.after ? ` and (${tier}, m.sort_key, m.id) > (${conditions.after[0]}::int, ${conditions.after[1]}::text, ${conditions.after[2]}::uuid)` : '';
  const fast = `fast as materialized (
      (select m.*, 0 as search_rank from members m where ${scope} and m.name_key = ${q}${tierAfter(0)} order by m.sort_key, m.id limit ${limit})
      union all
      (select m.*, 1 from members m where ${scope} and left(m.name_key, ${length}) = ${q} and m.name_key <> ${q}${tierAfter(1)}
        order by m.sort_key, m.id limit ${limit})
    )`;
  if (search.patterns.reading) {
    return `with ${fast},
      slow as materialized (${ranked(` and (select count(*) from fast) < ${limit}`)} order by search_rank, sort_key, id limit ${limit})
      select * from (select * from fast where (select count(*) from fast) >= ${limit} union all select * from slow) page where serial_plan()
       order by search_rank, sort_key, id limit ${limit}`;
  }
  if (HAN_START.test(search.query.text) && conditions.scope.length === 1) {
    return `with ${fast},
    subs as materialized (${substringTier(conditions, search, limit, q)})
    select * from (select * from fast union all select m.*, 3 as search_rank from subs s join members m on m.id = s.id) page where serial_plan()
     order by search_rank, sort_key, id limit ${limit}`;
  }
  // A CJK query has no reading tier: after the exact and prefix matches come the substrings (rank 3) in reading order.
  // They are looked for in the next MEMBER_NAME_PROBE members in reading order (members_org_sort), as the contacts'
  // probe does; only when that falls short of a page (sparse matches) are all the matches collected and ranked.
  const probeAfter = conditions.after && search.afterRank === 3 ? ` and (m.sort_key, m.id) > (${conditions.after[1]}::text, ${conditions.after[2]}::uuid)` : '';
  const probeSize = conditions.param(MEMBER_NAME_PROBE);
  const walk = `select m.* from members m where ${scope}${probeAfter} order by m.sort_key, m.id limit ${probeSize}`;
  return `with ${fast},
    probe as materialized (
      select m.*, 3 as search_rank from (${walk}) m
       where (select count(*) from fast) < ${limit} and ${conditions.sql} and left(m.name_key, ${length}) <> ${q}
       order by m.sort_key, m.id limit ${limit}
    ),
    state as materialized (
      select case when (select count(*) from fast) >= ${limit} then true
                  when (select count(*) from fast) + (select count(*) from probe) >= ${limit} then true
                  else (select count(*) from (${walk}) w) < ${probeSize} end as complete
    ),
    slow as materialized (${ranked(' and not (select complete from state)')} order by search_rank, sort_key, id limit ${limit})
    select * from (
      select * from fast where (select complete from state)
      union all select * from probe where (select complete from state)
      union all select * from slow
    ) page where serial_plan() order by search_rank, sort_key, id limit ${limit}`;
}

/**
 * A reading search (pinyin, initials, kana, romaji, Latin; two characters or more) over the whole org. Its page
 * comes tier by tier, each in reading order from btree indexes, without ranking every match:
 * - exact names (members_org_name_key) and prefixes (members_org_name_<n> for one or two characters; longer ones
 *   from the trigram index, few),
 * - the reading tier from the reading-field indexes (`src/search/reading-tier.ts`), names of the first two tiers
 *   left out;
 * only when these fall short of a page (a one-time filter) are all the matches collected and ranked (`slow`), which
 * brings the substring tier and matches of contact details. The first page of each tier suffices: the page is the
 * first rows of their union in (rank, reading order).
 */
function readingStatement(conditions: Conditions, search: Search, limit: string, ranked: (gate?: string) => string): string {
  const text = search.query.text;
  const length = search.query.length;
  const q = `${conditions.param(text)}::text`;
  const param = (value: unknown) => conditions.param(value);
  const tierAfter = (tier: number) =>
    conditions.after ? ` and (${tier}, m.sort_key, m.id) > (${conditions.after[0]}::int, ${conditions.after[1]}::text, ${conditions.after[2]}::uuid)` : '';
  const prefix =
    length <= 2
      ? { where: `left(m.name_key, ${length}) = ${q}`, order: 'm.sort_key' }
      : { where: `m.name_key like ${param(search.patterns.contains)} and m.name_key like ${param(search.patterns.prefix)}`, order: `m.sort_key || ''` };
  const fast = `fast as materialized (
      (select m.*, 0 as search_rank from members m where m.org_id = $1 and m.name_key = ${q}${tierAfter(0)} order by m.sort_key, m.id limit ${limit})
      union all
      (select m.*, 1 from members m where m.org_id = $1 and ${prefix.where} and m.name_key <> ${q}${tierAfter(1)}
        order by ${prefix.order}, m.id limit ${limit})
    )`;
  // The reading tier after the cursor: all of it before rank 2, its rest within rank 2, none of it past.
  const afterRank = conditions.after ? (search.afterRank ?? 0) : 0;
  const readingAfter = afterRank === 2 ? ` and (m.sort_key, m.id) > (${conditions.after![1]}::text, ${conditions.after![2]}::uuid)` : afterRank > 2 ? ' and false' : '';
  const notHigher = ` and not (m.name_key like ${param(search.patterns.prefix)})`;
  const gate = `(select count(*) from fast) < ${limit}${notHigher}${readingAfter}`;
  const tier = readingTier(
    'm',
    search.query.compact,
    search.patterns.reading!,
    param,
    (where, order, rows) => `select m.id, m.sort_key from members m where m.org_id = $1 and ${where} and ${gate}${order ? ` order by ${order}, m.id` : ''} limit ${rows}`,
    limit,
  );
  return `with ${fast},${tier.ctes.map((cte) => `\n    ${cte},`).join('')}
    reading as materialized (${tier.rows}),
    state as materialized (select (select count(*) from fast) + (select count(*) from reading) >= ${limit} as complete),
    slow as materialized (${ranked(' and not (select complete from state)')} order by search_rank, sort_key, id limit ${limit})
    select * from (
      select * from fast where (select complete from state)
      union all select m.*, 2 as search_rank from reading r join members m on m.id = r.id where (select complete from state)
      union all select * from slow
    ) page where serial_plan() order by search_rank, sort_key, id limit ${limit}`;
}

/** A query starting with a Han character: its substring matches start at a character position of `name_key`. */
const HAN_START = /^\p{Script=Han}/u;

/**
 * The substring tier (rank 3) of a one- or two-character search starting with a Han character, over the whole org, in
 * reading order, without reading every match. Such a match holds the query at a character position of `name_key`
 * other than the first (that is the prefix tier): positions 2-4 are index ranges in reading order
 * (`members_org_name_at_<p>`, `members_org_pair_at_<p>`), each read up to a page; names longer than four characters
 * come from `members_search_long`, and contact-detail matches from `members_search`, both few. The page is the first
 * rows of their union. Runs only when `fast` fell short of a page (a one-time filter in each branch).
 */
function substringTier(conditions: Conditions, search: Search, limit: string, q: string): string {
  const length = search.query.length;
  const after = conditions.after && search.afterRank === 3 ? ` and (m.sort_key, m.id) > (${conditions.after[1]}::text, ${conditions.after[2]}::uuid)` : '';
  const gate = `(select count(*) from fast) < ${limit} and left(m.name_key, ${length}) <> ${q}${after}`;
  // The position branches walk their index in reading order and stop at a page; their match on `search_keys` is a
  // filter (`|| ''`: no bitmap of every match). The others are few matches collected from a trigram index and sorted
  // (`|| ''`: no walk of the reading order looking for them).
  const branch = (where: string, order: string) =>
    `(select m.id, m.sort_key from members m where m.org_id = $1 and ${where} and ${gate} order by ${order}, m.id limit ${limit})`;
  const substring = conditions.substring!;
  const branches = (length === 1 ? [2, 3, 4] : [2, 3]).map((p) =>
    branch(`char_length(m.name_key) >= ${p + length - 1} and substr(m.name_key, ${p}, ${length}) = ${q} and (m.search_keys || '') like ${substring}`, 'm.sort_key'),
  );
  branches.push(branch(`char_length(m.name_key) > 4 and m.search_keys like ${substring}`, `m.sort_key || ''`));
  if (conditions.details.length) branches.push(branch(`(${conditions.details.join(' or ')})`, `m.sort_key || ''`));
  return `select s.id, s.sort_key from (${branches.join(' union all ')}) s group by s.id, s.sort_key order by s.sort_key, s.id limit ${limit}`;
}

/** Members read in reading order by the substring probe of a short CJK search (see `pageStatement`). */
export const MEMBER_NAME_PROBE = 4000;

/**
 * The first page's statement of a member search, as `listMembers` runs it: for `npm run bench:search`, which runs it
 * as bare SQL beside the gateway.
 */
export function memberSearchStatement(orgId: string, details: boolean, query: string, first: number): { text: string; values: unknown[] } {
  const conditions = filteredIn(orgId, details, { query });
  return { text: pageStatement(conditions, first, searchOf({ query })), values: conditions.values };
}

type Search = NonNullable<ReturnType<typeof searchOf>> & { afterRank?: number };

/** Rows come back with their rank when searching: kept beside the entity for its cursor. */
const ranks = new WeakMap<Member, number>();

function toMember(loaders: Loaders, { search_rank, ...row }: Record<string, unknown>): Member {
  const member = loaders.mapRow(Member, row);
  if (typeof search_rank === 'number') ranks.set(member, search_rank);
  return member;
}

/** The rows of a page, through a named statement (a search's with its generic plan, which it is written for). */
async function pageOf(em: EntityManager, loaders: Loaders, conditions: Conditions, first: number, search: Search | null): Promise<Member[]> {
  const sql = pageStatement(conditions, first, search);
  return (await queryNamed<Record<string, unknown>>(em, statementFor(sql, { genericPlan: !!search }), conditions.values)).map((row) => toMember(loaders, row));
}

/**
 * The page and, in the same statement, the managers of its members, primed into `memberById` so `Member.manager`
 * costs nothing more.
 */
async function pageWithManagers(em: EntityManager, loaders: Loaders, conditions: Conditions, first: number, search: Search | null): Promise<Member[]> {
  const sql = pageStatement(conditions, first, search);
  const rank = search ? 'page.search_rank' : 'null::int';
  const rows = await queryNamed<Record<string, unknown> & { in_page: boolean }>(
    em,
    statementFor(
      `with page as (${sql})
       select page.*, true as in_page, ${rank} as page_rank from page
       union all
       select m.*, ${search ? 'null::int, ' : ''}false, null::int from members m where m.org_id = $1 and m.id in (select manager_id from page)
       order by in_page desc, page_rank, sort_key, id`,
      { genericPlan: !!search },
    ),
    conditions.values,
  );
  const page: Member[] = [];
  for (const { in_page, page_rank: _rank, ...row } of rows) {
    const member = toMember(loaders, row);
    if (in_page) page.push(member);
    else loaders.memberById.prime(member.id, member);
  }
  return page;
}

/**
 * One page of members in the viewer's org, ordered by (name, id) with keyset cursors. Shared by `members`,
 * `Department.members` and `Member.reports`; costs one query (plus one for `totalCount` when selected).
 */
export async function listMembers(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  scope: MemberListScope,
  page: PageArgs,
  { withManagers = false }: { withManagers?: boolean } = {},
): Promise<Connection<Member>> {
  const first = checkPageSize(page.first);
  const conditions = filtered(viewer, scope);
  const search: Search | null = searchOf(scope);
  if (page.after) {
    // A search's cursor is (rank, sort key, id), a list's (sort key, id).
    const values = decodeCursor(page.after, search ? 3 : 2);
    const [id, sortKey, rank] = [...values].reverse();
    if (typeof sortKey !== 'string' || typeof id !== 'string' || !UUID.test(id) || (search && !Number.isInteger(rank))) throw badInput(errorMessage('invalidCursor'), 'after');
    conditions.after = search ? [conditions.param(rank), conditions.param(sortKey), conditions.param(id)] : [conditions.param(sortKey), conditions.param(id)];
    if (search) search.afterRank = rank as number;
  }
  const rows = withManagers ? await pageWithManagers(em, loaders, conditions, first, search) : await pageOf(em, loaders, conditions, first, search);
  const cursorOf = (member: Member) => (search ? [ranks.get(member) ?? 3, member.sortKey, member.id] : [member.sortKey, member.id]);
  return toConnection(rows, first, cursorOf, !!page.after, async () => {
    const counted = filtered(viewer, scope);
    const [row] = await queryNamed<{ count: number }>(em, statementFor(`select count(*)::int as count from members m where ${counted.sql}`), counted.values);
    return row?.count ?? 0;
  });
}
