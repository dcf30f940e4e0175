import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { RoleGroup } from './role-group.entity';
import { Role } from './role.entity';
import { executeRead } from '../../db/read-routing';

/**
 * Loaders of the roles module, spread into `createLoaders`: one query per kind of lookup whatever the
 * page size, each bound to the viewer's org (`orgId`), so foreign ids load as null or empty.
 */
export function createRoleLoaders(em: EntityManager, orgId: string) {
  const roleGroupById = new DataLoader<string, RoleGroup | null>(async (ids) => {
    const rows = await em.find(RoleGroup, { orgId, id: { $in: [...ids] } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });

  /** The roles of each group, by name. */
  const rolesOfGroup = new DataLoader<string, Role[]>(async (groupIds) => {
    const rows = await em.find(Role, { orgId, groupId: { $in: [...groupIds] } }, { orderBy: { name: 'asc', id: 'asc' } });
    return groupIds.map((groupId) => rows.filter((role) => role.groupId === groupId));
  });

  /** How many members hold each role. */
  const memberCountOfRole = new DataLoader<string, number>(async (roleIds) => {
    const rows: Array<{ role_id: string; members: number }> = await executeRead(
      em,
      `select role_id, count(*)::int as members from member_roles
        where org_id = ? and role_id in (${roleIds.map(() => '?').join(', ')}) group by role_id`,
      [orgId, ...roleIds],
    );
    const counts = new Map(rows.map((row) => [row.role_id, row.members]));
    return roleIds.map((id) => counts.get(id) ?? 0);
  });

  return { roleGroupById, rolesOfGroup, memberCountOfRole };
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createRoleLoaders> {}
}
