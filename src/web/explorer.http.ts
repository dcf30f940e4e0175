import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { EXPLORER_MANIFEST, explorerAssetsDir, type ExplorerManifest } from './explorer-assets';

/** Where the page's script, stylesheet and their files are served. */
export const EXPLORER_ASSET_PATH = '/graphiql/';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
};

/** Text files sent gzipped to clients that accept it (the script is over a megabyte as it is). */
const COMPRESSIBLE = new Set(['.js', '.css', '.map', '.txt', '.svg']);
const gzipAsync = promisify(gzip);

/** Everything the page loads comes from this gateway; scripts only from its own files. */
const PAGE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  // GraphiQL and CodeMirror set style attributes from script.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** A browser opening the endpoint: GET, asking for HTML, without a `query` (a GET with one stays GraphQL over HTTP). */
export function wantsExplorerPage(req: IncomingMessage, url: URL): boolean {
  return (req.method === 'GET' || req.method === 'HEAD') && !url.searchParams.has('query') && (req.headers.accept ?? '').includes('text/html');
}

interface LoadedAssets {
  page: string;
  files: Map<string, string>;
}

/**
 * Serves the GraphiQL explorer bundled by `npm run build` (scripts/explorer-bundle.ts) from `dist/web/graphiql/`: the page
 * at `GET /graphql` and its files under `/graphiql/`. The files are read once, on first use; before they are built
 * the page answers 503 saying so.
 */
export class Explorer {
  private loaded: Promise<LoadedAssets> | null = null;
  /** Gzipped files, compressed once on first request. */
  private readonly gzipped = new Map<string, Promise<Buffer>>();

  constructor(private readonly dir: string = explorerAssetsDir()) {}

  async servePage(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const assets = await this.load();
    res.setHeader('vary', 'accept');
    res.setHeader('cache-control', 'no-cache');
    if (!assets) return sendText(res, 503, 'The explorer is not built: run `npm run build`.\n');
    res.statusCode = 200;
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('content-security-policy', PAGE_CSP);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.end(req.method === 'HEAD' ? undefined : assets.page);
  }

  async serveAsset(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const assets = await this.load();
    const file = assets?.files.get(name);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return sendText(res, 404, 'Not found\n');
    res.statusCode = 200;
    res.setHeader('content-type', CONTENT_TYPES[extname(name)] ?? 'application/octet-stream');
    res.setHeader('x-content-type-options', 'nosniff');
    // Names carry a content hash: a new build is new names.
    res.setHeader('cache-control', 'public, max-age=31536000, immutable');
    let body: Buffer;
    if (COMPRESSIBLE.has(extname(name))) {
      res.setHeader('vary', 'accept-encoding');
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        if (!this.gzipped.has(name)) {
          const compressed = readFile(file).then((raw) => gzipAsync(raw));
          compressed.catch(() => this.gzipped.delete(name)); // try again next time
          this.gzipped.set(name, compressed);
        }
        body = await this.gzipped.get(name)!;
        res.setHeader('content-encoding', 'gzip');
      } else {
        body = await readFile(file);
      }
    } else {
      body = await readFile(file);
    }
    res.setHeader('content-length', body.length);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  private async load(): Promise<LoadedAssets | null> {
    this.loaded ??= readAssets(this.dir);
    const assets = await this.loaded.catch(() => null);
    if (!assets) this.loaded = null; // not built yet: look again next time
    return assets;
  }
}

async function readAssets(dir: string): Promise<LoadedAssets> {
  const manifest = JSON.parse(await readFile(join(dir, EXPLORER_MANIFEST), 'utf8')) as ExplorerManifest;
  // Only the files the build wrote are served: a request names one of them, never a path.
  const files = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name !== EXPLORER_MANIFEST) files.set(entry.name, join(dir, entry.name));
  }
  return { page: renderPage(manifest), files };
}

function renderPage(manifest: ExplorerManifest): string {
  // Relative URLs: the page is /graphql, so they resolve under /graphiql/ behind any path prefix too.
  const asset = (name: string) => `graphiql/${encodeURIComponent(name)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Orggraph explorer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${asset(manifest.stylesheet)}">
</head>
<body>
<div id="graphiql">Loading the explorer…</div>
<script type="module" src="${asset(manifest.script)}"></script>
</body>
</html>
`;
}

function sendText(res: ServerResponse, status: number, text: string): void {
  res.statusCode = status;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.end(text);
}
