import { relative } from 'node:path';
import { explorerAssetsDir, projectRoot } from '../src/explorer/explorer-assets';
import { buildExplorerAssets } from './web-assets';

/** `npm run build`'s last step: the browser bundles the gateway serves (see scripts/web-assets.ts). */
buildExplorerAssets().then(
  (manifest) => console.log(`explorer assets in ${relative(projectRoot(), explorerAssetsDir())}: ${manifest.script}, ${manifest.stylesheet}`),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
