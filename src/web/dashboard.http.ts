import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { serveBuiltFile } from './built-files';
import { projectRoot } from './project-root';

/** Where `npm run build` puts the bundled dashboard (scripts/build-dashboard.ts). */
export const DASHBOARD_BUILD_DIR = join(projectRoot(), 'dist', 'web', 'dashboard');

/** `GET /dashboard` and its files: the admin dashboard built into dist/web/dashboard. */
export function handleDashboardRequest(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const name = pathname === '/dashboard' || pathname === '/dashboard/' ? 'index.html' : pathname.slice('/dashboard/'.length);
  return serveBuiltFile(req, res, DASHBOARD_BUILD_DIR, name, { notBuilt: 'The dashboard is not built: run `npm run build`.' });
}
