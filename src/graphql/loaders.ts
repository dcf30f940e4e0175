import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { queryNamed, type NamedStatement } from '../db/named-statement';
import { plainRowMapper } from '../db/plain-rows';
import { createAccountLoaders } from '../modules/accounts/member-account.loaders';
import { createApiClientLoaders } from '../modules/api-clients/api-client.loaders';
import { Department } from '../modules/departments/department.entity';
import { createDepartmentLoaders } from '../modules/departments/department.loaders';
import { createInvitationLoaders } from '../modules/invitations/invitation.loaders';
import { createImportLoaders } from '../modules/imports/imports.loaders';
import { Member } from '../modules/members/member.entity';
import { createNotificationLoaders } from '../modules/notifications/notifications.receipts';
import { Role } from '../modules/roles/role.entity';
import { createRoleLoaders } from '../modules/roles/roles.loaders';

/** Groups rows by a key, in the order of `keys`, as DataLoader wants. */
export function groupBy<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

const DEPARTMENTS_OF_MEMBERS: NamedStatement = {
  name: 'departments-of-members',
  text: `select md.member_id as link_member_id, d.* from member_departments md join departments d on d.id = md.department_id
          where md.org_id = $1 and d.org_id = $1 and md.member_id = any($2::uuid[]) order by d.path collate "C"`,
};

const ROLES_OF_MEMBERS: NamedStatement = {
  name: 'roles-of-members',
  text: `select mr.member_id as grant_member_id, mr.scope_department_ids as grant_scope, r.* from member_roles mr join roles r on r.id = mr.role_id
          where mr.org_id = $1 and r.org_id = $1 and mr.member_id = any($2::uuid[]) order by mr.created_at, mr.id`,
};

/** A role a member holds, with the department subtrees it is limited to (empty: org-wide). */
export interface HeldRole {
  memberId: string;
  role: Role;
  scopeDepartmentIds: string[];
}

function byId<T extends { id: string }>(keys: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((row) => [row.id, row]));
  return keys.map((key) => map.get(key) ?? null);
}

/**
 * Per-request batching: one query per kind of lookup, whatever the page size. Every loader is bound to
 * the viewer's org, so a foreign id loads as null.
 */
export function createLoaders(em: EntityManager, orgId: string | null, { plainRows = false }: { plainRows?: boolean } = {}) {
  const org = orgId ?? '00000000-0000-0000-0000-000000000000';
  /** A row as its entity: managed by `em` for mutations, a plain object (`plainRows`) for queries, which flush nothing. */
  const mapRow = <T extends object>(entity: new () => T, row: Record<string, unknown>): T =>
    plainRows ? plainRowMapper(em, entity)(row) : em.map(entity, row);
  const byIdLoader = <T extends { id: string }>(entity: new () => T, table: string) => {
    const statement = { name: `${table}-by-id`, text: `select * from ${table} where org_id = $1 and id = any($2::uuid[])` };
    return new DataLoader<string, T | null>(async (ids) =>
      byId(ids, (await queryNamed<Record<string, unknown>>(em, statement, [org, ids])).map((row) => mapRow(entity, row))),
    );
  };
  const departmentById = byIdLoader(Department, 'departments');
  const memberById = byIdLoader(Member, 'members');
  const roleById = byIdLoader(Role, 'roles');
  /** Maps a joined row to its entity, priming the by-id loader so later lookups of it cost nothing. */
  const mapOnce = <T extends { id: string }>(loader: DataLoader<string, T | null>, entity: new () => T, row: Record<string, unknown>): T => {
    const mapped = mapRow(entity, row);
    loader.prime(mapped.id, mapped);
    return mapped;
  };
  /** A member's departments, by path: one statement joining the links to their departments (primes `departmentById`). */
  const departmentsOfMember = new DataLoader<string, Department[]>(async (memberIds) => {
    const rows = await queryNamed<Record<string, unknown> & { link_member_id: string }>(em, DEPARTMENTS_OF_MEMBERS, [org, memberIds]);
    const placed = rows.map(({ link_member_id, ...row }) => ({ memberId: link_member_id, department: mapOnce(departmentById, Department, row) }));
    return groupBy(memberIds, placed, (link) => link.memberId).map((group) => group.map((link) => link.department));
  });
  /** A member's roles, oldest assignment first: one statement joining the grants to their roles (primes `roleById`). */
  const rolesOfMember = new DataLoader<string, HeldRole[]>(async (memberIds) => {
    const rows = await queryNamed<Record<string, unknown> & { grant_member_id: string; grant_scope: string[] }>(em, ROLES_OF_MEMBERS, [org, memberIds]);
    const held = rows.map(({ grant_member_id, grant_scope, ...row }) => ({ memberId: grant_member_id, role: mapOnce(roleById, Role, row), scopeDepartmentIds: grant_scope }));
    return groupBy(memberIds, held, (grant) => grant.memberId);
  });
  return {
    mapRow,
    departmentById,
    memberById,
    roleById,
    departmentsOfMember,
    rolesOfMember,
    ...createDepartmentLoaders(em, org, departmentById),
    ...createRoleLoaders(em, org),
    ...createAccountLoaders(em, org),
    ...createInvitationLoaders(em, org),
    ...createImportLoaders(em, org),
    ...createApiClientLoaders(em, org),
    ...createNotificationLoaders(em, org),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
