import { join } from 'node:path';
import { projectRoot } from './project-root';

/** The entry files of the bundled explorer, written by `npm run build` (scripts/explorer-bundle.ts). */
export interface ExplorerManifest {
  script: string;
  stylesheet: string;
}

export const EXPLORER_MANIFEST = 'manifest.json';

/** Where the build writes the explorer's bundles and the gateway reads them. */
export function explorerAssetsDir(root: string = projectRoot()): string {
  return join(root, 'dist', 'web', 'graphiql');
}
