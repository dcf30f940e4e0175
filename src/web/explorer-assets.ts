import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The entry files of the bundled explorer, written by `npm run build` (scripts/explorer-bundle.ts). */
export interface ExplorerManifest {
  script: string;
  stylesheet: string;
}

export const EXPLORER_MANIFEST = 'manifest.json';

/** The folder holding package.json: from src/ under vitest and tsx, from dist/src/ when built. */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

/** Where the build writes the explorer's bundles and the gateway reads them. */
export function explorerAssetsDir(root: string = projectRoot()): string {
  return join(root, 'dist', 'web', 'graphiql');
}
