import { EventTopic, type NewOrgEvent } from '../../realtime/events';

/** Types of MEMBER events: what `memberEvents` delivers and what the modules changing members emit. */
export enum MemberEventType {
  /** A member became ACTIVE: accepted an invitation, or got an enterprise account. */
  JOINED = 'JOINED',
  UPDATED = 'UPDATED',
  REMOVED = 'REMOVED',
}

/** A MEMBER event: payload `{memberId, name?}` (raw id), and the member's departments (sub-admins get theirs). */
export function memberEvent(type: MemberEventType, member: { id: string; orgId: string; name?: string }, departmentIds: string[] = []): NewOrgEvent {
  return {
    orgId: member.orgId,
    topic: EventTopic.MEMBER,
    type,
    payload: { memberId: member.id, ...(member.name === undefined ? {} : { name: member.name }) },
    departmentIds,
  };
}
