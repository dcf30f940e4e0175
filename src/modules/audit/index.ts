import { AuditResolver } from './audit.resolver';

export const auditResolvers: Function[] = [AuditResolver];
