import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../app';
import type { Viewer } from '../auth/viewer';
import type { Loaders } from './loaders';

/** Per-operation context: one EntityManager fork, the viewer, and loaders bound to the viewer's org. */
export interface GraphQLContext {
  em: EntityManager;
  viewer: Viewer;
  loaders: Loaders;
  app: AppServices;
  requestId: string;
  clientAddress: string | null;
}
