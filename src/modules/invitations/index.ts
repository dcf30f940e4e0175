import { apiClientReadableTypes } from '../../auth/api-scopes';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules } from '../audit/audit-targets';
import { EventTopic } from '../../realtime/events';
import { changeAudienceRules, departmentScopedChanges } from '../changes/change-audience';
import { memberRemovalHooks } from '../members/member-removal';
import { deliveryFailureHooks } from '../outbox/outbox.dispatcher';
import { markInvitationFailed, revokeInvitationsOfRemovedMember } from './invitation-hooks';
import { Invitation } from './invitation.entity';
import { findViewableInvitation, invitationsSeenByViewer } from './invitations.listing';
import { InvitationEventFieldsResolver, InvitationSubscriptionsResolver } from './invitation-subscriptions';
import { InvitationPreviewResolver } from './invitation-preview.resolver';
import { InvitationStatsResolver } from './invitation-stats.resolver';
import { InvitationFieldsResolver, InvitationsResolver } from './invitations.resolver';

export { invitePendingMember } from './invitations.service';
export { countInvitationsDueForExpiry, expireDueInvitations, invitationExpiryJob } from './invitation-expiry.job';
export { createInvitationLoaders } from './invitation.loaders';
export { invitationGuessedSecrets } from './guessed-secrets';

export const invitationsModule = {
  entities: [Invitation],
  resolvers: [InvitationsResolver, InvitationFieldsResolver, InvitationPreviewResolver, InvitationStatsResolver, InvitationSubscriptionsResolver, InvitationEventFieldsResolver],
  contributions: [
    // Invitation changes: whoever may view invitations of their departments (as invitationEvents decides).
    contribute(changeAudienceRules, { [EventTopic.INVITATION]: departmentScopedChanges(PermissionModule.INVITATIONS) }),
    contribute(nodeTypes, { type: 'Invitation', fetch: ({ viewer, loaders }, id) => findViewableInvitation(viewer, loaders, id) }),
    contribute(deliveryFailureHooks, markInvitationFailed),
    contribute(memberRemovalHooks, revokeInvitationsOfRemovedMember),
    // Audit entries on invitations: their sender, and INVITATIONS VIEW over one of their departments.
    contribute(auditTargetRules, { Invitation: ({ viewer, loaders }, ids) => invitationsSeenByViewer(viewer, loaders, ids) }),
    contribute(apiClientReadableTypes, {
      Invitation: PermissionModule.INVITATIONS,
      InvitationConnection: PermissionModule.INVITATIONS,
      InvitationEdge: PermissionModule.INVITATIONS,
      InvitationPayload: PermissionModule.INVITATIONS,
      InvitationEvent: PermissionModule.INVITATIONS,
      QrCode: PermissionModule.INVITATIONS,
    }),
  ],
};
