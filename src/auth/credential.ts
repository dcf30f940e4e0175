import type { EntityManager } from '@mikro-orm/postgresql';
import { loadApiClientViewer } from '../modules/api-clients/api-clients.service';
import type { Credential } from './jwt';
import { loadViewer, Viewer } from './viewer';

/** The viewer a verified credential speaks for, read from the database (a person, or an API client's current row). */
export function loadViewerFor(em: EntityManager, credential: Credential | null): Promise<Viewer> {
  if (!credential) return Promise.resolve(Viewer.anonymous());
  if (credential.kind === 'apiClient') return loadApiClientViewer(em, credential);
  return loadViewer(em, credential.sub, credential.org);
}

/** The token of an `Authorization: Bearer <token>` header (or of a bare token, as graphql-ws connection params carry). */
export function bearerToken(authorization: string | undefined | null): string | null {
  const token = authorization?.replace(/^Bearer\s+/i, '').trim();
  return token || null;
}
