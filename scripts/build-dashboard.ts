import { access, copyFile, mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { DASHBOARD_BUILD_DIR } from '../src/web/dashboard.http';
import { INVITE_BUILD_DIR } from '../src/web/invite.http';

const CLIENT_DIR = join(DASHBOARD_BUILD_DIR, '..', '..', '..', 'client', 'src');

/** One page of client/src: its `main.tsx` (React) or `main.ts` bundled into `<bundle>.js`, its `index.html` and stylesheet copied. */
interface WebPage {
  source: string;
  bundle: string;
  css: string;
}

async function buildPage(page: WebPage, outDir: string): Promise<void> {
  const sourceDir = join(CLIENT_DIR, page.source);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const entry = await access(join(sourceDir, 'main.tsx')).then(
    () => 'main.tsx',
    () => 'main.ts',
  );
  await build({
    entryPoints: [join(sourceDir, entry)],
    jsx: 'automatic',
    // React's development build warns and checks more; the served page is the production one.
    define: { 'process.env.NODE_ENV': '"production"' },
    outfile: join(outDir, `${page.bundle}.js`),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['chrome109', 'firefox115', 'safari16'],
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  });
  await Promise.all(['index.html', page.css].map((file) => copyFile(join(sourceDir, file), join(outDir, file))));
}

/**
 * Bundles the admin dashboard (client/src/dashboard: React, chart.js, graphql-ws and graphql's printer from
 * node_modules, the texts of locales/<locale>/dashboard.json) into
 * dist/web/dashboard, which the gateway serves at /dashboard. Run by `npm run build` and by the browser test.
 * Type errors are not esbuild's business: `tsc -p client/tsconfig.json` checks them first.
 */
export function buildDashboard(outDir = DASHBOARD_BUILD_DIR): Promise<void> {
  return buildPage({ source: 'dashboard', bundle: 'dashboard', css: 'dashboard.css' }, outDir);
}

/** Bundles the invitation page (client/src/invite) into dist/web/invite, served at /invite/<token>. */
export function buildInvitePage(outDir = INVITE_BUILD_DIR): Promise<void> {
  return buildPage({ source: 'invite', bundle: 'invite', css: 'invite.css' }, outDir);
}

if (require.main === module) {
  Promise.all([buildDashboard(), buildInvitePage()]).then(
    () => console.log(`dashboard and invitation page built into ${DASHBOARD_BUILD_DIR}/..`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
