import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { ApiClient } from './api-client.entity';

/** API clients by raw id, bound to the viewer's org (a foreign id loads as null): audit actors of a page in one query. */
export function createApiClientLoaders(em: EntityManager, orgId: string) {
  const apiClientById = new DataLoader<string, ApiClient | null>(async (ids) => {
    const rows = await em.find(ApiClient, { orgId, id: { $in: [...ids] } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  return { apiClientById };
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createApiClientLoaders> {}
}
