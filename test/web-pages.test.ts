import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import { startTestGateway } from './support/gateway';

describe('landing page and docs', () => {
  let gateway: Gateway;
  let origin: string;
  beforeAll(async () => {
    gateway = await startTestGateway();
    origin = new URL(gateway.url).origin;
  });

  it('GET / links to the dashboard, GraphiQL and the docs, with a policy that allows nothing but its own style', async () => {
    const response = await fetch(`${origin}/`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = response.headers.get('content-security-policy')!;
    expect(csp).toMatch(/^default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+';/);
    const html = await response.text();
    for (const href of ['/dashboard', '/graphql', '/docs/']) expect(html).toContain(`href="${href}"`);
    expect(html).not.toMatch(/<script|https?:\/\//);
    expect((await fetch(`${origin}/`, { method: 'POST' })).status).toBe(405);
  });

  it('leaves GraphiQL out when it is off, and the start-up line says where to go and in which mode it runs', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const quiet = await startTestGateway({ graphiql: false }, logger);
    const listening = lines.find((line) => line.msg === 'orggraph gateway listening')!;
    const base = `http://127.0.0.1:${quiet.port}`;
    expect(listening).toMatchObject({ database: 'postgres', pubsub: 'redis', urls: { home: `${base}/`, api: `${base}/graphql`, dashboard: `${base}/dashboard` } });
    expect(listening.urls).not.toHaveProperty('graphiql');
    const html = await (await fetch(`${new URL(quiet.url).origin}/`)).text();
    expect(html).toContain('href="/dashboard"');
    expect(html).not.toContain('href="/graphql"');
  });

  it('serves the README and docs/*.md as text, and nothing else', async () => {
    const index = await (await fetch(`${origin}/docs/`)).text();
    for (const href of ['/docs/README.md', '/docs/security.md', '/docs/scaling.md']) expect(index).toContain(`href="${href}"`);
    const readme = await fetch(`${origin}/docs/README.md`);
    expect(readme.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await readme.text()).toMatch(/^# Orggraph/);
    for (const path of ['/docs/package.json', '/docs/..%2FREADME.md', '/docs/../package.json', '/docs/missing.md']) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    }
  });
});
