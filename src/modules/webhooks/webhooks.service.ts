import type { EntityManager } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import { assertCanManageWebhooks } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import type { WebhookSettings } from '../../config';
import { badInput, errorMessage, notFound } from '../../errors';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection } from '../../graphql/relay';
import { recordAudit } from '../audit/audit.service';
import { OrgEventType } from '../changes/org-event-type';
import { allowedAddresses, urlProblem } from './webhook-address';
import { WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus } from './webhook-delivery.entity';
import { WebhookEndpoint, WebhookEndpointStatus } from './webhook-endpoint.entity';
import { postWebhook } from './webhook-http';
import { testMessageBody } from './webhook-message';
import { newWebhookSecret, signedHeaders } from './webhook-signature';
import { insertAttempt } from './webhook-worker';
import {
  DESCRIPTION_MAX,
  ENDPOINTS_PER_ORG,
  type CreateWebhookEndpointInput,
  type UpdateWebhookEndpointInput,
  type WebhookDeliveriesArgs,
  type WebhookEndpointSecretPayload,
} from './webhooks.inputs';

/** How long the previous secret keeps signing after a rotation. */
const PREVIOUS_SECRET_MS = 24 * 60 * 60_000;

/** A URL an endpoint may have: well formed, https (unless allowed otherwise), resolving to allowed addresses only. */
async function checkedUrl(text: string, settings: Pick<WebhookSettings, 'allowPrivate'>): Promise<string> {
  const url = text.trim();
  const problem = urlProblem(url, settings.allowPrivate);
  if (problem) throw badInput(problem, 'url');
  try {
    const parsed = new URL(url);
    await allowedAddresses(parsed.hostname, settings.allowPrivate, parsed.protocol === 'http:');
  } catch (error) {
    throw badInput(errorMessage('webhookUrlNotAllowed', { reason: (error as Error).message.slice(0, 300 - 'url is not allowed: '.length) }), 'url');
  }
  return url;
}

function checkedEventTypes(types: readonly OrgEventType[]): OrgEventType[] {
  if (types.length === 0) throw badInput(errorMessage('atLeastOneEventType'), 'eventTypes');
  const known = Object.values(OrgEventType);
  return known.filter((type) => types.includes(type));
}

function checkedDescription(text: string | null | undefined): string {
  const description = (text ?? '').trim();
  if (description.length > DESCRIPTION_MAX) throw badInput(errorMessage('descriptionTooLong', { max: DESCRIPTION_MAX }), 'description');
  return description;
}

/** The endpoint of the viewer's org with this global id; NOT_FOUND for any other id. */
async function findEndpoint(em: EntityManager, viewer: Viewer, globalId: string): Promise<WebhookEndpoint> {
  const id = rawId(globalId, 'WebhookEndpoint');
  const endpoint = await em.findOne(WebhookEndpoint, { id, orgId: viewer.orgId });
  if (!endpoint) throw notFound('WebhookEndpoint');
  return endpoint;
}

/** `webhookEndpoints`: the org's endpoints, oldest first. */
export async function listWebhookEndpoints(em: EntityManager, viewer: Viewer): Promise<WebhookEndpoint[]> {
  assertCanManageWebhooks(viewer);
  return em.find(WebhookEndpoint, { orgId: viewer.orgId }, { orderBy: { createdAt: 'asc', id: 'asc' } });
}

/** `webhookEndpoint(id)` for `node(id)`: the endpoint when the viewer manages webhooks, else null. */
export async function findWebhookEndpointNode(em: EntityManager, viewer: Viewer, id: string): Promise<WebhookEndpoint | null> {
  try {
    assertCanManageWebhooks(viewer);
  } catch {
    return null;
  }
  return em.findOne(WebhookEndpoint, { id, orgId: viewer.orgId });
}

/**
 * `createWebhookEndpoint`: an endpoint receiving the org's events from now on (those committed after it), and its
 * signing secret, shown this once.
 */
export async function createWebhookEndpoint(
  em: EntityManager,
  viewer: Viewer,
  input: CreateWebhookEndpointInput,
  settings: WebhookSettings,
): Promise<WebhookEndpointSecretPayload> {
  assertCanManageWebhooks(viewer);
  const orgId = viewer.orgId;
  const eventTypes = checkedEventTypes(input.eventTypes);
  const description = checkedDescription(input.description);
  const url = await checkedUrl(input.url, settings);
  const secret = newWebhookSecret();
  const endpoint = await em.transactional(async (tx) => {
    // The org row's lock orders this with event writers: the endpoint starts right after the last committed event.
    const [org] = await tx.execute<Array<{ last: string }>>('select last_event_id::text as last from orgs where id = ? for update', [orgId]);
    const count = await tx.count(WebhookEndpoint, { orgId });
    if (count >= ENDPOINTS_PER_ORG) throw badInput(errorMessage('webhookEndpointsMax', { max: ENDPOINTS_PER_ORG }), 'url');
    const endpoint = tx.create(WebhookEndpoint, {
      orgId,
      url,
      description,
      eventTypes,
      secret,
      scannedEventId: org!.last,
      createdByMemberId: viewer.member?.id ?? null,
      createdByApiClientId: viewer.apiClient?.id ?? null,
    });
    recordAudit(tx, viewer, 'webhookEndpoint.create', { type: 'WebhookEndpoint', id: endpoint.id }, { url, eventTypes, description });
    await tx.flush();
    return endpoint;
  });
  return { endpoint, secret };
}

/** `updateWebhookEndpoint`: URL, event types, description, enabled. */
export async function updateWebhookEndpoint(
  em: EntityManager,
  viewer: Viewer,
  input: UpdateWebhookEndpointInput,
  settings: WebhookSettings,
): Promise<WebhookEndpoint> {
  assertCanManageWebhooks(viewer);
  const url = input.url != null ? await checkedUrl(input.url, settings) : null;
  const eventTypes = input.eventTypes != null ? checkedEventTypes(input.eventTypes) : null;
  const description = input.description != null ? checkedDescription(input.description) : null;
  return em.transactional(async (tx) => {
    const endpoint = await findEndpoint(tx, viewer, input.id);
    const changes: Record<string, unknown> = {};
    if (url !== null && url !== endpoint.url) changes.url = endpoint.url = url;
    if (eventTypes !== null) changes.eventTypes = endpoint.eventTypes = eventTypes;
    if (description !== null) changes.description = endpoint.description = description;
    if (input.enabled === true && endpoint.status === WebhookEndpointStatus.DISABLED) {
      endpoint.status = WebhookEndpointStatus.ENABLED;
      endpoint.disabledAt = null;
      endpoint.disabledReason = null;
      changes.enabled = true;
    } else if (input.enabled === false && endpoint.status === WebhookEndpointStatus.ENABLED) {
      endpoint.status = WebhookEndpointStatus.DISABLED;
      endpoint.disabledAt = new Date();
      endpoint.disabledReason = 'Disabled by an admin';
      changes.enabled = false;
    }
    endpoint.updatedAt = new Date();
    recordAudit(tx, viewer, 'webhookEndpoint.update', { type: 'WebhookEndpoint', id: endpoint.id }, changes);
    await tx.flush();
    return endpoint;
  });
}

/** `rotateWebhookSecret`: a new secret (shown this once); the previous one also signs for 24 hours more. */
export async function rotateWebhookSecret(em: EntityManager, viewer: Viewer, globalId: string): Promise<WebhookEndpointSecretPayload> {
  assertCanManageWebhooks(viewer);
  const secret = newWebhookSecret();
  const endpoint = await em.transactional(async (tx) => {
    const endpoint = await findEndpoint(tx, viewer, globalId);
    await tx.populate(endpoint, ['secret']);
    const now = new Date();
    endpoint.previousSecret = endpoint.secret;
    endpoint.previousSecretExpiresAt = new Date(now.getTime() + PREVIOUS_SECRET_MS);
    endpoint.secret = secret;
    endpoint.secretRotatedAt = now;
    endpoint.updatedAt = now;
    recordAudit(tx, viewer, 'webhookEndpoint.rotateSecret', { type: 'WebhookEndpoint', id: endpoint.id }, { url: endpoint.url });
    await tx.flush();
    return endpoint;
  });
  return { endpoint, secret };
}

/** `deleteWebhookEndpoint`: the endpoint and its deliveries; answers its id. */
export async function deleteWebhookEndpoint(em: EntityManager, viewer: Viewer, globalId: string): Promise<string> {
  assertCanManageWebhooks(viewer);
  return em.transactional(async (tx) => {
    const endpoint = await findEndpoint(tx, viewer, globalId);
    recordAudit(tx, viewer, 'webhookEndpoint.delete', { type: 'WebhookEndpoint', id: endpoint.id }, { url: endpoint.url });
    await tx.execute('delete from webhook_endpoints where id = ? and org_id = ?', [endpoint.id, viewer.orgId]);
    return endpoint.globalId;
  });
}

/** `webhookDeliveries`: an endpoint's deliveries, newest first. */
export async function listWebhookDeliveries(em: EntityManager, viewer: Viewer, args: WebhookDeliveriesArgs): Promise<Connection<WebhookDelivery>> {
  assertCanManageWebhooks(viewer);
  const first = checkPageSize(args.first);
  const endpoint = await findEndpoint(em, viewer, args.endpointId);
  const where: Record<string, unknown> = { orgId: viewer.orgId, endpointId: endpoint.id };
  if (args.filter?.status) where.status = args.filter.status;
  let after: { createdAt: Date; id: string } | null = null;
  if (args.after != null) {
    const [createdAt, id] = decodeCursor(args.after, 2);
    if (typeof createdAt !== 'string' || typeof id !== 'string' || Number.isNaN(Date.parse(createdAt))) throw badInput(errorMessage('invalidCursor'), 'after');
    after = { createdAt: new Date(createdAt), id };
  }
  const page = after
    ? { $and: [where, { $or: [{ createdAt: { $lt: after.createdAt } }, { createdAt: after.createdAt, id: { $lt: after.id } }] }] }
    : where;
  const rows = await em.find(WebhookDelivery, page, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: first + 1 });
  return toConnection(rows, first, (row) => [row.createdAt.toISOString(), row.id], after !== null, () => em.count(WebhookDelivery, where));
}

/** A delivery's attempts, oldest first. */
export function attemptsOf(em: EntityManager, delivery: WebhookDelivery): Promise<WebhookAttempt[]> {
  return em.find(WebhookAttempt, { deliveryId: delivery.id, orgId: delivery.orgId }, { orderBy: { attemptedAt: 'asc', id: 'asc' } });
}

/** Sends a manual delivery once, now, and records the attempt and its outcome. */
async function sendManual(em: EntityManager, endpoint: WebhookEndpoint, delivery: WebhookDelivery, settings: WebhookSettings): Promise<WebhookDelivery> {
  await em.populate(endpoint, ['secret', 'previousSecret']);
  const secrets = [endpoint.secret];
  if (endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date()) secrets.push(endpoint.previousSecret);
  const result = await postWebhook({ url: endpoint.url, headers: signedHeaders(delivery.messageId, delivery.body, secrets), body: delivery.body }, settings);
  return em.transactional(async (tx) => {
    await insertAttempt(tx, delivery.orgId, delivery.id, result);
    delivery.status = result.succeeded ? WebhookDeliveryStatus.SUCCEEDED : WebhookDeliveryStatus.FAILED;
    delivery.attemptCount = 1;
    delivery.firstAttemptAt = delivery.lastAttemptAt = result.attemptedAt;
    tx.persist(delivery);
    await tx.flush();
    return delivery;
  });
}

/**
 * `redeliverWebhook`: sends a delivery's event again, once, now, with its `webhook-id` unchanged (a receiver that
 * has it drops it), whatever the endpoint's state; a new delivery (`manual`), outside the ordered stream.
 */
export async function redeliverWebhook(em: EntityManager, viewer: Viewer, globalId: string, settings: WebhookSettings): Promise<WebhookDelivery> {
  assertCanManageWebhooks(viewer);
  const id = rawId(globalId, 'WebhookDelivery');
  const original = await em.findOne(WebhookDelivery, { id, orgId: viewer.orgId }, { populate: ['body'] });
  if (!original) throw notFound('WebhookDelivery');
  const endpoint = await em.findOneOrFail(WebhookEndpoint, { id: original.endpointId, orgId: viewer.orgId });
  const delivery = await em.transactional(async (tx) => {
    const delivery = tx.create(WebhookDelivery, {
      id: randomUUID(),
      orgId: viewer.orgId,
      endpointId: endpoint.id,
      eventId: original.eventId,
      messageId: original.messageId,
      eventType: original.eventType,
      body: original.body,
      manual: true,
    });
    recordAudit(tx, viewer, 'webhookEndpoint.redeliver', { type: 'WebhookEndpoint', id: endpoint.id }, { messageId: original.messageId });
    await tx.flush();
    return delivery;
  });
  return sendManual(em, endpoint, delivery, settings);
}

/** `sendTestWebhook`: a `WEBHOOK_TEST` event sent once, now, signed as any other; answers its delivery and attempt. */
export async function sendTestWebhook(em: EntityManager, viewer: Viewer, endpointGlobalId: string, settings: WebhookSettings): Promise<WebhookDelivery> {
  assertCanManageWebhooks(viewer);
  const endpoint = await findEndpoint(em, viewer, endpointGlobalId);
  const messageId = `evt_test_${randomUUID().replace(/-/g, '')}`;
  const delivery = await em.transactional(async (tx) => {
    const delivery = tx.create(WebhookDelivery, {
      id: randomUUID(),
      orgId: viewer.orgId,
      endpointId: endpoint.id,
      eventId: null,
      messageId,
      eventType: 'WEBHOOK_TEST',
      body: testMessageBody(viewer.orgId, messageId, new Date()),
      manual: true,
    });
    recordAudit(tx, viewer, 'webhookEndpoint.test', { type: 'WebhookEndpoint', id: endpoint.id }, { messageId });
    await tx.flush();
    return delivery;
  });
  return sendManual(em, endpoint, delivery, settings);
}
