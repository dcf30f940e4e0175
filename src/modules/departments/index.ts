import { apiClientReadableTypes } from '../../auth/api-scopes';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules, orgWideAuditTargets } from '../audit/audit-targets';
import { changeAudienceRules, departmentScopedChanges } from '../changes/change-audience';
import { EventTopic } from '../../realtime/events';
import { Department } from './department.entity';
import { DepartmentsResolver } from './departments.resolver';

export { createDepartmentLoaders } from './department.loaders';
export { departmentEvent, DepartmentEventType } from './department-events';

export const departmentsModule = {
  entities: [Department],
  resolvers: [DepartmentsResolver],
  contributions: [
    contribute(nodeTypes, { type: 'Department', fetch: (ctx, id) => ctx.loaders.departmentById.load(id) }),
    // Audit entries on departments: the tree is the whole org's to read.
    contribute(auditTargetRules, orgWideAuditTargets('Department')),
    contribute(apiClientReadableTypes, { Department: PermissionModule.DEPARTMENTS }),
    // Department changes: whoever may view departments there (a sub-admin its subtrees, an API client departments:read).
    contribute(changeAudienceRules, { [EventTopic.DEPARTMENT]: departmentScopedChanges(PermissionModule.DEPARTMENTS) }),
  ],
};
