import { apiClientReadableTypes } from '../../auth/api-scopes';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { AuditEntry } from './audit-entry.entity';
import { AuditResolver } from './audit.resolver';

export { AuditAction, type AuditActionName } from './audit-action';
export { auditTargetRules, orgWideAuditTargets, type AuditTargetRule, type AuditTargetRules } from './audit-targets';

export const auditModule = {
  entities: [AuditEntry],
  resolvers: [AuditResolver],
  contributions: [
    contribute(apiClientReadableTypes, {
      AuditEntry: PermissionModule.AUDIT_LOG,
      AuditEntryConnection: PermissionModule.AUDIT_LOG,
      AuditEntryEdge: PermissionModule.AUDIT_LOG,
    }),
  ],
};
