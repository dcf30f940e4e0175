import type { AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { onMemberRemoval } from '../members/member-removal';
import { onDeliveryFailure } from '../outbox/outbox.dispatcher';
import { markInvitationFailed, revokeInvitationsOfRemovedMember } from './invitation-hooks';
import { findViewableInvitation, invitationsSeenByViewer } from './invitations.listing';
import { InvitationPreviewResolver } from './invitation-preview.resolver';
import { InvitationFieldsResolver, InvitationsResolver } from './invitations.resolver';

registerNodeType('Invitation', findViewableInvitation);
onDeliveryFailure(markInvitationFailed);
onMemberRemoval(revokeInvitationsOfRemovedMember);

export { invitePendingMember } from './invitations.service';
export { countInvitationsDueForExpiry, expireDueInvitations, invitationExpiryJob } from './invitation-expiry.job';
export { createInvitationLoaders } from './invitation.loaders';

export const invitationsResolvers: Function[] = [InvitationsResolver, InvitationFieldsResolver, InvitationPreviewResolver];
export { invitationGuessedSecrets } from './guessed-secrets';

/** Audit entries on invitations: their sender, and INVITATIONS VIEW over one of their departments. */
export const invitationAuditTargets: AuditTargetRules = { Invitation: invitationsSeenByViewer };
