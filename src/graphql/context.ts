import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AppServices } from '../app';
import type { Credential } from '../auth/jwt';
import type { Viewer } from '../auth/viewer';
import type { Loaders } from './loaders';

/** Per-operation context: one EntityManager fork, the viewer, and loaders bound to the viewer's org. */
export interface GraphQLContext {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
  app: AppServices;
  requestId: string;
  /** The gateway's logger bound to `requestId`. */
  logger: Logger;
  clientAddress: string | null;
  /** The verified bearer token (no database read), for rate limits before the viewer is loaded. */
  credential?: Credential | null;
  /**
   * True while `viewer` is still a placeholder: HTTP operations load the viewer only after the operation passed its
   * limits (`src/limits/`), so a refused operation runs no SQL at all.
   */
  viewerPending?: boolean;
}
