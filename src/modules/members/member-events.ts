import { EventTopic, type NewOrgEvent } from '../../realtime/events';
import { changeEvent } from '../changes/change-event';

/** Types of MEMBER events as `memberEvents` delivers them (its GraphQL enum: unchanged for its subscribers). */
export enum MemberEventType {
  /** A member became ACTIVE: accepted an invitation, or got an enterprise account. */
  JOINED = 'JOINED',
  UPDATED = 'UPDATED',
  REMOVED = 'REMOVED',
}

/** Types of MEMBER events in the org event log (`MEMBER_<type>` in `OrgEventType`). */
export enum MemberChangeType {
  /** Added by an admin, PENDING until the invitation is accepted. */
  ADDED = 'ADDED',
  JOINED = 'JOINED',
  /** Profile fields changed (`changedFields`: names only). */
  UPDATED = 'UPDATED',
  /** ACTIVE <-> DISABLED (details: `from`, `to`). */
  STATUS_CHANGED = 'STATUS_CHANGED',
  DEPARTMENTS_CHANGED = 'DEPARTMENTS_CHANGED',
  MANAGER_CHANGED = 'MANAGER_CHANGED',
  REMOVED = 'REMOVED',
  /** Removed with an offboarding record. */
  OFFBOARDED = 'OFFBOARDED',
}

/** What `memberEvents` makes of a logged MEMBER event: one event per change as before, null for kinds it never carried. */
export function memberEventTypeOf(type: string, payload: Record<string, unknown>): MemberEventType | null {
  switch (type) {
    case MemberChangeType.JOINED:
      return MemberEventType.JOINED;
    case MemberChangeType.UPDATED:
    case MemberChangeType.STATUS_CHANGED:
    case MemberChangeType.DEPARTMENTS_CHANGED:
    case MemberChangeType.MANAGER_CHANGED:
      // One change of a member logged as several events (name and departments at once): memberEvents had one.
      return payload.continued === true ? null : MemberEventType.UPDATED;
    case MemberChangeType.REMOVED:
    case MemberChangeType.OFFBOARDED:
      return MemberEventType.REMOVED;
    default:
      return null;
  }
}

export interface MemberEventExtra {
  changedFields?: string[];
  details?: Record<string, unknown>;
  /** Not the first event of its change (see `memberEventTypeOf`). */
  continued?: boolean;
}

/**
 * A MEMBER event: payload `{memberId, name?}` (raw id, as `memberEvents` reads it) and the change payload, addressed to
 * the member's departments (sub-admins get theirs). Pass departments with their paths where known.
 */
export function memberEvent(
  type: MemberChangeType | MemberEventType,
  member: { id: string; orgId: string; name?: string },
  departments: ReadonlyArray<string | { id: string; path: string }> = [],
  extra: MemberEventExtra = {},
): NewOrgEvent {
  const withPaths = departments.filter((d): d is { id: string; path: string } => typeof d !== 'string');
  const event = changeEvent(EventTopic.MEMBER, type, {
    orgId: member.orgId,
    objectType: 'Member',
    rawId: member.id,
    changedFields: extra.changedFields,
    departments: withPaths,
    details: extra.details,
    legacy: { memberId: member.id, ...(member.name === undefined ? {} : { name: member.name }), ...(extra.continued ? { continued: true } : {}) },
  });
  return { ...event, departmentIds: [...new Set(departments.map((d) => (typeof d === 'string' ? d : d.id)))] };
}
