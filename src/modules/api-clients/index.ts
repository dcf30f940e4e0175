import { apiClientReadableTypes } from '../../auth/api-scopes';
import { isOrgAdmin } from '../../auth/policy';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules } from '../audit/audit-targets';
import { ApiClient } from './api-client.entity';
import { ApiClientsResolver } from './api-clients.resolver';

export { createApiClientLoaders } from './api-client.loaders';
export { loadApiClientViewer, loadCurrentApiClientViewer } from './api-clients.service';
export { handleOAuthMetadataRequest, handleTokenRequest, OAUTH_METADATA_PATH } from './oauth.http';

export const apiClientsModule = {
  entities: [ApiClient],
  resolvers: [ApiClientsResolver],
  contributions: [
    // Like `apiClients`: OWNER and ADMIN; for anyone else an id answers as unknown.
    contribute(nodeTypes, { type: 'ApiClient', fetch: async (ctx, id) => (isOrgAdmin(ctx.viewer) ? ctx.loaders.apiClientById.load(id) : null) }),
    // Audit entries on API clients: like `apiClients`, OWNER and ADMIN only.
    contribute(auditTargetRules, { ApiClient: (ctx, ids) => (isOrgAdmin(ctx.viewer) ? ids : []) }),
    // Clients meet other clients only as audit actors.
    contribute(apiClientReadableTypes, { ApiClient: PermissionModule.AUDIT_LOG }),
  ],
};
