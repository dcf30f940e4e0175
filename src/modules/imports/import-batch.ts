import { keyColumns, nameKeys } from '../../search/name-keys';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { nativeQuery } from '../../db/native-sql';
import { canCreateDepartmentUnder, canGrantRole, canImportInto } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { toGlobalId } from '../../graphql/relay';
import { EventTopic, type NewOrgEvent } from '../../realtime/events';
import { recordAudit } from '../audit/audit.service';
import { departmentTreeLockKey } from '../departments/departments.service';
import { InvitationChannel } from '../invitations/invitation.entity';
import { newInvitationTokens } from '../invitations/invitation-token';
import { memberEvent, MemberChangeType } from '../members/member-events';
import { BuiltinRole } from '../roles/role.entity';
import { departmentPathKey, type ImportCandidate } from './import-csv';
import { errorMessage } from '../../errors';
import type { LocalizedMessage } from '../../i18n';
import { importMessage, ImportIssueCode, SKIP_CODES, type ImportIssue } from './import-issue';

/** What stays the same for every batch of one import. */
export interface ImportSession {
  /** The import record's id (`member_imports.id`, what invitations and audit entries refer to). */
  importId: string;
  orgId: string;
  orgName: string;
  rootDepartmentId: string;
  viewer: Viewer;
  inviter: { memberId: string; userId: string; name: string };
  dryRun: boolean;
  createDepartments: boolean;
  publicUrl: string;
}

/**
 * What earlier batches of the same import left behind, for checks that span the whole file. A batch changes it
 * only once it has succeeded (`BatchResult.remember`), so a retried batch starts from the same state.
 */
export interface ImportMemory {
  /** `phone:<e164>` / `email:<address>` -> the row that first named it. */
  contacts: Map<string, number>;
  employeeNos: Map<string, number>;
  /** Department paths created so far (in a dry run: that would have been), so each counts once. */
  createdDepartmentPaths: Set<string>;
  /** Dry runs commit nothing, so the quota of later batches must subtract what earlier ones would have added. */
  dryRunCreated: number;
}

export function newImportMemory(): ImportMemory {
  return { contacts: new Map(), employeeNos: new Map(), createdDepartmentPaths: new Set(), dryRunCreated: 0 };
}

export interface BatchResult {
  issues: ImportIssue[];
  created: number;
  skipped: number;
  failed: number;
  departmentsCreated: number;
  /** MEMBER ADDED and INVITATION SENT events of the people created (each person's in that order), to record with the batch. */
  events: Array<Omit<NewOrgEvent, 'orgId'>>;
  /** Applies this batch's file-wide facts to the import's memory; call once the batch has committed (or, dry, rolled back). */
  remember(): void;
}

interface RoleRow {
  id: string;
  name: string;
  builtin: BuiltinRole | null;
}

interface DepartmentRef {
  id: string;
  path: string;
}

type PathResolution =
  | { kind: 'found'; department: DepartmentRef }
  /** `depth` leading segments exist; `deepest` is the last of them (the org root when depth is 0). */
  | { kind: 'missing'; deepest: DepartmentRef; depth: number };

interface ExistingPerson {
  n: number;
  /** Expiry of an open invitation, as JSON gives it (ISO text). */
  phone_invited_until: string | null;
  email_invited_until: string | null;
  phone_member: string | null;
  email_member: string | null;
  employee_no_taken: boolean;
}

interface AcceptedRow {
  candidate: ImportCandidate;
  roleIds: string[];
  /** Resolved departments, or missing paths to create first. */
  departments: Array<{ department: DepartmentRef } | { missing: Extract<PathResolution, { kind: 'missing' }>; segments: string[] }>;
}

/**
 * Checks one batch of rows against the org and, for the good ones, creates set-based: missing departments (when
 * asked), PENDING members with their departments and roles, PENDING invitations with hashed tokens, and one outbox
 * message each. Runs inside the caller's transaction, which the caller rolls back for a dry run.
 *
 * Locks, in the order every writer takes them: the org's department-tree lock (so paths resolved here stay valid and
 * concurrent imports do not create the same department twice), then the org row (quota, as `addMember` does).
 */
export async function importBatch(tx: EntityManager, session: ImportSession, memory: ImportMemory, candidates: ImportCandidate[]): Promise<BatchResult> {
  const { orgId, viewer } = session;
  const org = await lockOrgForImport(tx, orgId);
  const { roles } = org;
  const paths = distinctPaths(candidates);
  const { resolutions, existing } = await probeBatch(tx, session, paths, candidates);

  const issues: ImportIssue[] = [];
  const failedRows = new Set<number>();
  const skippedRows = new Set<number>();
  const report = (row: number, column: string | null, code: ImportIssueCode, message: LocalizedMessage) => {
    issues.push({ row, column, code, message });
    (SKIP_CODES.has(code) ? skippedRows : failedRows).add(row);
  };
  const seen = new SeenInFile(memory);
  let quotaLeft = org.member_limit - org.member_count - (session.dryRun ? memory.dryRunCreated : 0);
  const accepted: AcceptedRow[] = [];

  for (const candidate of candidates) {
    const { row } = candidate;
    for (const issue of candidate.issues) report(row, issue.column, issue.code, issue.message);
    const roleIds = resolveRoles(viewer, roles, candidate, (code, message) => report(row, 'roles', code, message));
    const departments = placeRow(session, resolutions, candidate, (code, message) => report(row, 'department', code, message));
    if (failedRows.has(row)) continue;
    const conflict = personConflict(candidate, existing.get(row), seen);
    if (conflict) {
      report(row, conflict.column, conflict.code, conflict.message);
      continue;
    }
    if (quotaLeft <= 0) {
      report(row, null, ImportIssueCode.QUOTA_EXCEEDED, errorMessage('memberLimit', { limit: String(org.member_limit) }));
      continue;
    }
    quotaLeft--;
    accepted.push({ candidate, roleIds, departments });
  }

  const plan = planDepartments(memory, accepted);
  await createPlannedDepartments(tx, session, plan);
  const events = await insertPeople(tx, session, org.invitation_ttl_seconds, accepted, plan);

  return {
    issues,
    created: accepted.length,
    skipped: skippedRows.size,
    failed: failedRows.size,
    departmentsCreated: plan.countedNew,
    events,
    remember() {
      seen.remember();
      for (const node of plan.nodes.values()) memory.createdDepartmentPaths.add(node.pathKey);
      if (session.dryRun) memory.dryRunCreated += accepted.length;
    },
  };
}

/** Phones, emails and employee numbers met so far in the file: in earlier batches (the memory) and in this one. */
class SeenInFile {
  private readonly contacts = new Map<string, number>();
  private readonly employeeNos = new Map<string, number>();

  constructor(private readonly memory: ImportMemory) {}

  /** The earlier row with this key, else records this row under it. */
  contact(key: string, row: number): number | undefined {
    const earlier = this.memory.contacts.get(key) ?? this.contacts.get(key);
    if (earlier === undefined) this.contacts.set(key, row);
    return earlier;
  }

  employeeNo(value: string, row: number): number | undefined {
    const earlier = this.memory.employeeNos.get(value) ?? this.employeeNos.get(value);
    if (earlier === undefined) this.employeeNos.set(value, row);
    return earlier;
  }

  remember(): void {
    for (const [key, row] of this.contacts) this.memory.contacts.set(key, row);
    for (const [key, row] of this.employeeNos) this.memory.employeeNos.set(key, row);
  }
}

/**
 * Is the row's person already there? In this order: named by an earlier row (DUPLICATE_IN_FILE), invited
 * (ALREADY_INVITED), a member (ALREADY_MEMBER), then their employee number taken (DUPLICATE_EMPLOYEE_NO).
 */
function personConflict(candidate: ImportCandidate, found: ExistingPerson | undefined, seen: SeenInFile): Omit<ImportIssue, 'row'> | null {
  const { row } = candidate;
  const byPhone = candidate.phone ? seen.contact(`phone:${candidate.phone}`, row) : undefined;
  const byEmail = candidate.email ? seen.contact(`email:${candidate.email}`, row) : undefined;
  if (byPhone !== undefined) return { column: 'phone', code: ImportIssueCode.DUPLICATE_IN_FILE, message: importMessage('sameAsRow', { column: 'phone', earlier: String(byPhone) }) };
  if (byEmail !== undefined) return { column: 'email', code: ImportIssueCode.DUPLICATE_IN_FILE, message: importMessage('sameAsRow', { column: 'email', earlier: String(byEmail) }) };

  const invited = found?.phone_invited_until ? { column: 'phone', until: found.phone_invited_until } : found?.email_invited_until ? { column: 'email', until: found.email_invited_until } : null;
  if (invited) {
    const expired = new Date(invited.until).getTime() <= Date.now();
    return {
      column: invited.column,
      code: ImportIssueCode.ALREADY_INVITED,
      message: importMessage(expired ? 'invitationExpired' : 'invitationPending', { column: invited.column }),
    };
  }
  const member = found?.phone_member ? { column: 'phone', status: found.phone_member } : found?.email_member ? { column: 'email', status: found.email_member } : null;
  if (member) return { column: member.column, code: ImportIssueCode.ALREADY_MEMBER, message: importMessage('alreadyMember', { status: member.status, column: member.column }) };

  if (candidate.employeeNo) {
    const earlier = seen.employeeNo(candidate.employeeNo, row);
    if (earlier !== undefined) return { column: 'employeeNo', code: ImportIssueCode.DUPLICATE_EMPLOYEE_NO, message: importMessage('sameEmployeeNoAsRow', { earlier: String(earlier) }) };
    if (found?.employee_no_taken) return { column: 'employeeNo', code: ImportIssueCode.DUPLICATE_EMPLOYEE_NO, message: importMessage('employeeNoTaken') };
  }
  return null;
}

interface LockedOrg {
  member_limit: number;
  /** Members of the org, kept by the members triggers; read with the row lock, so it counts every committed writer's. */
  member_count: number;
  invitation_ttl_seconds: number;
  roles: RoleRow[];
}

/**
 * Takes the org's department-tree lock (`lockDepartmentTree`'s), then locks the org row (quota, as `addMember` does)
 * and reads its limit, its member count and its roles, in one statement: the tree lock is an init plan, evaluated
 * before the scan yields the org row to lock, so the order every writer takes them holds. The row locked is the
 * latest version (its member count counts every committed writer's); the probe that follows sees the tree as the
 * last holder of the lock left it.
 */
async function lockOrgForImport(tx: EntityManager, orgId: string): Promise<LockedOrg> {
  const [org] = await nativeQuery<LockedOrg>(
    tx,
    `select o.member_limit, o.member_count, o.invitation_ttl_seconds,
            coalesce((select json_agg(json_build_object('id', r.id, 'name', r.name, 'builtin', r.builtin) )
                        from roles r where r.org_id = o.id), '[]'::json) as roles
       from orgs o
      where o.id = $1 and (select 1 from pg_advisory_xact_lock(hashtextextended($2, 0))) = 1
        for update of o`,
    [orgId, departmentTreeLockKey(orgId)],
  );
  if (!org) throw new Error(`org ${orgId} not found`);
  return org;
}

/**
 * Role names match exactly, else case-insensitively when that is unambiguous, else by built-in kind
 * (`member`, `sub_admin`). None given: the built-in MEMBER role.
 */
function resolveRoles(viewer: Viewer, roles: RoleRow[], candidate: ImportCandidate, report: (code: ImportIssueCode, message: LocalizedMessage) => void): string[] {
  const names = candidate.roleNames.length ? candidate.roleNames : [null];
  const ids: string[] = [];
  for (const name of names) {
    const role = name === null ? roles.find((r) => r.builtin === BuiltinRole.MEMBER) : findRole(roles, name);
    if (!role) {
      report(ImportIssueCode.UNKNOWN_ROLE, importMessage('unknownRole', { name }));
      continue;
    }
    if (role.builtin === BuiltinRole.SUB_ADMIN) {
      report(ImportIssueCode.FORBIDDEN_ROLE, importMessage('roleNeedsScope', { name: role.name }));
      continue;
    }
    if (!canGrantRole(viewer, role)) {
      report(ImportIssueCode.FORBIDDEN_ROLE, errorMessage('mayNotGrantRole', { name: role.name }));
      continue;
    }
    if (!ids.includes(role.id)) ids.push(role.id);
  }
  return ids;
}

function findRole(roles: RoleRow[], name: string): RoleRow | undefined {
  const exact = roles.find((role) => role.name === name);
  if (exact) return exact;
  const lower = name.toLowerCase();
  const folded = roles.filter((role) => role.name.toLowerCase() === lower);
  if (folded.length === 1) return folded[0];
  const builtin = name.toUpperCase().replace(/[\s-]+/g, '_');
  return roles.find((role) => role.builtin === builtin);
}

function distinctPaths(candidates: ImportCandidate[]): string[][] {
  const byKey = new Map<string, string[]>();
  for (const candidate of candidates) {
    for (const segments of candidate.departmentPaths) byKey.set(departmentPathKey(segments), segments);
  }
  return [...byKey.values()];
}

/**
 * One statement for what the batch needs to know of the org beside its roles:
 *
 * - every distinct department path of the batch, walked down from the org root in one recursive query, matching names
 *   exactly (the sibling-name unique index serves each step); keyed by path, the empty key being the root itself;
 * - who of the batch's rows (those without issues of their own) the org knows already, by the indexes on members and
 *   open invitations: one probe per row and key. Only rows with a match come back, keyed by row number.
 */
async function probeBatch(
  tx: EntityManager,
  session: ImportSession,
  paths: string[][],
  candidates: ImportCandidate[],
): Promise<{ resolutions: Map<string, PathResolution>; existing: Map<number, ExistingPerson> }> {
  const people = candidates.filter((c) => c.issues.length === 0);
  const [probed] = await nativeQuery<{ walked: Array<{ n: number; depth: number; id: string; path: string }>; existing: ExistingPerson[] | null }>(
    tx,
    `with recursive input as (
       select 0 as n, array[]::text[] as segs
       union all
       select p.n::int, array(select s.name from jsonb_array_elements_text(p.value) with ordinality as s(name, k) order by s.k)
         from jsonb_array_elements($1::jsonb) with ordinality as p(value, n)
     ),
     walk as (
       select i.n, 0 as depth, d.id, d.path from input i join departments d on d.org_id = $2 and d.id = $3
       union all
       select w.n, w.depth + 1, d.id, d.path
         from walk w
         join input i on i.n = w.n
         join departments d on d.org_id = $2 and coalesce(d.parent_id, d.org_id) = w.id and d.name = i.segs[w.depth + 1]
        where w.depth < cardinality(i.segs)
     ),
     deepest as (select distinct on (n) n, depth, id, path from walk order by n, depth desc),
     people as (
       select * from unnest($4::int[], $5::text[], $6::text[], $7::text[]) as x(n, phone, email, employee_no)
     ),
     probed as (
       select i.n,
              (select v.expires_at from invitations v where v.org_id = $2 and v.status = 'PENDING' and v.phone = i.phone limit 1) as phone_invited_until,
              (select v.expires_at from invitations v where v.org_id = $2 and v.status = 'PENDING' and v.email = i.email limit 1) as email_invited_until,
              (select m.status from members m where m.org_id = $2 and m.phone = i.phone limit 1) as phone_member,
              (select m.status from members m where m.org_id = $2 and m.email = i.email limit 1) as email_member,
              -- A scalar probe, not exists(): the planner would hash the whole org's members for exists().
              coalesce((select true from members m where m.org_id = $2 and m.employee_no = i.employee_no limit 1), false) as employee_no_taken
         from people i
     )
     select (select json_agg(json_build_object('n', n, 'depth', depth, 'id', id, 'path', path)) from deepest) as walked,
            (select json_agg(json_build_object('n', n, 'phone_invited_until', phone_invited_until, 'email_invited_until', email_invited_until,
                                               'phone_member', phone_member, 'email_member', email_member, 'employee_no_taken', employee_no_taken))
               from probed
              where phone_invited_until is not null or email_invited_until is not null
                 or phone_member is not null or email_member is not null or employee_no_taken) as existing`,
    [
      JSON.stringify(paths),
      session.orgId,
      session.rootDepartmentId,
      people.map((c) => c.row),
      people.map((c) => c.phone),
      people.map((c) => c.email),
      people.map((c) => c.employeeNo),
    ],
  );
  const existing = new Map((probed!.existing ?? []).map((row) => [Number(row.n), row]));
  const deepest = new Map(probed!.walked.map((row) => [Number(row.n), row]));
  const resolutions = new Map<string, PathResolution>();
  const root = deepest.get(0);
  if (!root) throw new Error(`root department of org ${session.orgId} not found`);
  resolutions.set('', { kind: 'found', department: { id: root.id, path: root.path } });
  paths.forEach((segments, index) => {
    const row = deepest.get(index + 1) ?? root;
    const department = { id: row.id, path: row.path };
    resolutions.set(
      departmentPathKey(segments),
      row.depth === segments.length ? { kind: 'found', department } : { kind: 'missing', deepest: department, depth: row.depth },
    );
  });
  return { resolutions, existing };
}

/** Where a row's person goes, with the checks of rule [003]: the importer must cover each department (or its creation). */
function placeRow(
  session: ImportSession,
  resolutions: Map<string, PathResolution>,
  candidate: ImportCandidate,
  report: (code: ImportIssueCode, message: LocalizedMessage) => void,
): AcceptedRow['departments'] {
  const { viewer } = session;
  const placed: AcceptedRow['departments'] = [];
  if (candidate.departmentPaths.length === 0) {
    const root = resolutions.get('') as Extract<PathResolution, { kind: 'found' }>;
    if (!canImportInto(viewer, root.department.path)) {
      report(ImportIssueCode.FORBIDDEN_DEPARTMENT, importMessage('rootOutsideScope'));
    }
    return [{ department: root.department }];
  }
  for (const segments of candidate.departmentPaths) {
    const written = departmentPathKey(segments);
    const resolution = resolutions.get(written)!;
    if (resolution.kind === 'found') {
      if (canImportInto(viewer, resolution.department.path)) placed.push({ department: resolution.department });
      else report(ImportIssueCode.FORBIDDEN_DEPARTMENT, importMessage('departmentOutsideScope', { path: written }));
      continue;
    }
    const existing = departmentPathKey(segments.slice(0, resolution.depth));
    const missing = segments[resolution.depth];
    if (!session.createDepartments) {
      report(ImportIssueCode.UNKNOWN_DEPARTMENT, existing
        ? importMessage('noSubDepartment', { path: written, existing, missing })
        : importMessage('noRootSubDepartment', { path: written, missing }));
      continue;
    }
    if (!canCreateDepartmentUnder(viewer, resolution.deepest.path) || !canImportInto(viewer, resolution.deepest.path)) {
      report(ImportIssueCode.FORBIDDEN_DEPARTMENT, existing ? importMessage('mayNotCreateUnder', { missing, existing }) : importMessage('mayNotCreateAtRoot', { missing }));
      continue;
    }
    placed.push({ missing: resolution, segments });
  }
  return placed;
}

interface PlannedDepartment {
  id: string;
  parentId: string;
  name: string;
  path: string;
  pathKey: string;
  position: number;
}

interface DepartmentPlan {
  /** Keyed by parent id and name, in creation order (parents before children). */
  nodes: Map<string, PlannedDepartment>;
  /** Planned departments of paths not created by an earlier batch (dry runs plan them again each batch). */
  countedNew: number;
}

/** The departments to create for the accepted rows' missing paths: each missing level once, whatever the rows sharing it. */
function planDepartments(memory: ImportMemory, accepted: AcceptedRow[]): DepartmentPlan {
  const nodes = new Map<string, PlannedDepartment>();
  for (const row of accepted) {
    for (const placement of row.departments) {
      if ('department' in placement) continue;
      let parent: DepartmentRef = placement.missing.deepest;
      for (let depth = placement.missing.depth; depth < placement.segments.length; depth++) {
        const name = placement.segments[depth]!;
        const key = `${parent.id}/${name}`;
        let node = nodes.get(key);
        if (!node) {
          const id = randomUUID();
          node = { id, parentId: parent.id, name, path: `${parent.path}${id}/`, pathKey: departmentPathKey(placement.segments.slice(0, depth + 1)), position: 0 };
          nodes.set(key, node);
        }
        parent = node;
      }
    }
  }
  const countedNew = [...nodes.values()].filter((node) => !memory.createdDepartmentPaths.has(node.pathKey)).length;
  return { nodes, countedNew };
}

/** Inserts the planned departments as the last children of their parents, in one statement, with an audit entry each. */
async function createPlannedDepartments(tx: EntityManager, session: ImportSession, plan: DepartmentPlan): Promise<void> {
  if (plan.nodes.size === 0) return;
  const planned = [...plan.nodes.values()];
  const newIds = new Set(planned.map((node) => node.id));
  const existingParents = [...new Set(planned.map((node) => node.parentId).filter((id) => !newIds.has(id)))];
  const next = new Map<string, number>();
  const rows = await tx.execute<Array<{ parent_id: string; next: number }>>(
    `select parent_id, coalesce(max(position) + 1, 0)::int as next from departments
      where org_id = ? and parent_id in (select value::uuid from jsonb_array_elements_text(?::jsonb)) group by parent_id`,
    [session.orgId, JSON.stringify(existingParents)],
  );
  for (const row of rows) next.set(row.parent_id, row.next);
  for (const node of planned) {
    node.position = next.get(node.parentId) ?? 0;
    next.set(node.parentId, node.position + 1);
  }
  await tx.execute(
    `insert into departments (id, org_id, name, parent_id, path, position, name_key, search_keys, sort_key)
     select x.id, ?, x.name, x.parent_id, x.path, x.position, x.name_key, x.search_keys, x.sort_key
       from jsonb_to_recordset(?::jsonb) as x(id uuid, name text, parent_id uuid, path text, position int, name_key text, search_keys text, sort_key text)`,
    [
      session.orgId,
      JSON.stringify(planned.map(({ id, name, parentId, path, position }) => ({ id, name, parent_id: parentId, path, position, ...keyColumns(nameKeys(name)) }))),
    ],
  );
  for (const node of planned) {
    recordAudit(tx, session.viewer, 'department.create', { type: 'Department', id: node.id }, {
      name: node.name,
      parentId: toGlobalId('Department', node.parentId),
      position: node.position,
      importId: toGlobalId('MemberImport', session.importId),
    });
  }
}

/**
 * One statement for every person of the batch: members, their departments and roles, invitations (token stored
 * hashed, the plain token only in the outbox message's link) and outbox messages. Returns each person's events as
 * `addMember` emits them (MEMBER ADDED, built by `memberEvent`, then INVITATION SENT), which the run records in the
 * batch's transaction with one statement for all.
 */
async function insertPeople(
  tx: EntityManager,
  session: ImportSession,
  ttlSeconds: number,
  accepted: AcceptedRow[],
  plan: DepartmentPlan,
): Promise<BatchResult['events']> {
  if (accepted.length === 0) return [];
  const created = (placement: Extract<AcceptedRow['departments'][number], { missing: unknown }>): DepartmentRef => {
    let department: DepartmentRef = placement.missing.deepest;
    for (let depth = placement.missing.depth; depth < placement.segments.length; depth++) department = plan.nodes.get(`${department.id}/${placement.segments[depth]}`)!;
    return department;
  };
  const tokens = newInvitationTokens(accepted.length);
  const people = accepted.map(({ candidate, roleIds, departments }, index) => {
    const { token, tokenHash } = tokens[index]!;
    const placedIn = [...new Map(departments.map((placement) => ('department' in placement ? placement.department : created(placement))).map((d) => [d.id, d])).values()];
    const departmentIds = placedIn.map((d) => d.id);
    return {
      placed_in: placedIn,
      member_id: randomUUID(),
      invitation_id: randomUUID(),
      name: candidate.name,
      name_reading: candidate.nameReading,
      // Hand-written SQL skips the entity's key hooks: the same keys, derived here.
      ...keyColumns(candidate.keys ?? nameKeys(candidate.name, candidate.nameReading)),
      phone: candidate.phone,
      email: candidate.email,
      title: candidate.title,
      employee_no: candidate.employeeNo,
      department_ids: departmentIds,
      role_ids: roleIds,
      // Phone first: people are identified by their mobile number [004]; email-only rows are invited by email.
      channel: candidate.phone ? InvitationChannel.PHONE : InvitationChannel.EMAIL,
      token_hash: tokenHash,
      link: `${session.publicUrl}/invite/${token}`,
    };
  });
  const { orgId, inviter } = session;
  await nativeQuery(
    tx,
    `with input as materialized (
       select * from jsonb_to_recordset($1::jsonb) as x(
         member_id uuid, invitation_id uuid, name text, name_reading text, name_key text, search_keys text, sort_key text, phone text, email text, title text, employee_no text,
         department_ids jsonb, role_ids jsonb, channel text, token_hash text, link text)
     ),
     params as (select $2::uuid as org_id, $3::uuid as inviter_member_id, $4::uuid as inviter_user_id, $5::uuid as import_id,
                       $6::int as ttl_seconds, $7::text as org_name, $8::text as inviter_name),
     new_members as (
       insert into members (id, org_id, name, name_reading, name_key, search_keys, sort_key, phone, email, title, employee_no, status)
       select i.member_id, p.org_id, i.name, i.name_reading, i.name_key, i.search_keys, i.sort_key, i.phone, i.email, i.title, i.employee_no, 'PENDING' from input i, params p
     ),
     placements as (
       insert into member_departments (member_id, department_id, org_id)
       select i.member_id, d.value::uuid, p.org_id from input i cross join jsonb_array_elements_text(i.department_ids) d, params p
     ),
     grants as (
       insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
       select gen_random_uuid(), p.org_id, i.member_id, r.value::uuid, '[]'::jsonb from input i cross join jsonb_array_elements_text(i.role_ids) r, params p
     ),
     new_invitations as (
       insert into invitations (id, org_id, channel, phone, email, name, member_id, department_ids, role_ids, token_hash, status,
                                expires_at, invited_by_member_id, status_changed_by_member_id, status_changed_by_user_id, import_id)
       select i.invitation_id, p.org_id, i.channel,
              case when i.channel = 'PHONE' then i.phone end, case when i.channel = 'EMAIL' then i.email end,
              i.name, i.member_id, i.department_ids, i.role_ids, i.token_hash, 'PENDING',
              now() + make_interval(secs => p.ttl_seconds), p.inviter_member_id, p.inviter_member_id, p.inviter_user_id, p.import_id
         from input i, params p
     )
     -- The same message shape as invitations.service's queueInvitationMessage, linked to its invitation so a
     -- delivery the dispatcher gives up on marks the invitation FAILED; in the language and zone of the account that
     -- verified the phone or email (recipientPreferences), else the org's.
     insert into outbox_messages (org_id, invitation_id, channel, recipient, template, payload)
     select p.org_id, i.invitation_id, case when i.channel = 'PHONE' then 'SMS' else 'EMAIL' end,
            case when i.channel = 'PHONE' then i.phone else i.email end, 'INVITATION',
            jsonb_build_object('url', i.link, 'orgName', p.org_name, 'inviterName', p.inviter_name, 'inviteeName', i.name,
                               'expiresAt', to_json(now() + make_interval(secs => p.ttl_seconds)) #>> '{}',
                               'locale', coalesce(known.locale, o.locale), 'timeZone', coalesce(known.time_zone, o.time_zone))
       from input i cross join params p
       join orgs o on o.id = p.org_id
       left join lateral (
         select u.locale, u.time_zone from users u
          where i.channel = 'PHONE' and u.phone = i.phone and u.phone_verified_at is not null
         union all
         select u.locale, u.time_zone from users u
          where i.channel = 'EMAIL' and lower(u.email) = lower(i.email) and u.email_verified_at is not null
         limit 1
       ) known on true`,
    [JSON.stringify(people.map(({ placed_in: _placed, ...person }) => person)), orgId, inviter.memberId, inviter.userId, session.importId, ttlSeconds, session.orgName, inviter.name],
  );
  return people.flatMap((person) => {
    const { orgId: _org, ...added } = memberEvent(MemberChangeType.ADDED, { id: person.member_id, orgId, name: person.name }, person.placed_in);
    return [
      added,
      {
        topic: EventTopic.INVITATION,
        type: 'SENT',
        payload: { invitationId: person.invitation_id },
        departmentIds: person.department_ids,
        recipientPhone: person.channel === InvitationChannel.PHONE ? person.phone : null,
        recipientEmail: person.channel === InvitationChannel.EMAIL ? person.email : null,
      },
    ];
  });
}
