import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { EXPLORER_MANIFEST, explorerAssetsDir, type ExplorerManifest } from '../src/web/explorer-assets';
import { projectRoot } from '../src/web/project-root';

/**
 * Bundles the GraphiQL explorer (`web/graphiql/main.tsx`, React and GraphiQL from node_modules) into
 * `dist/web/graphiql/`: one script, one stylesheet and the files they refer to, names carrying a content hash,
 * plus `manifest.json` naming the entry files. The gateway serves them; the page loads nothing from elsewhere.
 */
export async function buildExplorerAssets(root: string = projectRoot()): Promise<ExplorerManifest> {
  const outdir = explorerAssetsDir(root);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { graphiql: join(root, 'web/graphiql/main.tsx') },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    minify: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    outdir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'file', '.png': 'file', '.gif': 'file' },
    define: { 'process.env.NODE_ENV': '"production"' },
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.entries(result.metafile.outputs).filter(([, output]) => output.entryPoint !== undefined || output.cssBundle !== undefined);
  const script = outputs.find(([path, output]) => path.endsWith('.js') && output.entryPoint !== undefined)?.[0];
  const stylesheet = outputs.map(([, output]) => output.cssBundle).find((css) => css !== undefined);
  if (!script || !stylesheet) throw new Error('esbuild produced no script or stylesheet for the explorer');
  const manifest: ExplorerManifest = { script: basename(script), stylesheet: basename(stylesheet) };
  await writeFile(join(outdir, EXPLORER_MANIFEST), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

/** Builds unless the assets exist (tests that run from sources before `npm run build`). */
export async function ensureExplorerAssets(root: string = projectRoot()): Promise<void> {
  if (!existsSync(join(explorerAssetsDir(root), EXPLORER_MANIFEST))) await buildExplorerAssets(root);
}
