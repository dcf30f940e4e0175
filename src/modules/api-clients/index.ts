import type { AuditTargetRules } from '../audit/audit-targets';
import { isOrgAdmin } from '../../auth/policy';
import { registerNodeType } from '../../graphql/node.resolver';
import { ApiClientsResolver } from './api-clients.resolver';

// Like `apiClients`: OWNER and ADMIN; for anyone else an id answers as unknown.
registerNodeType('ApiClient', async (ctx, id) => (isOrgAdmin(ctx.viewer) ? ctx.loaders.apiClientById.load(id) : null));

export { createApiClientLoaders } from './api-client.loaders';
export { loadApiClientViewer } from './api-clients.service';
export { handleTokenRequest } from './oauth.http';

export const apiClientsResolvers: Function[] = [ApiClientsResolver];

/** Audit entries on API clients: like `apiClients`, OWNER and ADMIN only. */
export const apiClientAuditTargets: AuditTargetRules = { ApiClient: (ctx, ids) => (isOrgAdmin(ctx.viewer) ? ids : []) };
