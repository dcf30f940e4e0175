import { apiClientReadableTypes } from '../../auth/api-scopes';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules } from '../audit/audit-targets';
import { EventTopic } from '../../realtime/events';
import { changeAudienceRules, departmentScopedChanges } from '../changes/change-audience';
import { MemberDepartment } from './member-department.entity';
import { membersWithVisibleSensitiveFields } from './member-fields';
import { Member } from './member.entity';
import { DepartmentMembersResolver, MemberFieldsResolver, MembersResolver } from './members.resolver';
import { MemberEventFieldsResolver, MemberSubscriptionsResolver } from './member-subscriptions';
import { MemberStatsResolver } from './member-stats.resolver';
import { OffboardingRecord } from './offboarding-record.entity';

export { MemberConnection } from './members.inputs';
export { listMembers, resolveMemberScope, type MemberListScope } from './members.listing';
export { memberRemovalHooks, type MemberRemoval, type MemberRemovalHook } from './member-removal';
export { memberActivationHooks, runMemberActivationHooks, type MemberActivation, type MemberActivationHook } from './member-activation';
export { loadViewer, loadViewers, viewedMember, viewedOrg, viewedUser } from './viewers';
export { createSubscriberDirectory, memberDeliveries, payloadId } from './delivery-loaders';
export { createOrgGraphLoaders, type HeldRole } from './org-graph.loaders';

export const membersModule = {
  entities: [Member, MemberDepartment, OffboardingRecord],
  resolvers: [MembersResolver, MemberFieldsResolver, DepartmentMembersResolver, MemberSubscriptionsResolver, MemberEventFieldsResolver, MemberStatsResolver],
  contributions: [
    contribute(nodeTypes, { type: 'Member', fetch: (ctx, id) => ctx.loaders.memberById.load(id) }),
    // Audit entries on members hold account details and hand-overs: the sensitive-field rule decides.
    contribute(auditTargetRules, { Member: ({ viewer, loaders }, ids) => membersWithVisibleSensitiveFields(viewer, loaders, ids) }),
    contribute(apiClientReadableTypes, {
      Member: PermissionModule.MEMBERS,
      MemberConnection: PermissionModule.MEMBERS,
      MemberEdge: PermissionModule.MEMBERS,
      RemoveMemberPayload: PermissionModule.MEMBERS,
      MemberEvent: PermissionModule.MEMBERS,
    }),
    // Member changes: whoever may view members there (a sub-admin its departments, an API client members:read).
    contribute(changeAudienceRules, { [EventTopic.MEMBER]: departmentScopedChanges(PermissionModule.MEMBERS) }),
  ],
};
