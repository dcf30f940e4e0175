import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The policy of the bundled pages (dashboard, invitation): everything from this gateway, GraphQL over HTTP and
 * WebSocket on the same origin, `data:` images (QR codes). No inline script or style, no other host.
 */
export const PAGE_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export interface BuiltFileOptions {
  /** Shown with 503 when the page itself is missing (`index.html` not built yet). */
  notBuilt: string;
  /** Extra headers of `index.html`. */
  pageHeaders?: Record<string, string>;
}

/** Is `name` one file of a flat build folder, of a kind served? No path can leave the folder. */
export function isServableName(name: string): boolean {
  return /^[\w-]+(\.[\w-]+)*$/.test(name) && !!CONTENT_TYPES[extname(name)];
}

/** `GET`/`HEAD` of one file of a build folder (dist/web/<page>), `index.html` with the page's security headers. */
export async function serveBuiltFile(req: IncomingMessage, res: ServerResponse, dir: string, name: string, options: BuiltFileOptions): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('Method not allowed\n');
  }
  if (!isServableName(name)) return notFound(res);
  let body: Buffer;
  try {
    body = await readFile(join(dir, name));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    if (name !== 'index.html') return notFound(res);
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    return void res.end(`${options.notBuilt}\n`);
  }
  res.writeHead(200, {
    'content-type': CONTENT_TYPES[extname(name)]!,
    'content-length': body.length,
    // File names do not change between builds: revalidate every time (they are small).
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...(name === 'index.html' ? { 'content-security-policy': PAGE_CONTENT_SECURITY_POLICY, ...options.pageHeaders } : {}),
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

export function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Not found\n');
}
