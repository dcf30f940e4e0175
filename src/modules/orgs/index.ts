import { apiClientReadableTypes } from '../../auth/api-scopes';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules, orgWideAuditTargets } from '../audit/audit-targets';
import { mayReadOrgWideType } from '../../auth/policy';
import { EventTopic } from '../../realtime/events';
import { changeAudienceRules, changesReadBy } from '../changes/change-audience';
import { viewedOrg } from '../members/viewers';
import { Org } from './org.entity';
import { OrgsResolver } from './orgs.resolver';

export const orgsModule = {
  entities: [Org],
  resolvers: [OrgsResolver],
  contributions: [
    contribute(nodeTypes, { type: 'Org', fetch: async (ctx, id) => (ctx.viewer.org?.id === id ? viewedOrg(ctx.em, ctx.viewer.org) : null) }),
    // Audit entries on the org: every member reads it.
    contribute(auditTargetRules, orgWideAuditTargets('Org')),
    contribute(apiClientReadableTypes, { Org: null, OrgSettings: null, MemberQuota: null }),
    // Changes of the org's settings: whoever reads the settings (every member, every client of the org).
    contribute(changeAudienceRules, { [EventTopic.ORG]: changesReadBy(({ viewer }) => mayReadOrgWideType(viewer, 'OrgSettings')) }),
  ],
};
