import { toGlobalId } from '../../graphql/relay';
import type { EventTopic, NewOrgEvent, OrgEvent } from '../../realtime/events';

/**
 * The payload every change a partner mirrors carries in the org event log (plain JSON). What it exposes is the
 * object's ids, the NAMES of the fields that changed (never their values: a phone, an email) and a few non-sensitive
 * `details` (ids, positions, statuses). `departmentPaths` and `audience` are for deciding who receives the event and
 * are never exposed.
 */
export interface ChangePayload {
  /** The GraphQL type of the object, e.g. `Department`. */
  objectType: string;
  /** The object's global id, as the API exposes it. */
  objectId: string;
  /** The object's raw id (a uuid). */
  rawId: string;
  changedFields: string[];
  /** Materialised paths of the departments the change concerns, as they were when it happened (sub-admin filtering). */
  departmentPaths: string[];
  /** Non-sensitive facts about the change: global ids of related objects, positions, statuses. */
  details: Record<string, unknown>;
  /** The member whose own object this is (a contact group's owner): rules that reach "the owner" read it. */
  ownerId?: string | null;
}

export interface ChangeFacts {
  orgId: string;
  objectType: string;
  rawId: string;
  changedFields?: string[];
  /** The departments concerned, with their materialised paths. */
  departments?: ReadonlyArray<{ id: string; path: string }>;
  details?: Record<string, unknown>;
  ownerId?: string | null;
  /** Extra payload keys an older stream reads (MEMBER events keep `memberId` and `name` for `memberEvents`). */
  legacy?: Record<string, unknown>;
}

/** A NewOrgEvent of a mirrored change: each module's event builder (`department-events.ts`, ...) calls this. */
export function changeEvent(topic: EventTopic, type: string, facts: ChangeFacts): NewOrgEvent {
  const departments = facts.departments ?? [];
  const payload: ChangePayload = {
    objectType: facts.objectType,
    objectId: toGlobalId(facts.objectType, facts.rawId),
    rawId: facts.rawId,
    changedFields: facts.changedFields ?? [],
    departmentPaths: [...new Set(departments.map((d) => d.path))],
    details: facts.details ?? {},
    ...(facts.ownerId === undefined ? {} : { ownerId: facts.ownerId }),
  };
  return {
    orgId: facts.orgId,
    topic,
    type,
    payload: { ...facts.legacy, ...payload },
    departmentIds: [...new Set(departments.map((d) => d.id))],
  };
}

/** The change payload of a logged event; events written before this payload existed get what can be derived. */
export function changePayloadOf(event: Pick<OrgEvent, 'topic' | 'payload'>): ChangePayload | null {
  const payload = event.payload as Partial<ChangePayload> & Record<string, unknown>;
  if (typeof payload.objectType === 'string' && typeof payload.rawId === 'string') {
    return {
      objectType: payload.objectType,
      objectId: payload.objectId ?? toGlobalId(payload.objectType, payload.rawId),
      rawId: payload.rawId,
      changedFields: Array.isArray(payload.changedFields) ? payload.changedFields : [],
      departmentPaths: Array.isArray(payload.departmentPaths) ? payload.departmentPaths : [],
      details: payload.details && typeof payload.details === 'object' ? payload.details : {},
      ownerId: typeof payload.ownerId === 'string' ? payload.ownerId : null,
    };
  }
  // Invitation events and member events of older builds: `{invitationId}` / `{memberId}`.
  const legacy: Array<[string, string]> = [['invitationId', 'Invitation'], ['memberId', 'Member']];
  for (const [key, type] of legacy) {
    const id = payload[key];
    if (typeof id === 'string' && (key !== 'memberId' || event.topic === 'MEMBER')) {
      const details: Record<string, unknown> = {};
      if (key === 'invitationId' && typeof payload.memberId === 'string') details.memberId = toGlobalId('Member', payload.memberId);
      return { objectType: type, objectId: toGlobalId(type, id), rawId: id, changedFields: [], departmentPaths: [], details, ownerId: null };
    }
  }
  return null;
}
