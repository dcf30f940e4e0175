import { toGlobalId } from '../../graphql/relay';
import { changeViewOf, type LoggedChange } from '../changes/change-view';
import type { OrgEventType } from '../changes/org-event-type';

/** An event of the org log as the worker reads it. */
export type LoggedEvent = LoggedChange & { orgId: string };

/**
 * The `webhook-id` of an org event: unique across orgs, the same on every attempt and redelivery, so receivers
 * drop what they already have.
 */
export function messageIdOf(orgId: string, eventId: string): string {
  return `evt_${orgId.replace(/-/g, '')}_${eventId}`;
}

/**
 * The body of one delivery (Standard Webhooks: `type`, `timestamp`, `data`), null for an event partners do not
 * mirror. `data` is the change exactly as `orgChanges` and `orgEvents` give it (`changeViewOf`: `id` its position in
 * the org's log, `type`, `occurredAt`, `objectType`, global `objectId`, `changedFields`, `departmentIds`, `details`),
 * with the org's global id beside it.
 */
export function messageBody(event: LoggedEvent): { type: OrgEventType; body: string } | null {
  const view = changeViewOf(event);
  if (!view) return null;
  return { type: view.type, body: JSON.stringify({ type: view.type, timestamp: view.occurredAt, data: { ...view, orgId: toGlobalId('Org', event.orgId) } }) };
}

/** The body of `sendTestWebhook`. */
export function testMessageBody(orgId: string, messageId: string, at: Date): string {
  return JSON.stringify({ type: 'WEBHOOK_TEST', timestamp: at.toISOString(), data: { id: messageId, orgId: toGlobalId('Org', orgId), test: true } });
}
