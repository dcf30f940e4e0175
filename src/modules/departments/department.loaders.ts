import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { Department } from './department.entity';
import { queryNamed, type NamedStatement } from '../../db/named-statement';
import { executeRead } from '../../db/read-routing';

const SUBTREE_MEMBER_COUNTS: NamedStatement = {
  name: 'department-subtree-member-counts',
  text: `select target.id, count(distinct link.member_id)::int as count
           from departments target
           join departments node
             on node.org_id = target.org_id
            and node.path ~>=~ target.path
            and node.path ~<~ (left(target.path, -1) || '0')
           join member_departments link on link.department_id = node.id
          where target.org_id = $1 and target.id = any($2::uuid[])
          group by target.id`,
};

/**
 * Per-request department loaders, bound to one org. Spread into `createLoaders`; each one costs a single
 * statement per batch, whatever the number of departments on the page.
 */
export function createDepartmentLoaders(em: EntityManager, orgId: string, departmentById: DataLoader<string, Department | null>) {
  /** Child departments of each parent id, ordered by position. Primes `departmentById` with them. */
  const departmentChildren = new DataLoader<string, Department[]>(async (parentIds) => {
    const rows = await em.find(Department, { orgId, parentId: { $in: [...parentIds] } }, { orderBy: { position: 'asc', id: 'asc' } });
    const byParent = new Map<string, Department[]>(parentIds.map((id) => [id, []]));
    for (const row of rows) {
      departmentById.prime(row.id, row);
      byParent.get(row.parentId!)?.push(row);
    }
    return parentIds.map((id) => byParent.get(id) ?? []);
  });

  /**
   * Distinct members (any status) placed in each department or anywhere below it. Each subtree is one range
   * scan on `departments_subtree (org_id, path text_pattern_ops)`: `path like '<prefix>%'` written as the
   * `~>=~ prefix and ~<~ upper bound` pair the planner derives from a constant LIKE prefix, because here the
   * prefix comes from a joined row. Paths end in '/', so the bound is the prefix with that '/' turned into '0'.
   */
  const departmentSubtreeMemberCount = new DataLoader<string, number>(async (departmentIds) =>
    countsFor(
      departmentIds,
      await queryNamed<{ id: string; count: number }>(em, SUBTREE_MEMBER_COUNTS, [orgId, departmentIds]),
    ),
  );

  /** Members (any status) placed directly in each department. */
  const departmentDirectMemberCount = new DataLoader<string, number>(async (departmentIds) =>
    countsFor(
      departmentIds,
      await executeRead(
        em,
        `select link.department_id as id, count(*)::int as count
           from member_departments link
          where link.org_id = ? and link.department_id in (?)
          group by link.department_id`,
        [orgId, [...departmentIds]],
      ),
    ),
  );

  return { departmentChildren, departmentSubtreeMemberCount, departmentDirectMemberCount };
}

function countsFor(keys: readonly string[], rows: Array<{ id: string; count: number }>): number[] {
  const counts = new Map(rows.map((row) => [row.id, row.count]));
  return keys.map((key) => counts.get(key) ?? 0);
}

/**
 * Forgets every cached department of the request after a department write, so that later fields of the same
 * operation (another mutation field, for instance) never see a stale path, position or child list.
 */
export function forgetCachedDepartments(loaders: {
  departmentById: DataLoader<string, unknown>;
  departmentsOfMember: DataLoader<string, unknown>;
  departmentChildren: DataLoader<string, unknown>;
  departmentSubtreeMemberCount: DataLoader<string, unknown>;
  departmentDirectMemberCount: DataLoader<string, unknown>;
}): void {
  loaders.departmentById.clearAll();
  loaders.departmentsOfMember.clearAll();
  loaders.departmentChildren.clearAll();
  loaders.departmentSubtreeMemberCount.clearAll();
  loaders.departmentDirectMemberCount.clearAll();
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createDepartmentLoaders> {}
}
