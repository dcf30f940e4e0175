import { orgWideAuditTargets, type AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { OrgsResolver } from './orgs.resolver';

registerNodeType('Org', async (ctx, id) => (ctx.viewer.org?.id === id ? ctx.viewer.org : null));

export const orgsResolvers: Function[] = [OrgsResolver];

/** Audit entries on the org: every member reads it. */
export const orgAuditTargets: AuditTargetRules = orgWideAuditTargets('Org');
