import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard } from '../scripts/build-dashboard';
import type { Gateway } from '../src/server';
import {
  AcceptInvitationDocument,
  AddMemberDocument,
  CreateDepartmentDocument,
  CreateEnterpriseAccountDocument,
  CreateInviteLinkDocument,
  InvitationDocument,
  RolesDocument,
} from './generated/graphql';
import { launchWithProfile, openPage as openTab } from './support/browser';
import { GraphQLClient } from './support/client';
import { PASSWORD, createOrgWithOwner, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { setVerifiedEmail } from './support/invitations';
import { rawIdOf, sql } from './support/sql-fixtures';

const DESKTOP = { width: 1360, height: 900 };
const ARTIFACTS = join(__dirname, 'artifacts');

/** A new tab (desktop-sized unless told) that fails the test on any uncaught exception or console error. */
const openPage = (browser: BrowserContext, viewport = DESKTOP, languages?: string[]) => openTab(browser, viewport, languages);

function focusedId(page: Page): Promise<string> {
  return page.evaluate('document.activeElement && document.activeElement.id');
}

/** The focused element shows a visible outline (keyboard focus). */
async function expectFocusVisible(page: Page): Promise<void> {
  const outline: string = await page.evaluate('getComputedStyle(document.activeElement).outlineStyle');
  expect(outline).not.toBe('none');
}

/** Nothing wider than the viewport, and the header's items each on one line (no wrapping one character per line). */
async function expectFitsWidth(page: Page, width: number): Promise<void> {
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(width);
  const tallest: number = await page.evaluate(
    `Math.max(...[...document.querySelectorAll('.top > *')].map((e) => e.getBoundingClientRect().height))`,
  );
  expect(tallest).toBeLessThan(48);
}

/**
 * Each string renders as real glyphs in the page's own font: some ink, and different ink for different characters
 * (a missing glyph draws the same empty box for all of them). Also the element's text has a width.
 */
async function expectGlyphs(page: Page, selector: string, characters: string[]): Promise<void> {
  const result = (await page.evaluate(
    `(() => {
      const element = document.querySelector(${JSON.stringify(selector)});
      const style = getComputedStyle(element);
      const canvas = document.createElement('canvas');
      canvas.width = 64; canvas.height = 64;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      const draw = (text) => {
        context.clearRect(0, 0, 64, 64);
        context.font = '40px ' + style.fontFamily;
        context.fillText(text, 4, 48);
        return Array.from(context.getImageData(0, 0, 64, 64).data.filter((_, i) => i % 4 === 3)).join(',');
      };
      const prints = ${JSON.stringify(characters)}.map(draw);
      return { width: element.getBoundingClientRect().width, inked: prints.map((p) => p.split(',').some((a) => a !== '0')), distinct: new Set(prints).size };
    })()`,
  )) as { width: number; inked: boolean[]; distinct: number };
  expect(result.width).toBeGreaterThan(0);
  expect(result.inked.every(Boolean)).toBe(true);
  expect(result.distinct).toBe(characters.length);
}

/** A chart's canvas has been drawn on. */
async function expectDrawn(page: Page, canvasId: string): Promise<void> {
  await page.waitForFunction(
    `(() => { const c = document.getElementById(${JSON.stringify(canvasId)}); if (!c || !c.width) return false;
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; })()`,
  );
}

describe('dashboard views', () => {
  let gateway: Gateway;
  let origin: string;
  let http: GraphQLClient;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    [gateway] = await Promise.all([startTestGateway(), buildDashboard(), mkdir(ARTIFACTS, { recursive: true })]);
    origin = new URL(gateway.url).origin;
    http = new GraphQLClient(gateway.url);
    ({ browser, close: closeBrowser } = await launchWithProfile());
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
  });

  it('signs in by email with the keyboard alone, and by enterprise account changing its initial password', async () => {
    const owner = await createOrgWithOwner(http, 'Harbour Clinic');
    const email = `owner-${randomUUID().slice(0, 8)}@example.com`;
    await setVerifiedEmail(owner.user.id, email);

    const { page, pageErrors } = await openPage(browser);
    await page.goto(`${origin}/dashboard`);
    expect(await focusedId(page)).toBe('sign-in-phone');
    // The method tabs follow the arrow keys; Tab goes on to the fields, Enter submits.
    await page.focus('#sign-in-tab-phone');
    await page.keyboard.press('ArrowRight');
    expect(await focusedId(page)).toBe('sign-in-tab-email');
    expect(await page.getAttribute('#sign-in-tab-email', 'aria-selected')).toBe('true');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('sign-in-email');
    await expectFocusVisible(page);
    await page.keyboard.type(email.toUpperCase());
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('sign-in-password');
    await page.keyboard.type('not the password');
    await page.keyboard.press('Enter');
    await page.locator('#sign-in-status.error').getByText('Wrong sign-in details or password.').waitFor();
    await page.fill('#sign-in-password', PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('#org-name').getByText('Harbour Clinic').waitFor();
    await page.locator('#live-status[data-state="connected"]').waitFor();
    await page.click('#sign-out');
    await page.locator('#sign-in-phone').waitFor();

    // An enterprise account of an admin: org code, login name, the initial password, then its own password.
    const { roles } = await owner.client.ok(RolesDocument);
    const adminRole = roles.find((role) => role.builtin === 'ADMIN')!;
    const { addMember } = await owner.client.ok(AddMemberDocument, { input: { name: 'Sub Admin Zhou', phone: uniquePhone(), roleIds: [adminRole.id] } });
    const loginName = `zhou${randomUUID().slice(0, 6)}`;
    const { createEnterpriseAccount } = await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName });
    await page.click('#sign-in-tab-enterprise');
    await page.fill('#sign-in-org-code', owner.org.code);
    await page.fill('#sign-in-login-name', loginName);
    await page.fill('#sign-in-password', createEnterpriseAccount.initialPassword);
    await page.keyboard.press('Enter');
    await page.locator('#new-password').waitFor();
    expect(await focusedId(page)).toBe('new-password');
    await page.keyboard.type('a brand new secret');
    await page.keyboard.press('Enter');
    await page.locator('#org-name').getByText('Harbour Clinic').waitFor();
    await page.locator('.top .user').getByText('Sub Admin Zhou').waitFor();
    await expectDrawn(page, 'chart-seats'); // an admin sees the charts
    const [row] = await sql<{ must_change_password: boolean }>('select must_change_password from users where id = (select user_id from members where id = $1)', [rawIdOf(addMember.id)]);
    expect(row!.must_change_password).toBe(false);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('searches and filters the directory, invites, imports a CSV with progress, resends and revokes, with live charts', async () => {
    const owner = await createOrgWithOwner(http, 'Riverside Hospital');
    const { createDepartment: sales } = await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Outpatients' } });
    const { createDepartment: lab } = await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Laboratory' } });
    const { addMember: zhang } = await owner.client.ok(AddMemberDocument, {
      input: { name: 'Zhang Wei', phone: uniquePhone(), title: 'Head nurse', departmentIds: [sales.id], managerId: owner.member.id },
    });
    await owner.client.ok(AddMemberDocument, { input: { name: 'Li Lei', phone: uniquePhone(), departmentIds: [lab.id] } });

    const { page, pageErrors } = await openPage(browser);
    await page.goto(`${origin}/dashboard`);
    await page.fill('#sign-in-phone', owner.phone);
    await page.fill('#sign-in-password', PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('#live-status[data-state="connected"]').waitFor();
    for (const chart of ['chart-seats', 'chart-funnel', 'chart-joins']) await expectDrawn(page, chart);
    await page.locator('#members-total').getByText('3 members').waitFor();

    // Search, then member detail with departments, roles and manager.
    await page.fill('#member-search', 'zhang');
    await page.locator('#members-total').getByText('1 members').waitFor();
    await page.locator(`#members li[data-member-id="${zhang.id}"] button`).click();
    const detail = page.locator('#member-detail');
    await detail.getByRole('heading', { name: 'Zhang Wei' }).waitFor();
    expect(await detail.locator('#member-detail-departments').textContent()).toBe('Riverside Hospital / Outpatients');
    expect(await detail.locator('#member-detail-manager').textContent()).toBe('Owner');
    await detail.getByText('Head nurse').waitFor();
    await detail.locator('#member-detail-roles').getByText('Member').waitFor();
    await page.click('#member-detail-close');
    // Filters: a department, a status.
    await page.fill('#member-search', '');
    await page.selectOption('#filter-department', lab.id);
    await page.locator('#members li').filter({ hasText: 'Li Lei' }).waitFor();
    await page.locator('#members-total').getByText('1 members').waitFor();
    await page.selectOption('#filter-department', '');
    await page.selectOption('#filter-status', 'PENDING');
    await page.locator('#members-total').getByText('2 members').waitFor();
    expect(await page.locator('#members li').filter({ hasText: 'Owner' }).count()).toBe(0);
    await page.selectOption('#filter-status', '');

    // Invite one person with the keyboard (Enter submits); it shows in the pending list; resend, then revoke.
    const sentBefore = Number(await page.locator('#funnel-totals li[data-kind="sent"] strong').textContent());
    const phone = uniquePhone();
    await page.fill('#invite-name', 'Wang Fang');
    await page.fill('#invite-contact', phone);
    await page.selectOption('#invite-department', lab.id);
    await page.focus('#invite-contact');
    await page.keyboard.press('Enter');
    const invited = page.locator('#pending li').filter({ hasText: 'Wang Fang' });
    await invited.waitFor();
    const invitationId = (await invited.getAttribute('data-invitation-id'))!;
    await page.locator('#funnel-totals li[data-kind="sent"] strong').getByText(String(sentBefore + 1), { exact: true }).waitFor(); // live
    await invited.getByRole('button', { name: 'Resend' }).click();
    await page.locator('#notice').getByText(/Sent the invitation Wang Fang .* again/).waitFor();
    expect((await owner.client.ok(InvitationDocument, { id: invitationId })).invitation!.sentCount).toBe(2);
    await invited.getByRole('button', { name: 'Revoke' }).click();
    await invited.waitFor({ state: 'detached' });
    expect((await owner.client.ok(InvitationDocument, { id: invitationId })).invitation!.status).toBe('REVOKED');

    const membersBefore = Number((await page.locator('#members-total').textContent())!.replace(/\D/g, ''));
    // A CSV import: the progress bar fills from importProgress, the report names the bad row.
    const rows = Array.from({ length: 40 }, (_, index) => `Imported ${index},${uniquePhone()},Laboratory`);
    rows.splice(7, 0, 'Bad Phone,12345,Laboratory');
    await page.setInputFiles('#import-file', { name: 'people.csv', mimeType: 'text/csv', buffer: Buffer.from(`name,phone,department\n${rows.join('\n')}\n`) });
    await page.click('#import-start');
    await page.locator('#import-result').waitFor();
    await page.locator('#import-summary').getByText('40 added, 0 skipped, 1 failed.').waitFor();
    const progress = page.locator('#import-progress');
    await page.waitForFunction(`Number(document.getElementById('import-progress').dataset.events) > 0`);
    expect(await progress.evaluate((element) => [(element as unknown as { value: number }).value, (element as unknown as { max: number }).max])).toEqual([41, 41]);
    const issues = page.locator('#import-report tbody tr');
    expect(await issues.count()).toBe(1);
    expect(await issues.first().getAttribute('data-row')).toBe('9'); // the header is row 1
    await page.locator('#members-total').getByText(`${membersBefore + 40} members`).waitFor(); // live

    // Someone joins through a link: the joins chart counts them without a reload.
    await page.evaluate('window.notReloaded = true');
    const joinsBefore = Number((await page.locator('#joins-summary').textContent())!.replace(/\D/g, ''));
    const acceptedBefore = Number(await page.locator('#funnel-totals li[data-kind="accepted"] strong').textContent());
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: {} });
    const joiner = await signUpUser(http, 'Chen Jing');
    await joiner.client.ok(AcceptInvitationDocument, { token: createInviteLink.token });
    await page.locator('#joins-summary').getByText(`${joinsBefore + 1} joined`).waitFor();
    await page.locator('#funnel-totals li[data-kind="accepted"] strong').getByText(String(acceptedBefore + 1), { exact: true }).waitFor();
    expect(await page.evaluate('window.notReloaded')).toBe(true);

    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-overview.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
  }, 180_000);

  it('fits 360 and 390 px phones in Chinese, with CJK glyphs rather than empty boxes', async () => {
    const owner = await createOrgWithOwner(http, '海港诊所');
    await owner.client.ok(AddMemberDocument, { input: { name: '林美玲', phone: uniquePhone(), title: '护士长' } });
    for (const width of [360, 390]) {
      const viewport = { width, height: 780 };
      const { page, pageErrors } = await openPage(browser, viewport, ['zh-CN', 'zh']);
      await page.goto(`${origin}/dashboard`);
      await page.locator('#sign-in-submit').getByText('登录').waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
      await expectFitsWidth(page, width);
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-sign-in-${width}.png`), fullPage: true });
      await page.fill('#sign-in-phone', owner.phone);
      await page.fill('#sign-in-password', PASSWORD);
      await page.keyboard.press('Enter');
      await page.locator('#org-name').getByText('海港诊所').waitFor();
      await page.locator('#live-status[data-state="connected"]').getByText('实时').waitFor();
      await page.locator('#members li').filter({ hasText: '林美玲' }).waitFor();
      for (const chart of ['chart-seats', 'chart-funnel', 'chart-joins']) await expectDrawn(page, chart);
      await expectFitsWidth(page, width);
      await expectGlyphs(page, '#org-name', ['海', '港', '诊', '所']);
      await expectGlyphs(page, '#members-title', ['成', '员', '林', '美']);
      await page.screenshot({ path: join(ARTIFACTS, `dashboard-${width}.png`), fullPage: true });
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  }, 120_000);
});
