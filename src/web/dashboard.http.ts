import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { projectRoot } from './project-root';

/** Where `npm run build` puts the bundled dashboard (scripts/build-dashboard.ts). */
export const DASHBOARD_BUILD_DIR = join(projectRoot(), 'dist', 'web', 'dashboard');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Everything the page loads comes from this gateway: its own bundle, and GraphQL over HTTP and WebSocket on the
 * same origin. QR codes arrive as `data:` images. No inline script or style, no other host.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** `GET /dashboard` and its files: the admin dashboard built into dist/web/dashboard. */
export async function handleDashboardRequest(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('Method not allowed\n');
  }
  const name = pathname === '/dashboard' || pathname === '/dashboard/' ? 'index.html' : pathname.slice('/dashboard/'.length);
  // One flat folder of known kinds of file: no path can leave it.
  if (!/^[\w-]+(\.[\w-]+)*$/.test(name) || !CONTENT_TYPES[extname(name)]) return notFound(res);
  let body: Buffer;
  try {
    body = await readFile(join(DASHBOARD_BUILD_DIR, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (name !== 'index.html') return notFound(res);
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('The dashboard is not built: run `npm run build`.\n');
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(name)]!,
    'content-length': body.length,
    // File names do not change between builds: revalidate every time (they are small).
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(name === 'index.html' ? { 'content-security-policy': CONTENT_SECURITY_POLICY } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}
