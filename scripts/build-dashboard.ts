import { copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DASHBOARD_BUILD_DIR } from '../src/web/dashboard.http';

const SOURCE_DIR = join(DASHBOARD_BUILD_DIR, '..', '..', '..', 'client', 'src', 'dashboard');

/**
 * Bundles the admin dashboard (client/src/dashboard, with graphql-ws and graphql's printer from node_modules) into
 * dist/web/dashboard, which the gateway serves at /dashboard. Run by `npm run build` and by the browser test.
 * Type errors are not esbuild's business: `tsc -p client/tsconfig.json` checks them first.
 */
export async function buildDashboard(outDir = DASHBOARD_BUILD_DIR): Promise<void> {
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(SOURCE_DIR, 'main.ts')],
    outfile: join(outDir, 'dashboard.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await Promise.all(['index.html', 'dashboard.css'].map((file) => copyFile(join(SOURCE_DIR, file), join(outDir, file))));
}

if (require.main === module) {
  buildDashboard().then(
    () => console.log(`dashboard built into ${DASHBOARD_BUILD_DIR}`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
