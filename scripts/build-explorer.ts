import { relative } from 'node:path';
import { explorerAssetsDir } from '../src/web/explorer-assets';
import { projectRoot } from '../src/web/project-root';
import { buildExplorerAssets } from './explorer-bundle';

/** `npm run build`'s last step: the GraphiQL explorer's bundle (see scripts/explorer-bundle.ts). */
buildExplorerAssets().then(
  (manifest) => console.log(`explorer assets in ${relative(projectRoot(), explorerAssetsDir())}: ${manifest.script}, ${manifest.stylesheet}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
