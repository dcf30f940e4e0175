import { registerEnumType } from 'type-graphql';
import { EventTopic, type NewOrgEvent, type OrgEvent } from '../../realtime/events';
import { memberEvent, MemberEventType } from '../members/member-events';
import { InvitationStatus, type Invitation } from './invitation.entity';

export type Emit = (event: NewOrgEvent) => Promise<OrgEvent>;

/** Types of INVITATION events (resending emits SENT again). */
export enum InvitationEventType {
  SENT = 'SENT',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
  FAILED = 'FAILED',
}
registerEnumType(InvitationEventType, {
  name: 'InvitationEventType',
  description: 'What happened to an invitation.',
  valuesConfig: {
    ACCEPTED: { description: 'Someone joined with it.' },
    DECLINED: { description: 'The invited person declined it.' },
    EXPIRED: { description: 'It expired unanswered.' },
    FAILED: { description: 'Its SMS or email could not be delivered.' },
    REVOKED: { description: 'It was withdrawn.' },
    SENT: { description: 'It was sent (or resent).' },
  },
});

type InvitationFacts = Pick<Invitation, 'id' | 'orgId' | 'channel' | 'phone' | 'email' | 'departmentIds'>;

/**
 * An INVITATION event: payload `{invitationId, memberId?}` (raw ids; memberId is the member who became active, on
 * ACCEPTED), the invitation's departments (sub-admins receive what concerns theirs) and, for phone and email
 * invitations, the invitee (their `myInvitations`).
 */
export function invitationEvent(invitation: InvitationFacts, type: InvitationEventType, memberId?: string): NewOrgEvent {
  return {
    orgId: invitation.orgId,
    topic: EventTopic.INVITATION,
    type,
    payload: { invitationId: invitation.id, ...(memberId ? { memberId } : {}) },
    departmentIds: [...invitation.departmentIds],
    recipientPhone: invitation.phone,
    recipientEmail: invitation.email,
  };
}

/** A MEMBER JOINED event for a member who just became active. */
export function memberJoinedEvent(member: { id: string; orgId: string; name: string }, departmentIds: string[]): NewOrgEvent {
  return memberEvent(MemberEventType.JOINED, member, departmentIds);
}

/** The status clients see: a PENDING invitation past its expiry is EXPIRED even before the expiry job marks it. */
export function effectiveStatus(invitation: Pick<Invitation, 'status' | 'expiresAt'>, now = Date.now()): InvitationStatus {
  return invitation.status === InvitationStatus.PENDING && invitation.expiresAt.getTime() <= now ? InvitationStatus.EXPIRED : invitation.status;
}

/** Can the token be used right now (PENDING, not past due, uses left)? */
export function isUsable(invitation: Pick<Invitation, 'status' | 'expiresAt' | 'maxUses' | 'useCount'>, now = Date.now()): boolean {
  return effectiveStatus(invitation, now) === InvitationStatus.PENDING && (invitation.maxUses === null || invitation.useCount < invitation.maxUses);
}
