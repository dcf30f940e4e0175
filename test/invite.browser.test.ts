import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import QRCode from 'qrcode';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDashboard, buildInvitePage } from '../scripts/build-dashboard';
import type { Gateway } from '../src/server';
import {
  AddMemberDocument,
  CreateEnterpriseAccountDocument,
  CreateInviteLinkDocument,
  InvitationDocument,
  InviteLinkQrCodeDocument,
  RevokeInvitationDocument,
  RolesDocument,
  SendInvitationDocument,
} from './generated/graphql';
import { launchWithProfile, openPage as openTab } from './support/browser';
import { GraphQLClient } from './support/client';
import { PASSWORD, createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { signUpVerified, tokenOf } from './support/invitations';
import { latestCodeSentTo, latestMessageTo } from './support/outbox';
import { rawIdOf, sql } from './support/sql-fixtures';

/** The narrowest phone the page is made for. */
const PHONE_VIEWPORT = { width: 360, height: 740 };

/** A new tab (phone-sized unless told) that records uncaught exceptions and console errors: the page must have none. */
const openPage = (browser: BrowserContext, viewport = PHONE_VIEWPORT) => openTab(browser, viewport);

/** Nothing wider than the viewport (no sideways scrolling on a phone), and no id twice (labels, tests and focus rely on them). */
async function expectSoundLayout(page: Page): Promise<void> {
  expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(PHONE_VIEWPORT.width);
  const ids: string[] = await page.evaluate('[...document.querySelectorAll("[id]")].map((element) => element.id)');
  expect(ids.filter((id, index) => ids.indexOf(id) !== index)).toEqual([]);
}

/** The element that has the keyboard focus, by id. */
function focusedId(page: Page): Promise<string> {
  return page.evaluate('document.activeElement && document.activeElement.id');
}

describe('invitation page', () => {
  let gateway: Gateway;
  let origin: string;
  let http: GraphQLClient;
  let browser: BrowserContext;
  let closeBrowser: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    [gateway] = await Promise.all([startTestGateway(), buildDashboard(), buildInvitePage()]);
    origin = new URL(gateway.url).origin;
    http = new GraphQLClient(gateway.url);
    ({ browser, close: closeBrowser } = await launchWithProfile());
  }, 120_000);

  afterAll(async () => {
    await closeBrowser?.();
  });

  it('takes a new person from an invite link QR code to a member, with the keyboard, while the admin watches the join live', async () => {
    const owner = await createOrgWithOwner(http, 'Harbour Clinic');
    const { page: dashboard, pageErrors: dashboardErrors } = await openPage(browser, { width: 1360, height: 820 });
    await dashboard.goto(`${origin}/dashboard`);
    await dashboard.fill('#sign-in-phone', owner.phone);
    await dashboard.fill('#sign-in-password', PASSWORD);
    await dashboard.click('#sign-in-submit');
    await dashboard.locator('#live-status[data-state="connected"]').waitFor();

    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: { maxUses: 5 } });
    const { inviteLinkQrCode } = await owner.client.ok(InviteLinkQrCodeDocument, { id: createInviteLink.invitation.id, format: 'SVG' });
    // The code encodes exactly this URL: the same renderer gives the same SVG for it.
    expect(inviteLinkQrCode.data).toBe(await QRCode.toString(inviteLinkQrCode.url, { errorCorrectionLevel: 'M', margin: 2, type: 'svg' }));
    const linkPath = new URL(inviteLinkQrCode.url).pathname;
    expect(linkPath).toBe(`/invite/${tokenOf(inviteLinkQrCode.url)}`);

    const { page, pageErrors } = await openPage(browser);
    await page.goto(`${origin}${linkPath}`);
    const offer = page.locator('#offer');
    await offer.locator('#org-name').getByText('Harbour Clinic').waitFor();
    await offer.getByText('Owner invites you to join').waitFor();
    expect(await offer.locator('dd').allTextContents()).toEqual(['Member', 'Harbour Clinic', expect.stringMatching(/\d/)]);
    await expectSoundLayout(page);
    await mkdir(join(__dirname, 'artifacts'), { recursive: true });
    await page.screenshot({ path: join(__dirname, 'artifacts', 'invite-offer.png'), fullPage: true });

    // Keyboard only: the first field has the focus, Tab moves on, Enter submits.
    const phone = uniquePhone();
    expect(await focusedId(page)).toBe('sign-up-name');
    await page.keyboard.type('Mei Lin');
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('sign-up-phone');
    await page.keyboard.type(phone);
    await page.keyboard.press('Tab');
    expect(await focusedId(page)).toBe('sign-up-password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');

    await page.locator('#send-phone-code').waitFor();
    expect(await focusedId(page)).toBe('send-phone-code');
    await page.keyboard.press('Enter');
    await page.locator('#phone-code').waitFor();
    await expectSoundLayout(page);
    await page.keyboard.type(await latestCodeSentTo(phone));
    await page.keyboard.press('Enter');

    const accept = page.locator('#accept');
    await accept.waitFor();
    expect(await page.locator('#decline').count()).toBe(0); // a link is not addressed to anyone: nothing to decline
    expect(await focusedId(page)).toBe('accept');
    await page.keyboard.press('Enter');
    const done = page.locator('#done[data-outcome="accepted"]');
    await done.getByText('You\u2019re in').waitFor();
    await done.getByText('Welcome to Harbour Clinic, Mei Lin.').waitFor();
    expect(await page.locator('#open-dashboard').count()).toBe(0); // a plain member: no dashboard to offer
    await expectSoundLayout(page);

    // The admin's dashboard learns it from its subscription.
    await dashboard.locator('#joined li').filter({ hasText: 'Mei Lin' }).waitFor();
    await dashboard.locator('#pending li').filter({ hasText: 'used 1 of 5' }).waitFor();

    await page.screenshot({ path: join(__dirname, 'artifacts', 'invite-accepted.png'), fullPage: true });
    expect(pageErrors).toEqual([]);
    expect(dashboardErrors).toEqual([]);
  }, 120_000);

  it('explains a phone mismatch with the masked number, lets the person switch to it, and opens the dashboard for an admin', async () => {
    const owner = await createOrgWithOwner(http, 'City Hospital');
    const { roles } = await owner.client.ok(RolesDocument);
    const adminRole = roles.find((role) => role.builtin === 'ADMIN')!;
    const invitee = await signUpVerified(http, 'Wang Fang'); // verified, but with another number than the invitation's
    // As if that verification were minutes old: a code to the new number may be asked for at once (one a minute).
    await sql(`update verification_codes set created_at = created_at - interval '2 minutes' where user_id = $1`, [rawIdOf(invitee.userId)]);
    const invitedPhone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: 'Wang Fang', phone: invitedPhone, roleIds: [adminRole.id] } });
    const masked = `+86 139****${invitedPhone.slice(-4)}`;

    const { page, pageErrors } = await openPage(browser);
    await page.goto(`${origin}/invite/${sendInvitation.token}`);
    await page.locator('#offer').getByText(masked).waitFor();
    await page.click('#tab-sign-in');
    await page.fill('#sign-in-phone', invitee.phone);
    await page.fill('#sign-in-password', PASSWORD);
    await page.click('#sign-in-submit');
    await page.click('#accept');
    const mismatch = page.locator('#mismatch');
    await mismatch.getByText(`This invitation was sent to ${masked}`).waitFor();
    expect(await mismatch.textContent()).not.toContain(invitedPhone);
    await expectSoundLayout(page);
    await page.screenshot({ path: join(__dirname, 'artifacts', 'invite-mismatch.png'), fullPage: true });

    await page.fill('#new-phone', invitedPhone);
    await page.click('#change-phone-submit');
    await page.locator('#phone-code').waitFor();
    await page.fill('#phone-code', await latestCodeSentTo(invitedPhone));
    await page.click('#verify-phone-submit');
    await page.click('#accept');
    await page.locator('#done[data-outcome="accepted"]').waitFor();
    await page.click('#open-dashboard');
    await page.locator('#org-name').getByText('City Hospital').waitFor();
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation!.status).toBe('ACCEPTED');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('lets the person a phone invitation names sign up with that number, verify it and decline', async () => {
    const owner = await createOrgWithOwner(http, 'Quiet Ward');
    const phone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: 'Zhao Lei', phone, message: 'We would love to have you' } });
    const { page, pageErrors } = await openPage(browser);
    await page.goto(`${origin}/invite/${sendInvitation.token}`);
    await page.locator('#invite-message').getByText('We would love to have you').waitFor();
    await page.locator('#auth-panel').getByText(`Use the number this invitation was sent to: +86 139****${phone.slice(-4)}.`).waitFor();
    await page.fill('#sign-up-name', 'Zhao Lei');
    await page.fill('#sign-up-phone', phone);
    await page.fill('#sign-up-password', PASSWORD);
    await page.click('#sign-up-submit');
    await page.click('#send-phone-code');
    await page.locator('#phone-code').waitFor();
    await page.fill('#phone-code', await latestCodeSentTo(phone));
    await page.click('#verify-phone-submit');
    await page.click('#decline');
    await page.locator('#done[data-outcome="declined"]').getByText('Invitation declined').waitFor();
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation!.status).toBe('DECLINED');
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('lets an enterprise account change its initial password, verify the invited email address and join', async () => {
    const issuer = await createOrgWithOwner(http, 'Issuing Hospital');
    const { addMember } = await issuer.client.ok(AddMemberDocument, { input: { name: 'Li Na', phone: uniquePhone() } });
    const loginName = `li${randomUUID().slice(0, 6)}`;
    const { createEnterpriseAccount } = await issuer.client.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName });
    const inviter = await createOrgWithOwner(http, 'Partner Clinic');
    const email = `li.na.${randomUUID().slice(0, 8)}@example.org`;
    const { sendInvitation } = await inviter.client.ok(SendInvitationDocument, { input: { name: 'Li Na', email } });

    const { page, pageErrors } = await openPage(browser);
    await page.goto(`${origin}/invite/${sendInvitation.token}`);
    await page.locator('#offer').getByText('l***@example.org').waitFor();
    // The sign-in tabs follow the arrow keys.
    await page.locator('#tab-sign-up').focus();
    await page.keyboard.press('ArrowLeft');
    expect(await focusedId(page)).toBe('tab-enterprise');
    await page.fill('#enterprise-org', issuer.org.code);
    await page.fill('#enterprise-login', loginName);
    await page.fill('#enterprise-password', createEnterpriseAccount.initialPassword);
    await page.click('#enterprise-submit');

    await page.fill('#new-password', PASSWORD);
    await page.click('#change-password-submit');
    await page.locator('#email-address').waitFor();
    await expectSoundLayout(page);
    await page.fill('#email-address', email);
    await page.click('#send-email-code');
    await page.locator('#email-code').waitFor();
    const message = await latestMessageTo(email);
    expect(message?.template).toBe('EMAIL_VERIFICATION');
    await page.fill('#email-code', String(message!.payload.code));
    await page.click('#verify-email-submit');
    await page.click('#accept');
    await page.locator('#done[data-outcome="accepted"]').getByText('Welcome to Partner Clinic, Li Na.').waitFor();
    await expectSoundLayout(page);
    expect(pageErrors).toEqual([]);
  }, 120_000);

  it('speaks the viewer’s language: navigator.languages, else Accept-Language, from locales/*/invite.json', async () => {
    const messages = async (query: string, acceptLanguage?: string) =>
      (await (await fetch(`${origin}/invite/assets/messages.json${query}`, { headers: acceptLanguage ? { 'accept-language': acceptLanguage } : {} })).json()) as {
        locale: string;
        messages: Record<string, string>;
      };
    expect((await messages('?lang=ja-JP,en-US')).locale).toBe('ja');
    expect((await messages('?lang=fr-FR', 'zh-TW,zh;q=0.9')).locale).toBe('zh-TW');
    expect((await messages('', 'de')).locale).toBe('en');
    const zh = await messages('?lang=zh-CN');
    expect(zh.messages['dead.heading']).toBe('该邀请已无法使用');

    const owner = await createOrgWithOwner(http, '朝阳区卫生健康委员会');
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: '张三', phone: uniquePhone() } });
    for (const [languages, offerText, deadText] of [
      [['zh-CN', 'zh'], 'Owner邀请你加入', '该邀请已无法使用'],
      [['ja-JP', 'ja'], 'Owner さんからの招待', 'この招待はもう使えません'],
    ] as const) {
      const { page, pageErrors } = await openPage(browser);
      await page.addInitScript(`Object.defineProperty(navigator, 'languages', { get: () => ${JSON.stringify(languages)} })`);
      await page.goto(`${origin}/invite/${sendInvitation.token}`);
      await page.locator('#offer').getByText(offerText).waitFor();
      expect(await page.evaluate('document.documentElement.lang')).toBe(languages[0] === 'ja-JP' ? 'ja' : 'zh-CN');
      await page.goto(`${origin}/invite/not-a-token`);
      await page.locator('#dead').getByText(deadText).waitFor();
      await expectSoundLayout(page);
      expect(pageErrors).toEqual([]);
      await page.close();
    }
  }, 60_000);

  it('shows one neutral page for an unknown and for a revoked token, the same page for both', async () => {
    const owner = await createOrgWithOwner(http, 'Closed Doors');
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name: 'Gone', phone: uniquePhone() } });
    await owner.client.ok(RevokeInvitationDocument, { id: sendInvitation.invitation.id });

    // Over HTTP every token gets the same bytes: the page asks the API, the address answers nothing.
    const [revokedHttp, unknownHttp] = await Promise.all([fetch(`${origin}/invite/${sendInvitation.token}`), fetch(`${origin}/invite/not-a-token`)]);
    expect(revokedHttp.status).toBe(200);
    expect(revokedHttp.headers.get('cache-control')).toBe('no-store');
    expect(revokedHttp.headers.get('referrer-policy')).toBe('no-referrer');
    expect(revokedHttp.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await revokedHttp.text()).toBe(await unknownHttp.text());

    const texts: string[] = [];
    for (const token of [sendInvitation.token, 'not-a-token']) {
      const { page, pageErrors } = await openPage(browser);
      await page.goto(`${origin}/invite/${token}`);
      await page.locator('#dead').getByText('This invitation can no longer be used').waitFor();
      expect(await page.locator('#offer').count()).toBe(0);
      await expectSoundLayout(page);
      texts.push(await page.locator('body').innerText());
      expect(pageErrors).toEqual([]);
      await page.close();
    }
    expect(texts[0]).toBe(texts[1]);
  }, 60_000);
});
