import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { createAccountLoaders } from '../modules/accounts/member-account.loaders';
import { createApiClientLoaders } from '../modules/api-clients/api-client.loaders';
import { Department } from '../modules/departments/department.entity';
import { createDepartmentLoaders } from '../modules/departments/department.loaders';
import { createInvitationLoaders } from '../modules/invitations/invitation.loaders';
import { createImportLoaders } from '../modules/imports/imports.loaders';
import { MemberDepartment } from '../modules/members/member-department.entity';
import { Member } from '../modules/members/member.entity';
import { createNotificationLoaders } from '../modules/notifications/notifications.receipts';
import { MemberRole } from '../modules/roles/member-role.entity';
import { Role } from '../modules/roles/role.entity';
import { createRoleLoaders } from '../modules/roles/roles.loaders';

/** Groups rows by a key, in the order of `keys`, as DataLoader wants. */
export function groupBy<K, T>(keys: readonly K[], rows: T[], keyOf: (row: T) => K): T[][] {
  const groups = new Map<K, T[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return keys.map((key) => groups.get(key) ?? []);
}

function byId<T extends { id: string }>(keys: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((row) => [row.id, row]));
  return keys.map((key) => map.get(key) ?? null);
}

/**
 * Per-request batching: one query per kind of lookup, whatever the page size. Every loader is bound to
 * the viewer's org, so a foreign id loads as null.
 */
export function createLoaders(em: EntityManager, orgId: string | null) {
  const org = orgId ?? '00000000-0000-0000-0000-000000000000';
  const departmentById = new DataLoader<string, Department | null>(async (ids) =>
    byId(ids, await em.find(Department, { orgId: org, id: { $in: [...ids] } })),
  );
  const memberById = new DataLoader<string, Member | null>(async (ids) =>
    byId(ids, await em.find(Member, { orgId: org, id: { $in: [...ids] } })),
  );
  const roleById = new DataLoader<string, Role | null>(async (ids) =>
    byId(ids, await em.find(Role, { orgId: org, id: { $in: [...ids] } })),
  );
  /** A member's departments, joined in one query. */
  const departmentsOfMember = new DataLoader<string, Department[]>(async (memberIds) => {
    const links = await em.find(MemberDepartment, { orgId: org, memberId: { $in: [...memberIds] } });
    const departments = await departmentById.loadMany([...new Set(links.map((link) => link.departmentId))]);
    const byDepartment = new Map(departments.filter((d): d is Department => d instanceof Department).map((d) => [d.id, d]));
    return groupBy(memberIds, links, (link) => link.memberId).map((group) =>
      group.map((link) => byDepartment.get(link.departmentId)).filter((d): d is Department => !!d).sort((a, b) => a.path.localeCompare(b.path)),
    );
  });
  const rolesOfMember = new DataLoader<string, MemberRole[]>(async (memberIds) =>
    groupBy(memberIds, await em.find(MemberRole, { orgId: org, memberId: { $in: [...memberIds] } }, { orderBy: { createdAt: 'asc' } }), (row) => row.memberId),
  );
  return {
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
