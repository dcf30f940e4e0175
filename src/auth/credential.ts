import type { EntityManager } from '@mikro-orm/postgresql';
import type { Credential } from './jwt';
import type { Viewer } from './viewer';

/**
 * Loads the viewer a verified credential speaks for from the database: a person with their membership, or an API
 * client's current row; anonymous without a credential. The members and api-clients modules provide it.
 */
export type ViewerLoader = (em: EntityManager, credential: Credential | null) => Promise<Viewer>;

/** The token of an `Authorization: Bearer <token>` header (or of a bare token, as graphql-ws connection params carry). */
export function bearerToken(authorization: string | undefined | null): string | null {
  const token = authorization?.replace(/^Bearer\s+/i, '').trim();
  return token || null;
}
