import { toGlobalIds } from '../../graphql/relay';
import type { OrgEvent } from '../../realtime/events';
import { changePayloadOf } from './change-event';
import { orgEventTypeOf, type OrgEventType } from './org-event-type';

/**
 * A change as partners get it, whichever way: the `OrgChange` node of `orgChanges` and `orgEvents`, and the `data`
 * of a webhook delivery. Plain JSON (`occurredAt` ISO text), built by `changeViewOf` only, so the feed, the
 * subscription and webhooks never disagree on a change.
 */
export interface ChangeView {
  /** The event's position in the org's log: a cursor (`after`) for `orgChanges` and `orgEvents`. */
  id: string;
  type: OrgEventType;
  occurredAt: string;
  objectType: string;
  /** Global id. */
  objectId: string;
  rawObjectId: string;
  changedFields: string[];
  /** Global ids of the departments the change concerns. */
  departmentIds: string[];
  details: Record<string, unknown>;
}

/** What `changeViewOf` reads of a logged event. */
export type LoggedChange = Pick<OrgEvent, 'id' | 'topic' | 'type' | 'payload' | 'departmentIds' | 'createdAt'>;

/** The view of a logged event; null for events partners do not mirror (imports, notifications) or without a change payload. */
export function changeViewOf(event: LoggedChange): ChangeView | null {
  const type = orgEventTypeOf(event.topic, event.type);
  const change = type && changePayloadOf(event);
  if (!type || !change) return null;
  return {
    id: event.id,
    type,
    occurredAt: new Date(event.createdAt).toISOString(),
    objectType: change.objectType,
    objectId: change.objectId,
    rawObjectId: change.rawId,
    changedFields: change.changedFields,
    departmentIds: toGlobalIds('Department', event.departmentIds),
    details: change.details,
  };
}
