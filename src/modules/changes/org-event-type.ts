import { registerEnumType } from 'type-graphql';

/**
 * Every change a partner can mirror, as `<TOPIC>_<TYPE>` of the org event log (topic `DEPARTMENT`, type `CREATED`:
 * `DEPARTMENT_CREATED`). One list for the `orgEvents` subscription, the `orgChanges` feed and webhook endpoints.
 */
export enum OrgEventType {
  DEPARTMENT_CREATED = 'DEPARTMENT_CREATED',
  DEPARTMENT_RENAMED = 'DEPARTMENT_RENAMED',
  DEPARTMENT_MOVED = 'DEPARTMENT_MOVED',
  DEPARTMENT_REORDERED = 'DEPARTMENT_REORDERED',
  DEPARTMENT_DELETED = 'DEPARTMENT_DELETED',
  MEMBER_ADDED = 'MEMBER_ADDED',
  MEMBER_JOINED = 'MEMBER_JOINED',
  MEMBER_UPDATED = 'MEMBER_UPDATED',
  MEMBER_STATUS_CHANGED = 'MEMBER_STATUS_CHANGED',
  MEMBER_DEPARTMENTS_CHANGED = 'MEMBER_DEPARTMENTS_CHANGED',
  MEMBER_MANAGER_CHANGED = 'MEMBER_MANAGER_CHANGED',
  MEMBER_REMOVED = 'MEMBER_REMOVED',
  MEMBER_OFFBOARDED = 'MEMBER_OFFBOARDED',
  ROLE_CREATED = 'ROLE_CREATED',
  ROLE_UPDATED = 'ROLE_UPDATED',
  ROLE_DELETED = 'ROLE_DELETED',
  ROLE_ASSIGNED = 'ROLE_ASSIGNED',
  ROLE_REVOKED = 'ROLE_REVOKED',
  ROLE_SCOPE_CHANGED = 'ROLE_SCOPE_CHANGED',
  ORG_SETTINGS_CHANGED = 'ORG_SETTINGS_CHANGED',
  INVITATION_SENT = 'INVITATION_SENT',
  INVITATION_ACCEPTED = 'INVITATION_ACCEPTED',
  INVITATION_DECLINED = 'INVITATION_DECLINED',
  INVITATION_EXPIRED = 'INVITATION_EXPIRED',
  INVITATION_REVOKED = 'INVITATION_REVOKED',
  INVITATION_FAILED = 'INVITATION_FAILED',
  CONTACT_CREATED = 'CONTACT_CREATED',
  CONTACT_UPDATED = 'CONTACT_UPDATED',
  CONTACT_SHARED = 'CONTACT_SHARED',
  CONTACT_UNSHARED = 'CONTACT_UNSHARED',
  CONTACT_TRANSFERRED = 'CONTACT_TRANSFERRED',
  CONTACT_MERGED = 'CONTACT_MERGED',
  CONTACT_DELETED = 'CONTACT_DELETED',
  CONTACT_RESTORED = 'CONTACT_RESTORED',
  TAG_CREATED = 'TAG_CREATED',
  TAG_UPDATED = 'TAG_UPDATED',
  TAG_DELETED = 'TAG_DELETED',
  CONTACT_GROUP_CREATED = 'CONTACT_GROUP_CREATED',
  CONTACT_GROUP_UPDATED = 'CONTACT_GROUP_UPDATED',
  CONTACT_GROUP_DELETED = 'CONTACT_GROUP_DELETED',
  EXTERNAL_GROUP_CREATED = 'EXTERNAL_GROUP_CREATED',
  EXTERNAL_GROUP_UPDATED = 'EXTERNAL_GROUP_UPDATED',
  EXTERNAL_GROUP_DELETED = 'EXTERNAL_GROUP_DELETED',
}
registerEnumType(OrgEventType, { name: 'OrgEventType', description: 'A change a partner can mirror: the topic of the org event log and its type.' });

/** The `OrgEventType` of a logged event, or null for events partners do not mirror (imports, notifications). */
export function orgEventTypeOf(topic: string, type: string): OrgEventType | null {
  const name = `${topic}_${type}`;
  return Object.prototype.hasOwnProperty.call(OrgEventType, name) ? (OrgEventType as Record<string, OrgEventType>)[name] : null;
}

/** The log's `(topic, type)` of an `OrgEventType`. */
export function topicAndTypeOf(eventType: OrgEventType): { topic: string; type: string } {
  for (const prefix of ['EXTERNAL_GROUP', 'CONTACT_GROUP', 'DEPARTMENT', 'MEMBER', 'ROLE', 'ORG', 'INVITATION', 'CONTACT', 'TAG']) {
    if (eventType.startsWith(`${prefix}_`)) return { topic: prefix, type: eventType.slice(prefix.length + 1) };
  }
  throw new Error(`unknown org event type ${eventType}`);
}
