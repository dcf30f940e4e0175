import { toGlobalId, toOptionalGlobalId } from '../../graphql/relay';
import { EventTopic, type NewOrgEvent } from '../../realtime/events';
import { changeEvent } from '../changes/change-event';

/** Types of DEPARTMENT events (`DEPARTMENT_<type>` in `OrgEventType`). */
export enum DepartmentEventType {
  CREATED = 'CREATED',
  RENAMED = 'RENAMED',
  /** Under another parent (details: `fromParentId`, `toParentId`, `position`). */
  MOVED = 'MOVED',
  /** Another position under the same parent (details: `position`); the siblings after it shift by one. */
  REORDERED = 'REORDERED',
  DELETED = 'DELETED',
}

interface DepartmentFacts {
  id: string;
  orgId: string;
  path: string;
  parentId: string | null;
  position: number;
}

/**
 * A DEPARTMENT event. It concerns the department itself (a sub-admin over it or above it receives it) and, for a
 * move, where it was before (`previousPath`): the sub-admin of the old place learns that it left.
 */
export function departmentEvent(
  type: DepartmentEventType,
  department: DepartmentFacts,
  extra: { changedFields?: string[]; previous?: { path: string; parentId: string | null } } = {},
): NewOrgEvent {
  const details: Record<string, unknown> = { parentId: toOptionalGlobalId('Department', department.parentId), position: department.position };
  if (extra.previous) details.fromParentId = toOptionalGlobalId('Department', extra.previous.parentId);
  return changeEvent(EventTopic.DEPARTMENT, type, {
    orgId: department.orgId,
    objectType: 'Department',
    rawId: department.id,
    changedFields: extra.changedFields,
    departments: [{ id: department.id, path: department.path }, ...(extra.previous ? [{ id: department.id, path: extra.previous.path }] : [])],
    details: { ...details, ...(type === DepartmentEventType.MOVED ? { toParentId: toGlobalId('Department', department.parentId!) } : {}) },
  });
}
