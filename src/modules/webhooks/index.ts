import { apiClientReadableTypes } from '../../auth/api-scopes';
import { isOrgAdmin } from '../../auth/policy';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules } from '../audit/audit-targets';
import { WebhookAttempt, WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import { WebhookDeliveryFieldsResolver, WebhooksResolver } from './webhooks.resolver';
import { findWebhookEndpointNode } from './webhooks.service';

export { WebhookWorker } from './webhook-worker';

export const webhooksModule = {
  entities: [WebhookEndpoint, WebhookDelivery, WebhookAttempt],
  resolvers: [WebhooksResolver, WebhookDeliveryFieldsResolver],
  contributions: [
    // Like `webhookEndpoints`: admins and clients with `webhooks:manage`; for anyone else an id answers as unknown.
    contribute(nodeTypes, { type: 'WebhookEndpoint', fetch: (ctx, id) => findWebhookEndpointNode(ctx.em, ctx.viewer, id) }),
    // Audit entries on endpoints: OWNER and ADMIN (who read the audit log and manage endpoints).
    contribute(auditTargetRules, { WebhookEndpoint: (ctx, ids) => (isOrgAdmin(ctx.viewer) ? ids : []) }),
    // Readable by any client of the org as types; the service refuses clients without `webhooks:manage`.
    contribute(apiClientReadableTypes, {
      WebhookEndpoint: null,
      WebhookEndpointSecretPayload: null,
      WebhookDelivery: null,
      WebhookDeliveryConnection: null,
      WebhookDeliveryEdge: null,
      WebhookAttempt: null,
    }),
  ],
};
