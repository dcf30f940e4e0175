import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  ChangeMyPhoneDocument,
  MyNotificationsDocument,
  RequestPhoneVerificationDocument,
  SendInvitationDocument,
  SignUpDocument,
  UpdateMyPreferencesDocument,
  UpdateOrgLocaleDocument,
} from './generated/graphql';
import { renderMessage } from '../src/modules/outbox';
import { translate } from '../src/i18n';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { invitationMessagesTo, setVerifiedEmail, signUpVerified } from './support/invitations';
import { latestMessageTo, type OutboxRow } from './support/outbox';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

/** `2026年12月9日 18:00 (UTC+8)`-style parts of a moment in a zone, computed apart from the catalogues. */
function dateIn(locale: string, timeZone: string, iso: string): { day: string; clock: string } {
  const at = new Date(iso);
  return {
    day: new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', timeZone }).format(at),
    clock: new Intl.DateTimeFormat(locale, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone }).format(at),
  };
}

/** What the dispatcher sends for an outbox row (invitation rows are read without their template). */
const rendered = (row: { channel: OutboxRow['channel']; template?: string; payload: Record<string, unknown> }) =>
  renderMessage({ channel: row.channel, template: row.template ?? 'INVITATION', payload: row.payload });
const uniqueEmail = () => `invitee-${Math.random().toString(36).slice(2, 10)}@example.jp`;

describe('messages the system writes, in the recipient’s language and time zone', () => {
  it('writes an invitation email in Japanese, with the expiry in the invitee’s zone; unknown invitees get the org’s defaults', async () => {
    const org = await createOrgWithOwner(client, '渋谷支社');
    const invitee = await signUpVerified(client, '山田太郎');
    const email = uniqueEmail();
    await setVerifiedEmail(invitee.userId, email);
    await invitee.client.ok(UpdateMyPreferencesDocument, { input: { locale: 'ja', timeZone: 'Asia/Tokyo' } });

    // The inviter's own language says nothing about the invitee's.
    const { sendInvitation } = await org.client.withHeaders({ 'accept-language': 'en-US' }).ok(SendInvitationDocument, {
      input: { name: '山田太郎', email, message: 'よろしくお願いします' },
    });
    const [row] = await invitationMessagesTo(email);
    expect(row).toMatchObject({ channel: 'EMAIL', payload: { locale: 'ja', timeZone: 'Asia/Tokyo', url: sendInvitation.url } });
    const expiresAt = sendInvitation.invitation.expiresAt as string;
    // The API keeps ISO-8601 UTC.
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    const { day, clock } = dateIn('ja', 'Asia/Tokyo', expiresAt);
    expect(day).toMatch(/^\d{4}年\d{1,2}月\d{1,2}日$/);
    const { subject, text } = rendered(row!);
    expect(subject).toBe('Orggraph で 渋谷支社 に参加しましょう');
    expect(text).toContain(`Owner さんが Orggraph の 渋谷支社 にあなたを招待しています：${sendInvitation.url}`);
    expect(text).toContain(`招待の有効期限：${day} ${clock} (UTC+9)`);
    expect(text).toContain('「よろしくお願いします」');

    // Someone without an account: the org's default language and zone.
    await org.client.ok(UpdateOrgLocaleDocument, { input: { locale: 'zh-TW', timeZone: 'Asia/Taipei' } });
    const stranger = uniqueEmail();
    const sent = await org.client.ok(SendInvitationDocument, { input: { name: '陳小明', email: stranger } });
    const [strangerRow] = await invitationMessagesTo(stranger);
    expect(strangerRow!.payload).toMatchObject({ locale: 'zh-TW', timeZone: 'Asia/Taipei' });
    const taipei = dateIn('zh-TW', 'Asia/Taipei', sent.sendInvitation.invitation.expiresAt as string);
    expect(rendered(strangerRow!).text).toContain(`邀請有效期限至 ${taipei.day} ${taipei.clock} (UTC+8)`);
  });

  it('writes invitation and verification SMS in Simplified Chinese, and the invitation notification in the invitee’s language', async () => {
    const org = await createOrgWithOwner(client, 'Chaoyang Health Commission');
    const invitee = await signUpVerified(client, '张三丰');
    await invitee.client.ok(UpdateMyPreferencesDocument, { input: { locale: 'zh-CN', timeZone: 'Asia/Shanghai' } });
    const { sendInvitation } = await org.client.ok(SendInvitationDocument, { input: { name: '张三丰', phone: invitee.phone, message: '欢迎加入' } });
    const sms = (await invitationMessagesTo(invitee.phone)).at(-1)!;
    expect(sms).toMatchObject({ channel: 'SMS', payload: { locale: 'zh-CN', timeZone: 'Asia/Shanghai' } });
    const shanghai = dateIn('zh-CN', 'Asia/Shanghai', sendInvitation.invitation.expiresAt as string);
    expect(rendered(sms).text).toBe(
      `【Orggraph】Owner邀请你加入Chaoyang Health Commission：${sendInvitation.url}（有效期至 ${shanghai.day} ${shanghai.clock} UTC+8）`,
    );

    // The invitee's notification, in their language and zone.
    const { myNotifications } = await invitee.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'INVITATION' } });
    const notification = myNotifications.edges[0]!.node.notification;
    expect(notification.title).toBe('邀请你加入Chaoyang Health Commission');
    expect(notification.body).toBe(`Owner邀请你加入Chaoyang Health Commission。邀请有效期至 ${shanghai.day} ${shanghai.clock} (UTC+8)。\n\n欢迎加入`);

    // Another invitee of another language gets their own text for the same kind of event.
    const tokyo = await signUpVerified(client, '佐藤花子');
    await tokyo.client.ok(UpdateMyPreferencesDocument, { input: { locale: 'ja', timeZone: 'Asia/Tokyo' } });
    const second = await org.client.ok(SendInvitationDocument, { input: { name: '佐藤花子', phone: tokyo.phone } });
    const tokyoDate = dateIn('ja', 'Asia/Tokyo', second.sendInvitation.invitation.expiresAt as string);
    const tokyoNote = (await tokyo.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'INVITATION' } })).myNotifications.edges[0]!.node.notification;
    expect(tokyoNote).toMatchObject({
      title: 'Chaoyang Health Commission への招待',
      body: `Owner さんが Chaoyang Health Commission に招待しています。有効期限：${tokyoDate.day} ${tokyoDate.clock} (UTC+9)`,
    });

    // A verification code asked for from a Chinese client, by someone who saved nothing.
    const phone = uniquePhone();
    const { signUp } = await client.ok(SignUpDocument, { input: { phone, name: '李白', password: PASSWORD } });
    await client.as(signUp.token).withHeaders({ 'accept-language': 'zh-CN,zh;q=0.9,en;q=0.5' }).ok(RequestPhoneVerificationDocument);
    const code = (await latestMessageTo(phone))!;
    expect(code.payload.locale).toBe('zh-CN');
    expect(rendered(code).text).toBe(`【Orggraph】你的验证码是 ${code.payload.code}，10 分钟内有效。`);
  });
});

describe('numbers that must receive an SMS', () => {
  const BEIJING_FIXED_LINE = '+861062345678';
  const TOKYO_FIXED_LINE = '+81312345678';

  it('refuses fixed-line numbers for phone invitations and phone verification, with a localized message; members keep any valid number', async () => {
    const org = await createOrgWithOwner(client, 'Fixed lines');
    const zh = org.client.withHeaders({ 'accept-language': 'zh-CN' });
    for (const phone of [BEIJING_FIXED_LINE, TOKYO_FIXED_LINE, '010 6234 5678']) {
      const refused = await zh.request(SendInvitationDocument, { input: { name: '王小明', phone } });
      expect(errorCode(refused), phone).toBe('BAD_USER_INPUT');
      expect(refused.errors![0]!.extensions!.field).toBe('phone');
    }
    const refused = await zh.request(SendInvitationDocument, { input: { name: '王小明', phone: BEIJING_FIXED_LINE } });
    expect(refused.errors![0]!.message).toBe(translate('zh-CN', 'errors.phoneNotMobile', { phone: BEIJING_FIXED_LINE }));
    expect(refused.errors![0]!.message).toContain('不是手机号码');
    // Mobile numbers of the seeds' markets go through, national or E.164.
    for (const phone of [uniquePhone(), '+819012345678', '+886912345678', '+85291234567']) {
      expect(errorCode(await org.client.request(SendInvitationDocument, { input: { name: 'Mobile', phone } })), phone).toBeUndefined();
    }
    // A member's phone (a desk phone is fine there) keeps working as before.
    expect(errorCode(await org.client.request(AddMemberDocument, { input: { name: '前台', phone: BEIJING_FIXED_LINE } }))).toBeUndefined();

    const user = await signUpVerified(client, 'Verifier');
    const ja = await user.client.withHeaders({ 'accept-language': 'ja' }).request(ChangeMyPhoneDocument, { phone: TOKYO_FIXED_LINE });
    expect([errorCode(ja), ja.errors![0]!.message]).toEqual(['BAD_USER_INPUT', translate('ja', 'errors.phoneNotMobile', { phone: TOKYO_FIXED_LINE })]);
    // An account signed up with a fixed line cannot get a code sent to it.
    const { signUp } = await client.ok(SignUpDocument, { input: { phone: TOKYO_FIXED_LINE.replace('1234', String(Math.floor(1000 + Math.random() * 8999))), name: 'Desk', password: PASSWORD } });
    expect(errorCode(await client.as(signUp.token).request(RequestPhoneVerificationDocument))).toBe('BAD_USER_INPUT');
  });
});
