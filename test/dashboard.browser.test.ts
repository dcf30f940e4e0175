import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../scripts/build-dashboard';
import type { Gateway } from '../src/server';
import {
  AcceptInvitationDocument,
  CreateDepartmentDocument,
  CreateInviteLinkDocument,
  CreateOrgDocument,
  InvitationDocument,
  SendInvitationDocument,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { PASSWORD, createOrgWithOwner, signUpUser, uniqueOrgCode, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { tokenOf } from './support/invitations';

/** Debian's Chromium (scripts/ensure-chromium.sh installs it); playwright-core downloads no browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const SCREENSHOT = join(__dirname, 'artifacts', 'dashboard.png');
/** Generous for a 2-core machine shared with other test files, but bounded. */
const UI_TIMEOUT_MS = 20_000;

/** A new tab that records uncaught exceptions and console errors, except those `expected` matches. */
async function openPage(browser: BrowserContext, expected?: RegExp): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !expected?.test(message.text())) pageErrors.push(message.text());
  });
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  return { page, pageErrors };
}

async function signIn(page: Page, gateway: Gateway, phone: string): Promise<void> {
  await page.goto(`${new URL(gateway.url).origin}/dashboard`);
  await page.fill('#sign-in-phone', phone);
  await page.fill('#sign-in-password', PASSWORD);
  await page.click('#sign-in-submit');
}

describe('admin dashboard', () => {
  let gateway: Gateway;
  let http: GraphQLClient;
  let browser: BrowserContext;
  let profileDir: string;

  beforeAll(async () => {
    [gateway] = await Promise.all([startTestGateway(), buildDashboard()]);
    http = new GraphQLClient(gateway.url);
    profileDir = await mkdtemp(join(tmpdir(), 'orggraph-chromium-'));
    browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      args: CHROMIUM_ARGS,
      viewport: { width: 1360, height: 820 },
      timeout: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (profileDir) await rm(profileDir, { recursive: true, force: true });
  });

  it('serves the built page with a strict content security policy, and nothing outside its folder', async () => {
    const origin = new URL(gateway.url).origin;
    const page = await fetch(`${origin}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(await page.text()).toContain('/dashboard/dashboard.js');
    const script = await fetch(`${origin}/dashboard/dashboard.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    for (const path of ['/dashboard/..%2Fpackage.json', '/dashboard/%2E%2E/%2E%2E/package.json', '/dashboard/missing.js', '/dashboard/index.ts']) {
      expect((await fetch(`${origin}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${origin}/dashboard`, { method: 'POST' })).status).toBe(405);
  });

  it('signs an admin in, picks the org, and shows a member joining through an invite link without reloading', async () => {
    // The admin owns two orgs: the token from logIn selects the first, the dashboard must offer the second.
    const owner = await createOrgWithOwner(http, 'Harbour Clinic');
    const { createOrg } = await owner.client.ok(CreateOrgDocument, { input: { name: 'Harbour Health Commission', code: uniqueOrgCode() } });
    const admin = http.as(createOrg.token);
    const { createDepartment: hospitals } = await admin.ok(CreateDepartmentDocument, { input: { name: 'Hospitals' } });
    const { createDepartment: cityHospital } = await admin.ok(CreateDepartmentDocument, { input: { name: 'City Hospital', parentId: hospitals.id } });
    await admin.ok(CreateDepartmentDocument, { input: { name: 'Cardiology', parentId: cityHospital.id } });
    await admin.ok(CreateDepartmentDocument, { input: { name: 'Community Clinics' } });

    const { page, pageErrors } = await openPage(browser);
    await signIn(page, gateway, owner.phone);

    await page.waitForSelector('#org-select');
    await page.selectOption('#org-select', createOrg.org.id);
    const tree = page.locator('#tree');
    await tree.getByText('City Hospital').waitFor();
    await tree.getByText('Community Clinics').waitFor();
    await page.locator('#live-status[data-state="connected"]').waitFor();
    expect(await page.locator('#org-select').inputValue()).toBe(createOrg.org.id);
    // The tree comes three levels at a time; deeper ones load on demand.
    expect(await tree.getByText('Cardiology').count()).toBe(0);
    await tree.locator(`li[data-department-id="${cityHospital.id}"] > .department button.toggle`).click();
    await tree.getByText('Cardiology').waitFor();
    const rootCount = page.locator(`#tree li[data-department-id="${createOrg.org.rootDepartment.id}"] > .department .count`);
    expect(await rootCount.textContent()).toBe('1'); // the owner

    // Someone else invites a person: the invitation appears live (which also shows the page is subscribed).
    const { sendInvitation } = await admin.ok(SendInvitationDocument, { input: { name: 'Revoke Me', phone: uniquePhone() } });
    const invited = page.locator(`#pending li[data-invitation-id="${sendInvitation.invitation.id}"]`);
    await invited.getByText('Revoke Me').waitFor();
    await invited.getByRole('button', { name: 'Revoke' }).click();
    await invited.waitFor({ state: 'detached' });
    const { invitation: revoked } = await admin.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(revoked!.status).toBe('REVOKED');

    // An invite link with its QR code.
    await page.fill('#link-max-uses', '5');
    await page.click('#create-link');
    const qrImage = page.locator('#qr-image');
    await qrImage.waitFor();
    expect(await qrImage.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    expect(await qrImage.evaluate((image) => (image as unknown as { naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);
    const linkUrl = await page.locator('#qr-url').inputValue();
    expect(linkUrl).toMatch(/\/invite\//);
    await page.locator('#pending li').filter({ hasText: 'used 0 of 5' }).waitFor();

    // Another session accepts through the link; the page learns it from its subscription, without a reload.
    await page.evaluate('window.notReloaded = true');
    const quotaBefore = await page.locator('#quota').textContent();
    const joiner = await signUpUser(http, 'Mei Lin');
    const { acceptInvitation } = await joiner.client.ok(AcceptInvitationDocument, { token: tokenOf(linkUrl) });
    await page.locator(`#joined li[data-member-id="${acceptInvitation.member.id}"]`).getByText('Mei Lin').waitFor();
    await rootCount.filter({ hasText: /^3$/ }).waitFor(); // the owner, the PENDING member of the revoked invitation, Mei Lin
    await page.locator('#pending li').filter({ hasText: 'used 1 of 5' }).waitFor();
    await page.waitForFunction(`document.querySelector('#quota').textContent !== ${JSON.stringify(quotaBefore)}`);
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(await tree.getByText('Cardiology').count()).toBe(1); // still open after the live refresh

    await mkdir(join(__dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 120_000);

  // Last: it restarts the gateway.
  it('catches up after the gateway restarts: a member who joined while it was down still appears', async () => {
    const owner = await createOrgWithOwner(http, 'Night Shift Clinic');
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: {} });
    // While the gateway is down the browser fails to reconnect, and says so in the console.
    const { page, pageErrors } = await openPage(browser, /WebSocket connection to .* failed|ERR_CONNECTION_REFUSED/);
    await signIn(page, gateway, owner.phone);
    await page.locator('#org-name').getByText('Night Shift Clinic').waitFor();
    await page.locator('#live-status[data-state="connected"]').waitFor();
    // An event before the outage gives the page a position in the org's event log.
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: 'Before The Outage', phone: uniquePhone() } });
    await page.locator(`#pending li[data-invitation-id="${sendInvitation.invitation.id}"]`).waitFor();
    await page.evaluate('window.notReloaded = true');

    const port = gateway.port;
    await gateway.close();
    await page.locator('#live-status[data-state="closed"]').waitFor();
    // Someone joins through another instance meanwhile (same database and Redis).
    const other = await startTestGateway();
    const joiner = await signUpUser(new GraphQLClient(other.url), 'Late Joiner');
    const { acceptInvitation } = await joiner.client.ok(AcceptInvitationDocument, { token: createInviteLink.token });

    gateway = await startTestGateway({ port });
    await page.locator('#live-status[data-state="connected"]').waitFor();
    await page.locator(`#joined li[data-member-id="${acceptInvitation.member.id}"]`).getByText('Late Joiner').waitFor();
    await page.locator('#quota').getByText('3 of').waitFor(); // the owner, the invited PENDING member, Late Joiner: read again on reconnect
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    expect(pageErrors).toEqual([]);
  }, 120_000);
});
