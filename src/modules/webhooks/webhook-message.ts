import { toGlobalId, toGlobalIds } from '../../graphql/relay';

/** Raw ids of event payloads and the GraphQL type whose global id partners get instead. */
const ID_FIELDS: Record<string, string> = {
  memberId: 'Member',
  invitationId: 'Invitation',
  departmentId: 'Department',
  parentId: 'Department',
  managerId: 'Member',
  roleId: 'Role',
  contactId: 'Contact',
  tagId: 'Tag',
  externalGroupId: 'ExternalGroup',
  contactGroupId: 'ContactGroup',
};

/** An event of the org log as the worker reads it. */
export interface LoggedEvent {
  orgId: string;
  id: string;
  type: string;
  payload: Record<string, unknown>;
  departmentIds: string[];
  createdAt: string;
}

/**
 * The `webhook-id` of an org event: unique across orgs, the same on every attempt and redelivery, so receivers
 * drop what they already have.
 */
export function messageIdOf(orgId: string, eventId: string): string {
  return `evt_${orgId.replace(/-/g, '')}_${eventId}`;
}

/**
 * The body of one delivery (Standard Webhooks: `type`, `timestamp`, `data`). `data` carries the event's payload with
 * global ids in place of raw ones, the org's id, the departments it concerns and `sequence`, the event's position in
 * the org's log (increasing by one per event of the org, whatever the endpoint receives).
 */
export function messageBody(type: string, event: LoggedEvent): string {
  const data: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(event.payload)) {
    const idType = ID_FIELDS[key];
    data[key] = idType && typeof value === 'string' ? toGlobalId(idType, value) : value;
  }
  return JSON.stringify({
    type,
    timestamp: event.createdAt,
    data: {
      id: messageIdOf(event.orgId, event.id),
      sequence: Number(event.id),
      orgId: toGlobalId('Org', event.orgId),
      ...data,
      departmentIds: toGlobalIds('Department', event.departmentIds),
    },
  });
}

/** The body of `sendTestWebhook`. */
export function testMessageBody(orgId: string, messageId: string, at: Date): string {
  return JSON.stringify({ type: 'WEBHOOK_TEST', timestamp: at.toISOString(), data: { id: messageId, orgId: toGlobalId('Org', orgId), test: true } });
}
