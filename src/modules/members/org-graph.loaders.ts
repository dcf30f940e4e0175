import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { queryNamed, type NamedStatement } from '../../db/named-statement';
import { groupBy, type RowMapper } from '../../graphql/loaders';
import { Department } from '../departments/department.entity';
import { Role } from '../roles/role.entity';
import { Member } from './member.entity';

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
 * The org graph's own loaders: departments, members and roles by id, a member's departments and roles (each one
 * statement joining the links to their rows). Bound to the viewer's org, so a foreign id loads as null.
 */
export function createOrgGraphLoaders(em: EntityManager, org: string, mapRow: RowMapper) {
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
  return { departmentById, memberById, roleById, departmentsOfMember, rolesOfMember };
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createOrgGraphLoaders> {}
}
