import { orgWideAuditTargets, type AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { DepartmentsResolver } from './departments.resolver';

registerNodeType('Department', (ctx, id) => ctx.loaders.departmentById.load(id));

export const departmentsResolvers: Function[] = [DepartmentsResolver];

/** Audit entries on departments: the tree is the whole org's to read. */
export const departmentAuditTargets: AuditTargetRules = orgWideAuditTargets('Department');
