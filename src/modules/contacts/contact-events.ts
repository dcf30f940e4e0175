import { toGlobalId, toOptionalGlobalId } from '../../graphql/relay';
import { EventTopic, type NewOrgEvent } from '../../realtime/events';
import { changeEvent } from '../changes/change-event';

/** Types of CONTACT events (`CONTACT_<type>` in `OrgEventType`). */
export enum ContactEventType {
  CREATED = 'CREATED',
  /** Fields changed: `changedFields` names them (`phones`, `email`, `notes`...), never their values. */
  UPDATED = 'UPDATED',
  /** Now visible to more than its owner (SHARED or ORG), or shared with other departments or members. */
  SHARED = 'SHARED',
  /** Back to PRIVATE. */
  UNSHARED = 'UNSHARED',
  /** Handed to another owner (details: `fromOwnerId`, `toOwnerId`). */
  TRANSFERRED = 'TRANSFERRED',
  /** Others merged into it (details: `mergedIds`; those are deleted for good, each with a DELETED event). */
  MERGED = 'MERGED',
  /** Moved to the bin (restorable for 30 days unless `details.mergedIntoId`). */
  DELETED = 'DELETED',
  RESTORED = 'RESTORED',
}

/** Types of TAG, CONTACT_GROUP and EXTERNAL_GROUP events. */
export enum ContactCatalogEventType {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}

/** A CONTACT event. Who receives it follows the contact rule (contact-visibility.ts), judged at delivery. */
export function contactEvent(
  type: ContactEventType,
  contact: { id: string; orgId: string; ownerId: string | null; visibility?: string },
  extra: { changedFields?: string[]; details?: Record<string, unknown> } = {},
): NewOrgEvent {
  return changeEvent(EventTopic.CONTACT, type, {
    orgId: contact.orgId,
    objectType: 'Contact',
    rawId: contact.id,
    changedFields: extra.changedFields,
    details: { ownerId: toOptionalGlobalId('Member', contact.ownerId), ...(contact.visibility ? { visibility: contact.visibility } : {}), ...extra.details },
  });
}

/** TRANSFERRED events for contacts handed from one member to another. */
export function contactsTransferredEvents(orgId: string, contactIds: readonly string[], fromOwnerId: string, toOwnerId: string): NewOrgEvent[] {
  return contactIds.map((id) =>
    contactEvent(ContactEventType.TRANSFERRED, { id, orgId, ownerId: toOwnerId }, {
      changedFields: ['owner'],
      details: { fromOwnerId: toGlobalId('Member', fromOwnerId), toOwnerId: toGlobalId('Member', toOwnerId) },
    }),
  );
}

/** A TAG event, for a tag or a tag group (`objectType` Tag or TagGroup). */
export function tagEvent(type: ContactCatalogEventType, object: { id: string; orgId: string }, objectType: 'Tag' | 'TagGroup', changedFields: string[] = []): NewOrgEvent {
  return changeEvent(EventTopic.TAG, type, { orgId: object.orgId, objectType, rawId: object.id, changedFields });
}

/** A CONTACT_GROUP event: a member's own filing, received by its owner only. */
export function contactGroupEvent(type: ContactCatalogEventType, group: { id: string; orgId: string; ownerId: string }, changedFields: string[] = [], details: Record<string, unknown> = {}): NewOrgEvent {
  return changeEvent(EventTopic.CONTACT_GROUP, type, { orgId: group.orgId, objectType: 'ContactGroup', rawId: group.id, changedFields, ownerId: group.ownerId, details });
}

/**
 * An EXTERNAL_GROUP event (participants or owner changed: `changedFields`, details with global ids). A DELETED one
 * passes `ownerDepartments`, the departments its owner was in: who may receive it once the group is gone.
 */
export function externalGroupEvent(
  type: ContactCatalogEventType,
  group: { id: string; orgId: string; ownerMemberId: string },
  changedFields: string[] = [],
  details: Record<string, unknown> = {},
  ownerDepartments?: ReadonlyArray<{ id: string; path: string }>,
): NewOrgEvent {
  return changeEvent(EventTopic.EXTERNAL_GROUP, type, {
    orgId: group.orgId,
    objectType: 'ExternalGroup',
    rawId: group.id,
    changedFields,
    departments: ownerDepartments,
    ownerId: group.ownerMemberId,
    details: { ownerId: toGlobalId('Member', group.ownerMemberId), ...details },
  });
}

