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
  ROLE_GROUP_CREATED = 'ROLE_GROUP_CREATED',
  ROLE_GROUP_RENAMED = 'ROLE_GROUP_RENAMED',
  ROLE_GROUP_DELETED = 'ROLE_GROUP_DELETED',
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
registerEnumType(OrgEventType, {
  name: 'OrgEventType',
  description: 'A change a partner can mirror: the topic of the org event log and its type.',
  valuesConfig: {
    DEPARTMENT_CREATED: { description: 'A department was created.' },
    DEPARTMENT_RENAMED: { description: 'A department was renamed.' },
    DEPARTMENT_MOVED: { description: 'A department moved under another parent.' },
    DEPARTMENT_REORDERED: { description: 'A department changed place among its siblings.' },
    DEPARTMENT_DELETED: { description: 'A department was deleted.' },
    MEMBER_ADDED: { description: 'A member was added to the org.' },
    MEMBER_JOINED: { description: 'A person joined the org.' },
    MEMBER_UPDATED: { description: "A member's profile changed; the event names the changed fields." },
    MEMBER_STATUS_CHANGED: { description: 'A member was disabled or enabled.' },
    MEMBER_DEPARTMENTS_CHANGED: { description: "A member's departments changed." },
    MEMBER_MANAGER_CHANGED: { description: "A member's manager changed." },
    MEMBER_REMOVED: { description: 'A member was removed from the org.' },
    MEMBER_OFFBOARDED: { description: 'A member left the org through offboarding.' },
    ROLE_CREATED: { description: 'A custom role was created.' },
    ROLE_UPDATED: { description: "A role's name or permissions changed." },
    ROLE_DELETED: { description: 'A custom role was deleted.' },
    ROLE_ASSIGNED: { description: 'A member was given a role.' },
    ROLE_REVOKED: { description: 'A role was taken from a member.' },
    ROLE_SCOPE_CHANGED: { description: "The departments a member's scoped role covers changed." },
    ROLE_GROUP_CREATED: { description: 'A role group (a folder of roles) was created.' },
    ROLE_GROUP_RENAMED: { description: 'A role group was renamed.' },
    ROLE_GROUP_DELETED: { description: 'A role group was deleted; its roles stay, ungrouped (each with ROLE_UPDATED of `groupId`).' },
    ORG_SETTINGS_CHANGED: { description: "The org's settings changed." },
    INVITATION_SENT: { description: 'An invitation was sent (or resent).' },
    INVITATION_ACCEPTED: { description: 'An invitation was accepted.' },
    INVITATION_DECLINED: { description: 'An invitation was declined.' },
    INVITATION_EXPIRED: { description: 'An invitation expired unanswered.' },
    INVITATION_REVOKED: { description: 'An invitation was withdrawn.' },
    INVITATION_FAILED: { description: "An invitation's message could not be delivered." },
    CONTACT_CREATED: { description: 'A contact was created.' },
    CONTACT_UPDATED: { description: 'A contact changed.' },
    CONTACT_SHARED: { description: 'A contact was shared with more members or departments.' },
    CONTACT_UNSHARED: { description: 'A contact stopped being shared with some members or departments.' },
    CONTACT_TRANSFERRED: { description: 'A contact got a new owner.' },
    CONTACT_MERGED: { description: 'Contacts were merged into one.' },
    CONTACT_DELETED: { description: 'A contact was deleted (restorable for 30 days).' },
    CONTACT_RESTORED: { description: 'A deleted contact was restored.' },
    TAG_CREATED: { description: 'A contact tag was created.' },
    TAG_UPDATED: { description: 'A contact tag changed.' },
    TAG_DELETED: { description: 'A contact tag was deleted.' },
    CONTACT_GROUP_CREATED: { description: 'A contact group was created.' },
    CONTACT_GROUP_UPDATED: { description: 'A contact group changed.' },
    CONTACT_GROUP_DELETED: { description: 'A contact group was deleted.' },
    EXTERNAL_GROUP_CREATED: { description: 'An external group was created.' },
    EXTERNAL_GROUP_UPDATED: { description: 'An external group changed.' },
    EXTERNAL_GROUP_DELETED: { description: 'An external group was deleted.' },
  },
});

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
