import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import { launchBrowser, UI_TIMEOUT_MS } from './support/browser';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor, gql } from './support/limits';

/**
 * A partner's web page on an origin of its own (another port of 127.0.0.1): one empty page, so that the browser's
 * fetches to the gateway are cross-origin and need its CORS answers. Both fetches of the partner flow carry an
 * `authorization` header, so the browser sends a preflight before each.
 */
async function servePartnerPage(): Promise<{ origin: string; server: Server }> {
  const server = createServer((_req: IncomingMessage, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.end('<!doctype html><title>Partner</title><p>partner page</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** What the page's fetch answered: the status and headers it may read, or the browser's refusal. */
interface PageFetch {
  ok: boolean;
  status?: number;
  remaining?: string | null;
  body?: unknown;
  error?: string;
}

/** The client-credentials grant from the page (HTTP Basic: a preflighted request), then a query with the token. */
function partnerFlow(page: Page, gatewayOrigin: string, clientId: string, clientSecret: string): Promise<{ token: PageFetch; query: PageFetch }> {
  return page.evaluate(
    async ({ gatewayOrigin, clientId, clientSecret }) => {
      const attempt = async (run: () => Promise<Response>): Promise<PageFetch & { json?: Record<string, unknown> }> => {
        try {
          const response = await run();
          const json = (await response.json()) as Record<string, unknown>;
          return { ok: true, status: response.status, remaining: response.headers.get('x-ratelimit-remaining'), body: json, json };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      };
      const token = await attempt(() =>
        fetch(`${gatewayOrigin}/oauth/token`, {
          method: 'POST',
          headers: { authorization: `Basic ${btoa(`${clientId}:${clientSecret}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
          body: 'grant_type=client_credentials',
        }),
      );
      const accessToken = (token.json?.access_token as string | undefined) ?? 'none';
      const query = await attempt(() =>
        fetch(`${gatewayOrigin}/graphql`, {
          method: 'POST',
          headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
          body: JSON.stringify({ query: 'mutation { createDepartment(input: { name: "From the browser" }) { id name } }' }),
        }),
      );
      delete token.json;
      delete query.json;
      return { token, query };
    },
    { gatewayOrigin, clientId, clientSecret },
  );
}

describe('CORS from a browser', () => {
  let allowedPage: { origin: string; server: Server };
  let otherPage: { origin: string; server: Server };
  let gateway: Gateway;
  let browser: Browser;

  beforeAll(async () => {
    [allowedPage, otherPage] = await Promise.all([servePartnerPage(), servePartnerPage()]);
    gateway = await startTestGateway({ corsOrigins: [allowedPage.origin] });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([allowedPage, otherPage].map((page) => page && new Promise((resolve) => page.server.close(resolve))));
  });

  async function openAt(origin: string): Promise<Page> {
    const page = await browser.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(`${origin}/`);
    return page;
  }

  /** The names of the org's departments, read directly (not through the browser). */
  async function departmentNames(owner: GraphQLClient): Promise<string[]> {
    const answer = await gql(owner.url, '{ departments(query: "From the browser") { name } }', {}, { token: owner.token });
    return (answer.body.data.departments as Array<{ name: string }>).map((department) => department.name);
  }

  it('lets a page of an allowed origin take a token and write, after real preflights', async () => {
    const owner = await createOrgWithOwner(new GraphQLClient(gateway.url));
    const partner = await apiClientFor(owner.client, ['departments:write']);
    const page = await openAt(allowedPage.origin);
    const { token, query } = await partnerFlow(page, new URL(gateway.url).origin, partner.clientId, partner.clientSecret);
    expect(token).toMatchObject({ ok: true, status: 200, body: { token_type: 'Bearer', scope: 'departments:write' } });
    expect(Number(token.remaining)).toBeGreaterThan(0); // an exposed header the page may read
    expect(query).toMatchObject({ ok: true, status: 200, body: { data: { createDepartment: { name: 'From the browser' } } } });
    expect(Number(query.remaining)).toBeGreaterThan(0);
    expect(await departmentNames(owner.client)).toEqual(['From the browser']);
    await page.close();
  });

  it('refuses a page of another origin: the browser stops at the preflight and nothing is written', async () => {
    const owner = await createOrgWithOwner(new GraphQLClient(gateway.url));
    const partner = await apiClientFor(owner.client, ['departments:write']);
    // With a token taken outside the browser, the page could write if the preflight let it through.
    const page = await openAt(otherPage.origin);
    const refused = await page.evaluate(
      async ({ gatewayOrigin, token }) => {
        try {
          const response = await fetch(`${gatewayOrigin}/graphql`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ query: 'mutation { createDepartment(input: { name: "From the browser" }) { id } }' }),
          });
          return { ok: true, status: response.status };
        } catch (error) {
          return { ok: false, error: String(error) };
        }
      },
      { gatewayOrigin: new URL(gateway.url).origin, token: partner.token },
    );
    expect(refused).toEqual({ ok: false, error: expect.stringMatching(/TypeError: Failed to fetch/) });
    const { token } = await partnerFlow(page, new URL(gateway.url).origin, partner.clientId, partner.clientSecret);
    expect(token).toEqual({ ok: false, error: expect.stringMatching(/Failed to fetch/) });
    await page.close();
    expect(await departmentNames(owner.client)).toEqual([]);
  });
});
