import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { notFound } from './built-files';
import { projectRoot } from './project-root';

const STYLE = `
:root { font: 16px/1.5 system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif; color: #1d2733; background: #f4f6f9; }
body { margin: 0; }
main { max-width: 560px; margin: 0 auto; padding: 32px 16px; }
h1 { margin: 0 0 4px; font-size: 28px; }
p { color: #5f6b7a; margin: 0 0 24px; }
ul { list-style: none; padding: 0; margin: 0; display: flex; flex-direction: column; gap: 12px; }
a { display: block; padding: 14px 16px; background: #fff; border: 1px solid #d9dee5; border-radius: 10px; color: #0b4fbf; text-decoration: none; font-weight: 600; }
a span { display: block; color: #5f6b7a; font-weight: 400; font-size: 14px; }
a:hover, a:focus-visible { border-color: #1f6feb; outline: 3px solid #7aa7f5; outline-offset: 1px; }
`;
/** The one inline style is allowed by its hash: the page has no script and loads nothing. */
const STYLE_HASH = createHash('sha256').update(STYLE).digest('base64');
const CSP = `default-src 'none'; style-src 'sha256-${STYLE_HASH}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`;

const DOCS_DIR = join(projectRoot(), 'docs');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, intro: string, links: Array<{ href: string; label: string; note: string }>): string {
  const items = links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.label)}<span>${escapeHtml(l.note)}</span></a></li>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(intro)}</p><ul>
${items}
</ul></main></body></html>
`;
}

function sendPage(req: IncomingMessage, res: ServerResponse, html: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' });
    return void res.end('Method not allowed\n');
  }
  const body = Buffer.from(html);
  res.writeHead(200, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'content-security-policy': CSP,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/** `GET /`: where a person who opens the gateway's address goes next. GraphiQL is offered only when it is on. */
export function handleLandingRequest(req: IncomingMessage, res: ServerResponse, options: { graphiql: boolean }): void {
  sendPage(
    req,
    res,
    page('Orggraph', 'The organisation graph gateway: orgs, departments, members, invitations and external contacts over GraphQL.', [
      { href: '/dashboard', label: 'Dashboard', note: 'Sign in as an admin: departments, members, invitations and QR codes, live.' },
      ...(options.graphiql ? [{ href: '/graphql', label: 'GraphiQL', note: 'Explore and try the API in the browser.' }] : []),
      { href: '/docs/', label: 'Documentation', note: 'The README and the guides, as shipped with this gateway.' },
    ]),
  );
}

/**
 * `GET /docs/` lists the README and `docs/*.md`; `GET /docs/<name>.md` serves one as plain text (browsers show it as
 * it is written). Flat names only, nothing outside those files.
 */
export async function handleDocsRequest(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
  const files = (await readdir(DOCS_DIR).catch(() => [] as string[])).filter((name) => /^[\w-]+\.md$/.test(name)).sort();
  const name = pathname.replace(/^\/docs\/?/, '');
  if (name === '') {
    return sendPage(
      req,
      res,
      page('Orggraph documentation', 'Markdown, as in the repository.', [
        { href: '/docs/README.md', label: 'README', note: 'What Orggraph is, the two commands, a tour, where to read next.' },
        ...files.map((file) => ({ href: `/docs/${file}`, label: file.replace(/\.md$/, ''), note: `docs/${file}` })),
      ]),
    );
  }
  const path = name === 'README.md' ? join(projectRoot(), 'README.md') : files.includes(name) ? join(DOCS_DIR, name) : null;
  if (!path || (req.method !== 'GET' && req.method !== 'HEAD')) return notFound(res);
  const body = await readFile(path);
  res.writeHead(200, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'content-security-policy': "default-src 'none'",
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
