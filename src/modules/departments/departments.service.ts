import type { EntityManager } from '@mikro-orm/postgresql';
import { assertCan } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { rawId, toGlobalId, toOptionalGlobalId } from '../../graphql/relay';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation, requireText } from '../common/validate';
import { PermissionAction, PermissionModule } from '../roles/role.entity';
import { Department } from './department.entity';
import { executeRead } from '../../db/read-routing';
import { nameSearchSql } from '../../search/name-search-sql';
import { forgetCachedDepartments } from './department.loaders';
import type { CreateDepartmentInput, MoveDepartmentInput, RenameDepartmentInput } from './departments.inputs';
import { withEvents, type EventServices } from '../../realtime/events';
import { departmentEvent, DepartmentEventType } from './department-events';

const NAME_MAX_LENGTH = 100;
const SIBLING_NAME_UNIQUE = 'departments_sibling_name_unique';

/** The department with this global id in the viewer's org; foreign and unknown ids answer NOT_FOUND alike. */
export async function findDepartment(viewer: Viewer, loaders: Loaders, globalId: string): Promise<Department> {
  viewer.requireOrg();
  const department = await loaders.departmentById.load(rawId(globalId, 'Department'));
  if (!department) throw notFound('Department');
  return department;
}

/** Most departments one search answers. */
export const DEPARTMENT_SEARCH_MAX = 100;

/**
 * Departments of the viewer's org whose name matches `query` in the name model of `src/search` (CJK substrings,
 * pinyin, initials, width and Simplified/Traditional folding), best first: exact name, prefix, pinyin, substring,
 * then reading order. One statement, on `departments_search`.
 */
export async function searchDepartments(em: EntityManager, viewer: Viewer, query: string, first: number): Promise<Department[]> {
  if (!Number.isInteger(first) || first < 1 || first > DEPARTMENT_SEARCH_MAX) throw badInput(errorMessage('between', { field: 'first', min: '1', max: String(DEPARTMENT_SEARCH_MAX) }), 'first');
  const search = nameSearchSql('d', query);
  if (!search) return [];
  const rows = await executeRead<Array<Record<string, unknown>>>(
    em,
    `select d.* from (select d.*, ${search.rank} as search_rank from departments d where d.org_id = ? and ${search.where}) d
      order by d.search_rank, d.sort_key, d.id limit ?`,
    [...search.rankParams, viewer.orgId, ...search.whereParams, first],
  );
  return rows.map(({ search_rank: _rank, ...row }) => em.map(Department, row));
}

/** The departments above this one, root first, itself excluded. Batched through `departmentById`. */
export async function departmentAncestors(loaders: Loaders, department: Department): Promise<Department[]> {
  const loaded = await loaders.departmentById.loadMany(department.pathIds.slice(0, -1));
  return loaded.filter((ancestor): ancestor is Department => ancestor instanceof Department);
}

/** Adds a department as the last child of `parentId` (the org root when omitted). */
export async function createDepartment(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  services: EventServices,
  input: CreateDepartmentInput): Promise<Department> {
  const org = viewer.requireOrg();
  const parentId = input.parentId ? rawId(input.parentId, 'Department') : org.rootDepartmentId;
  const name = departmentName(input.name);
  const created = await withEvents(em, services, async (tx, emit) => {
      await lockDepartmentTree(tx, org.id);
      const parent = await loadDepartment(tx, org.id, parentId);
      assertCanManage(viewer, PermissionAction.CREATE, parent, `the parent department "${parent.name}"`);
      const [{ next }] = await tx.execute<Array<{ next: number }>>(
        'select coalesce(max(position) + 1, 0)::int as next from departments where org_id = ? and parent_id = ?',
        [org.id, parent.id],
      );
      const department = tx.create(Department, { orgId: org.id, name, parentId: parent.id, path: '', position: next });
      department.path = `${parent.path}${department.id}/`;
      recordAudit(tx, viewer, 'department.create', { type: 'Department', id: department.id }, { name, parentId: toGlobalId('Department', parent.id), position: next });
      // Flushed first: a duplicate name fails here, before the event is logged.
      await tx.flush();
      await emit(departmentEvent(DepartmentEventType.CREATED, department));
      return department;
    }).catch(siblingNameTaken(() => name));
  forgetCachedDepartments(loaders);
  return created;
}

export async function renameDepartment(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  services: EventServices,
  input: RenameDepartmentInput): Promise<Department> {
  const org = viewer.requireOrg();
  const id = rawId(input.id, 'Department');
  const name = departmentName(input.name);
  const renamed = await withEvents(em, services, async (tx, emit) => {
      const department = await loadDepartment(tx, org.id, id);
      assertCanManage(viewer, PermissionAction.EDIT, department, `the department "${department.name}"`);
      const before = department.name;
      department.name = name;
      recordAudit(tx, viewer, 'department.rename', { type: 'Department', id }, { before, after: name });
      if (before !== name) {
        await tx.flush();
        await emit(departmentEvent(DepartmentEventType.RENAMED, department, { changedFields: ['name'] }));
      }
      return department;
    }).catch(siblingNameTaken(() => name));
  forgetCachedDepartments(loaders);
  return renamed;
}

/**
 * Moves a department, with its whole subtree, under `newParentId` at `position` (last by default), keeping the
 * positions of both the old and the new siblings 0..n-1. The subtree's paths change in one set-based UPDATE.
 */
export async function moveDepartment(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  services: EventServices,
  input: MoveDepartmentInput): Promise<Department> {
  const org = viewer.requireOrg();
  const id = rawId(input.id, 'Department');
  const newParentId = rawId(input.newParentId, 'Department');
  if (input.position != null && input.position < 0) throw badInput(errorMessage('positionNonNegative'), 'position');
  let movedName = '';
  const moved = await withEvents(em, services, async (tx, emit) => {
      // Serialises tree writes of the org: two concurrent moves could otherwise each pass the cycle check.
      await lockDepartmentTree(tx, org.id);
      const department = await loadDepartment(tx, org.id, id);
      const newParent = await loadDepartment(tx, org.id, newParentId);
      movedName = department.name;
      assertCanManage(viewer, PermissionAction.EDIT, department, `the department "${department.name}"`);
      assertCanManage(viewer, PermissionAction.EDIT, newParent, `the new parent "${newParent.name}"`);
      const oldParentId = department.parentId;
      if (oldParentId === null) throw badInput(errorMessage('rootCannotMove'), 'id');
      if (newParent.path.startsWith(department.path)) {
        const message =
          newParent.id === department.id
            ? errorMessage('moveUnderItself', { name: department.name })
            : errorMessage('moveUnderOwnChild', { name: department.name, child: newParent.name });
        throw badInput(message, 'newParentId');
      }

      const siblings = await tx.execute<Array<{ id: string; parent_id: string }>>(
        'select id, parent_id from departments where org_id = ? and parent_id in (?) and id <> ? order by position, id',
        [org.id, [oldParentId, newParent.id], department.id],
      );
      const newSiblings = siblings.filter((row) => row.parent_id === newParent.id).map((row) => row.id);
      const position = Math.min(input.position ?? newSiblings.length, newSiblings.length);
      newSiblings.splice(position, 0, department.id);
      const oldSiblings = oldParentId === newParent.id ? [] : siblings.filter((row) => row.parent_id === oldParentId).map((row) => row.id);

      if (oldParentId !== newParent.id) {
        // One statement for the whole subtree: swap the old path prefix for the new one, and re-parent the top.
        // Paths hold only uuids and '/', so the prefix needs no LIKE escaping.
        await tx.execute(
          `update departments
              set path = ? || substr(path, ?),
                  parent_id = case when id = ? then ?::uuid else parent_id end
            where org_id = ? and path like ?`,
          [`${newParent.path}${department.id}/`, department.path.length + 1, department.id, newParent.id, org.id, `${department.path}%`],
        );
      }
      await setPositions(tx, org.id, [...oldSiblings, ...newSiblings], [...oldSiblings.keys(), ...newSiblings.keys()]);
      recordAudit(tx, viewer, 'department.move', { type: 'Department', id }, {
        fromParentId: toOptionalGlobalId('Department', oldParentId),
        toParentId: toGlobalId('Department', newParent.id),
        fromPosition: department.position,
        toPosition: position,
      });
      const before = { path: department.path, parentId: oldParentId, position: department.position };
      const after = await tx.findOneOrFail(Department, { id, orgId: org.id }, { refresh: true });
      if (oldParentId !== newParent.id) {
        await emit(departmentEvent(DepartmentEventType.MOVED, after, { changedFields: ['parentId', 'position'], previous: before }));
      } else if (before.position !== after.position) {
        await emit(departmentEvent(DepartmentEventType.REORDERED, after, { changedFields: ['position'] }));
      }
      return after;
    }).catch(siblingNameTaken(() => movedName));
  forgetCachedDepartments(loaders);
  return moved;
}

/** Deletes an empty department (no child departments, no members) other than the root; returns its global id. */
export async function deleteDepartment(em: EntityManager, viewer: Viewer, loaders: Loaders, services: EventServices, globalId: string): Promise<string> {
  const org = viewer.requireOrg();
  const id = rawId(globalId, 'Department');
  let deletedName = '';
  await withEvents(em, services, async (tx, emit) => {
      await lockDepartmentTree(tx, org.id);
      const department = await loadDepartment(tx, org.id, id);
      deletedName = department.name;
      assertCanManage(viewer, PermissionAction.DELETE, department, `the department "${department.name}"`);
      if (department.parentId === null) throw badInput(errorMessage('rootCannotDelete'), 'id');
      const [{ children, members }] = await tx.execute<Array<{ children: number; members: number }>>(
        `select (select count(*) from departments where org_id = ? and parent_id = ?)::int as children,
                (select count(*) from member_departments where org_id = ? and department_id = ?)::int as members`,
        [org.id, id, org.id, id],
      );
      if (children > 0 || members > 0) {
        const both = children > 0 && members > 0 ? 'yes' : 'no';
        throw conflict(errorMessage('departmentNotEmpty', { name: department.name, children, members, both }), {
          childDepartments: children,
          members,
        });
      }
      tx.remove(department);
      // Close the gap among the remaining siblings.
      await tx.execute(
        `update departments d set position = ranked.position
           from (select id, (row_number() over (order by position, id) - 1)::int as position
                   from departments where org_id = ? and parent_id = ? and id <> ?) ranked
          where d.id = ranked.id and d.position <> ranked.position`,
        [org.id, department.parentId, id],
      );
      recordAudit(tx, viewer, 'department.delete', { type: 'Department', id }, { name: department.name, parentId: toOptionalGlobalId('Department', department.parentId) });
      await emit(departmentEvent(DepartmentEventType.DELETED, department));
    }).catch((error) => {
      // A member placed in it meanwhile by a writer that does not take the tree lock: the deferred FK refuses at commit.
      if (isForeignKeyViolation(error)) throw conflict(errorMessage('departmentGainedMembers', { name: deletedName }));
      throw error;
    });
  forgetCachedDepartments(loaders);
  return globalId;
}

function departmentName(value: string): string {
  return requireText(value, 'name', NAME_MAX_LENGTH);
}

async function loadDepartment(em: EntityManager, orgId: string, id: string): Promise<Department> {
  const department = await em.findOne(Department, { id, orgId });
  if (!department) throw notFound('Department');
  return department;
}

/** Departments are managed in their subtree: the policy decides, with the department's path as the target. */
function assertCanManage(viewer: Viewer, action: PermissionAction, department: Department, what: string): void {
  assertCan(viewer, PermissionModule.DEPARTMENTS, action, { departmentPaths: [department.path], match: 'all' }, what);
}

/** Takes the org's department-tree lock until the transaction ends (creates, moves, deletes and bulk imports queue on it). */
export async function lockDepartmentTree(tx: EntityManager, orgId: string): Promise<void> {
  await tx.execute('select pg_advisory_xact_lock(hashtextextended(?, 0))', [departmentTreeLockKey(orgId)]);
}

/** The advisory lock key of the org's department tree, for statements that take the lock themselves (`hashtextextended(key, 0)`). */
export function departmentTreeLockKey(orgId: string): string {
  return `departments:${orgId}`;
}

/** Sets many departments' positions in one statement. */
async function setPositions(tx: EntityManager, orgId: string, ids: string[], positions: number[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.execute(
    `update departments d set position = target.position
       from unnest(array[?]::uuid[], array[?]::int[]) as target(id, position)
      where d.org_id = ? and d.id = target.id and d.position <> target.position`,
    [ids, positions, orgId],
  );
}

function siblingNameTaken(name: () => string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error, SIBLING_NAME_UNIQUE)) {
      throw conflict(errorMessage('departmentNameTaken', { name: name() }), { field: 'name' });
    }
    throw error;
  };
}

function isForeignKeyViolation(error: unknown): boolean {
  const e = error as { code?: string; name?: string };
  return e?.code === '23503' || e?.name === 'ForeignKeyConstraintViolationException';
}
