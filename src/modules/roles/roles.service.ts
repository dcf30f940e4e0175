import type { EntityManager } from '@mikro-orm/postgresql';
import { BuiltinRole, Role } from './role.entity';

const BUILTIN_NAMES: Record<BuiltinRole, string> = {
  [BuiltinRole.OWNER]: 'Owner',
  [BuiltinRole.ADMIN]: 'Admin',
  [BuiltinRole.SUB_ADMIN]: 'Sub-admin',
  [BuiltinRole.MEMBER]: 'Member',
};

/** Creates the four built-in roles of a new org. */
export function createBuiltinRoles(em: EntityManager, orgId: string): Record<BuiltinRole, Role> {
  const roles = {} as Record<BuiltinRole, Role>;
  for (const builtin of Object.values(BuiltinRole)) {
    roles[builtin] = em.create(Role, { orgId, builtin, name: BUILTIN_NAMES[builtin], permissions: [] });
  }
  return roles;
}

/** The org's built-in role of the given kind. */
export async function findBuiltinRole(em: EntityManager, orgId: string, builtin: BuiltinRole): Promise<Role> {
  return em.findOneOrFail(Role, { orgId, builtin });
}
