import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  CreateOrgDocument,
  DeleteDepartmentDocument,
  RemoveMemberDocument,
  SendInvitationDocument,
  SendNotificationDocument,
  SignUpDocument,
  TransferContactsDocument,
  UpdateMyPreferencesDocument,
  UpdateOrgLocaleDocument,
  ViewerLocaleDocument,
} from './generated/graphql';
import { translate } from '../src/i18n';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser, uniquePhone } from './support/factories';
import { csv, postImport } from './support/imports';
import { seedActiveMember } from './support/seed-member';
import { startTestGateway } from './support/gateway';
import { wsCode, wsOperation } from './support/ws';

let url: string;
let client: GraphQLClient;
beforeAll(async () => {
  url = (await startTestGateway()).url;
  client = new GraphQLClient(url);
});

const message = (result: { errors?: readonly { message: string }[] }) => result.errors?.[0]?.message;
const BAD_ZONE = 'Mars/Olympus';
const badZone = { input: { timeZone: BAD_ZONE } };

describe('error messages over HTTP', () => {
  it('are written in the language of Accept-Language; extensions.code stays the same', async () => {
    const expected: Array<[string | null, string]> = [
      ['ja-JP,ja;q=0.9,en;q=0.8', '先にサインインしてください'],
      ['zh-CN,zh;q=0.9', '请先登录'],
      ['zh-Hant-TW', '請先登入'],
      ['fr-FR, de;q=0.5', 'Sign in first'],
      [null, 'Sign in first'],
    ];
    for (const [acceptLanguage, text] of expected) {
      const result = await (acceptLanguage ? client.withHeaders({ 'accept-language': acceptLanguage }) : client).request(ViewerLocaleDocument);
      expect({ acceptLanguage, code: errorCode(result), message: message(result) }).toEqual({ acceptLanguage, code: 'UNAUTHENTICATED', message: text });
    }
  });

  it('follow the saved locale before Accept-Language, then the org default; preferences are validated', async () => {
    const { client: user } = await signUpUser(client, 'Lin');
    // Nothing saved yet: Accept-Language decides.
    const before = await user.withHeaders({ 'accept-language': 'ja' }).request(UpdateMyPreferencesDocument, badZone);
    expect([errorCode(before), message(before)]).toEqual(['BAD_USER_INPUT', translate('ja', 'errors.invalidTimeZone', { value: BAD_ZONE })]);
    expect(message(before)).toContain('タイムゾーン');

    const { updateMyPreferences } = await user.ok(UpdateMyPreferencesDocument, { input: { locale: 'zh-TW', timeZone: 'Asia/Taipei' } });
    expect(updateMyPreferences).toMatchObject({ locale: 'zh-TW', timeZone: 'Asia/Taipei' });
    const saved = await user.withHeaders({ 'accept-language': 'ja' }).request(UpdateMyPreferencesDocument, badZone);
    expect([errorCode(saved), message(saved)]).toEqual(['BAD_USER_INPUT', translate('zh-TW', 'errors.invalidTimeZone', { value: BAD_ZONE })]);
    expect(message(saved)).toContain('時區');

    // Unsupported locales and offsets are refused; tags are read as the nearest locale; null clears.
    for (const input of [{ locale: 'fr' }, { locale: 'klingon-xx' }, { timeZone: '+08:00' }, { timeZone: 'CST' }]) {
      expect(errorCode(await user.request(UpdateMyPreferencesDocument, { input })), JSON.stringify(input)).toBe('BAD_USER_INPUT');
    }
    expect((await user.ok(UpdateMyPreferencesDocument, { input: { locale: 'ja-JP' } })).updateMyPreferences.locale).toBe('ja');
    expect((await user.ok(UpdateMyPreferencesDocument, { input: { locale: 'zh_Hans' } })).updateMyPreferences.locale).toBe('zh-CN');
    expect((await user.ok(UpdateMyPreferencesDocument, { input: { locale: null } })).updateMyPreferences).toMatchObject({ locale: null, timeZone: 'Asia/Taipei' });
    expect((await user.ok(ViewerLocaleDocument)).viewer.user).toMatchObject({ locale: null, timeZone: 'Asia/Taipei' });

    // The org's default applies to whoever saved nothing and asks for nothing we speak.
    const owner = await createOrgWithOwner(client, 'Tokyo Branch');
    const { updateOrgSettings } = await owner.client.ok(UpdateOrgLocaleDocument, { input: { locale: 'ja', timeZone: 'Asia/Tokyo' } });
    expect(updateOrgSettings.settings).toEqual({ locale: 'ja', timeZone: 'Asia/Tokyo' });
    expect(message(await owner.client.request(UpdateMyPreferencesDocument, badZone))).toBe(translate('ja', 'errors.invalidTimeZone', { value: BAD_ZONE }));
    expect(message(await owner.client.withHeaders({ 'accept-language': 'fr' }).request(UpdateMyPreferencesDocument, badZone))).toBe(
      translate('ja', 'errors.invalidTimeZone', { value: BAD_ZONE }),
    );
    expect(message(await owner.client.withHeaders({ 'accept-language': 'zh-CN' }).request(UpdateMyPreferencesDocument, badZone))).toBe(
      translate('zh-CN', 'errors.invalidTimeZone', { value: BAD_ZONE }),
    );
    expect(errorCode(await owner.client.request(UpdateOrgLocaleDocument, { input: { timeZone: 'Asia/Nowhere' } }))).toBe('BAD_USER_INPUT');
  });
});

describe('error messages of the feature modules', () => {
  const field = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.field;

  it('are written in Japanese and Simplified Chinese for orgs, departments, members and invitations; code and field unchanged', async () => {
    const owner = await createOrgWithOwner(client, 'Localized Org');
    const ja = owner.client.withHeaders({ 'accept-language': 'ja' });
    const zh = owner.client.withHeaders({ 'accept-language': 'zh-CN' });
    const cases = [
      {
        request: (as: GraphQLClient) => as.request(CreateOrgDocument, { input: { name: 'Bad Code', code: 'X!' } }),
        code: 'BAD_USER_INPUT', field: 'code', key: 'errors.invalidOrgCode',
        english: 'code must be 2 to 32 lower-case letters, digits or hyphens', ja: '英小文字', zh: '小写字母',
      },
      {
        request: (as: GraphQLClient) => as.request(DeleteDepartmentDocument, { id: owner.org.rootDepartment.id }),
        code: 'BAD_USER_INPUT', field: 'id', key: 'errors.rootCannotDelete',
        english: 'The root department cannot be deleted', ja: 'ルート部署は削除できません', zh: '根部门不能删除',
      },
      {
        request: (as: GraphQLClient) => as.request(RemoveMemberDocument, { input: { id: owner.member.id, mode: 'DELETE' } }),
        code: 'BAD_USER_INPUT', field: 'id', key: 'errors.cannotRemoveSelf',
        english: 'You cannot remove yourself', ja: 'ご自身を削除することはできません', zh: '不能移除自己',
      },
      {
        request: (as: GraphQLClient) => as.request(SendInvitationDocument, { input: { name: 'Nobody' } }),
        code: 'BAD_USER_INPUT', field: 'phone', key: 'errors.exactlyOnePhoneOrEmail',
        english: 'Give exactly one of phone and email', ja: 'どちらか一方だけ', zh: '必须且只能提供一个',
      },
    ] as const;
    for (const each of cases) {
      const english = await each.request(owner.client);
      expect([errorCode(english), field(english), message(english)], each.key).toEqual([each.code, each.field, each.english]);
      const inJapanese = await each.request(ja);
      expect([errorCode(inJapanese), field(inJapanese), message(inJapanese)], each.key).toEqual([each.code, each.field, translate('ja', each.key)]);
      expect(message(inJapanese)).toContain(each.ja);
      const inChinese = await each.request(zh);
      expect([errorCode(inChinese), field(inChinese), message(inChinese)], each.key).toEqual([each.code, each.field, translate('zh-CN', each.key)]);
      expect(message(inChinese)).toContain(each.zh);
    }
  });

  it('render their arguments in every language: a department that still has members', async () => {
    const owner = await createOrgWithOwner(client, 'Busy Root');
    const refused = await owner.client.withHeaders({ 'accept-language': 'ja' }).request(CreateOrgDocument, { input: { name: 'Taken', code: owner.org.code } });
    expect([errorCode(refused), field(refused), message(refused)]).toEqual(['CONFLICT', 'code', `組織コード「${owner.org.code}」はすでに使われています`]);
    const inChinese = await owner.client.withHeaders({ 'accept-language': 'zh-CN' }).request(CreateOrgDocument, { input: { name: 'Taken', code: owner.org.code } });
    expect(message(inChinese)).toBe(`组织代码“${owner.org.code}”已被使用`);
    expect(translate('en', 'errors.departmentNotEmpty', { name: 'Ops', children: 1, members: 2, both: 'yes' })).toBe('"Ops" still has 1 child department and 2 members; move or remove them first');
    expect(translate('en', 'errors.departmentNotEmpty', { name: 'Ops', children: 0, members: 1, both: 'no' })).toBe('"Ops" still has 1 member; move or remove them first');
    expect(translate('ja', 'errors.departmentNotEmpty', { name: 'Ops', children: 2, members: 3, both: 'yes' })).toBe('「Ops」には2 件の下位部署と3 人のメンバーがまだあります。先に移動または削除してください');
    expect(translate('zh-CN', 'errors.lastOwner', { verb: 'remove' })).toBe('不能移除组织的最后一位所有者');
  });
});

describe('error messages of the policy, password rules and import reports', () => {
  const field = (result: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => result.errors?.[0]?.extensions?.field;

  it('a FORBIDDEN of the policy module is written in Japanese; its code stays FORBIDDEN', async () => {
    const owner = await createOrgWithOwner(client, 'Policy Org');
    const member = await seedActiveMember(client, owner.org.id, { name: '佐藤' });
    const send = (as: GraphQLClient) => as.request(SendNotificationDocument, { input: { title: 'お知らせ', body: '本文', audience: { memberIds: [owner.member.id] } } });
    const english = await send(member.client);
    expect([errorCode(english), message(english)]).toEqual([
      'FORBIDDEN',
      'No permission: sending notifications requires an admin or sub-admin role, or a role granting NOTIFICATIONS CREATE',
    ]);
    const inJapanese = await send(member.client.withHeaders({ 'accept-language': 'ja' }));
    expect([errorCode(inJapanese), message(inJapanese)]).toEqual(['FORBIDDEN', translate('ja', 'errors.sendNotificationsPermission')]);
    expect(message(inJapanese)).toContain('権限がありません');
    expect(message(inJapanese)).toContain('通知の送信');
  });

  it('the reasons a contact hand-over skips a contact are written in the reader\'s language too', async () => {
    const owner = await createOrgWithOwner(client, 'Hand-over Org');
    const receiver = await seedActiveMember(client, owner.org.id, { name: '受取' });
    const input = { fromMemberId: owner.member.id, toMemberId: receiver.memberId, dryRun: true, contactIds: ['garbage'] };
    const skipped = async (as: GraphQLClient) => (await as.ok(TransferContactsDocument, { input })).transferContacts.contacts.map((c) => [c.reason, c.message]);
    expect(await skipped(owner.client)).toEqual([['NOT_FOUND', 'No such contact']]);
    expect(await skipped(owner.client.withHeaders({ 'accept-language': 'ja' }))).toEqual([['NOT_FOUND', '該当する連絡先がありません']]);
  });

  it('a password rule refusal is written in Japanese: "at least 8 characters" in each language', async () => {
    const signUp = (as: GraphQLClient) => as.request(SignUpDocument, { input: { phone: uniquePhone(), name: 'Short', password: 'short' } });
    const english = await signUp(client);
    expect([errorCode(english), field(english), message(english)]).toEqual(['BAD_USER_INPUT', 'password', 'Password must have at least 8 characters']);
    const inJapanese = await signUp(client.withHeaders({ 'accept-language': 'ja-JP' }));
    expect([errorCode(inJapanese), field(inJapanese), message(inJapanese)]).toEqual(['BAD_USER_INPUT', 'password', 'パスワードは 8 文字以上にしてください']);
    expect(translate('zh-CN', 'errors.passwordTooShort', { min: 8 })).toBe('密码至少需要 8 个字符');
    expect(translate('zh-TW', 'errors.passwordTooShort', { min: 8 })).toBe('密碼至少需要 8 個字元');
    expect(translate('en', 'errors.passwordTooLong', { max: 200 })).toBe('Password must have at most 200 characters');
  });

  it('an import report is written in the importer\'s saved locale (Simplified Chinese), codes unchanged; so is a refused upload', async () => {
    const owner = await createOrgWithOwner(client, 'Import Org');
    await owner.client.ok(UpdateMyPreferencesDocument, { input: { locale: 'zh-CN' } });
    const file = csv(['name', 'phone', 'department'], [
      ['', uniquePhone(), ''],
      ['王小明', 'not a phone', ''],
      ['李白', uniquePhone(), '不存在的部门'],
      ['张三', uniquePhone(), ''],
      ['张三丰', uniquePhone(), ''],
    ]);
    // The saved locale comes before Accept-Language, as for every other answer.
    const { status, body } = await postImport(url, owner.client.token, file, { dryRun: true, headers: { 'accept-language': 'ja' } });
    expect(status).toBe(200);
    const entries = body.report.map(({ row, column, code, message: text }) => ({ row, column, code, message: text }));
    expect(entries).toEqual([
      { row: 2, column: 'name', code: 'MISSING_NAME', message: translate('zh-CN', 'imports.nameRequired') },
      { row: 3, column: 'phone', code: 'INVALID_PHONE', message: translate('zh-CN', 'errors.invalidPhone', { raw: '"not a phone"' }) },
      { row: 4, column: 'department', code: 'UNKNOWN_DEPARTMENT', message: translate('zh-CN', 'imports.noRootSubDepartment', { path: '不存在的部门', missing: '不存在的部门' }) },
    ]);
    expect(entries[0]!.message).toBe('name（姓名）为必填项');
    expect(entries[2]!.message).toBe('不存在部门“不存在的部门”：组织根部门下没有子部门“不存在的部门”');
    expect(body.summary).toMatchObject({ rows: 5, created: 2, failed: 3 });

    // Someone who saved nothing: Accept-Language decides, and the English text is the one clients always had.
    const other = await createOrgWithOwner(client, 'English Import Org');
    const plain = await postImport(url, other.client.token, file, { dryRun: true });
    expect(plain.body.report.map((entry) => entry.message)).toEqual([
      'name is required',
      'Invalid phone number: "not a phone"',
      'No department "不存在的部门": the org root has no sub-department "不存在的部门"',
    ]);

    const refused = await postImport(url, owner.client.token, csv(['phone'], [[uniquePhone()]]));
    expect([refused.status, refused.body.errors?.[0]?.extensions.code, refused.body.errors?.[0]?.message]).toEqual([
      400,
      'MISSING_COLUMN',
      '表头中缺少“name”列',
    ]);
  });
});

/** A graphql-ws client whose upgrade request carries `headers`, with `params` as its connection parameters. */
function socket(params: Record<string, unknown>, headers: Record<string, string> = {}) {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  const ws = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WithHeaders, retryAttempts: 0, lazy: true, connectionParams: params });
  afterAll(() => ws.dispose());
  return ws;
}

const MUTATION = `mutation { updateMyPreferences(input: { timeZone: "${BAD_ZONE}" }) { id } }`;
const TOO_MANY_ALIASES = `query { ${Array.from({ length: 60 }, (_, i) => `a${i}: __typename`).join(' ')} }`;

describe('error messages over graphql-ws', () => {
  it('a limit of the operation pipeline (page size) is written in Traditional Chinese over graphql-ws, code unchanged', async () => {
    const owner = await createOrgWithOwner(client, 'Socket Limits');
    const query = 'query { members(first: 500) { edges { cursor } } }';
    const inTaiwan = await wsOperation(socket({ authorization: `Bearer ${owner.client.token}`, acceptLanguage: 'zh-TW' }), query);
    expect([wsCode(inTaiwan), inTaiwan.errors?.[0]?.message]).toEqual(['BAD_USER_INPUT', translate('zh-TW', 'errors.between', { field: 'first', min: 1, max: 100 })]);
    expect(inTaiwan.errors?.[0]?.message).toBe('first 必須介於 1 與 100 之間');
    const english = await wsOperation(socket({ authorization: `Bearer ${owner.client.token}` }), query);
    expect([wsCode(english), english.errors?.[0]?.message]).toEqual(['BAD_USER_INPUT', 'first must be between 1 and 100']);
  });

  it('follow the acceptLanguage connection parameter, else the upgrade request header, else the saved locale first', async () => {
    const { client: user } = await signUpUser(client, 'Sato');
    const authorization = `Bearer ${user.token}`;

    const byParam = socket({ authorization, acceptLanguage: 'ja' });
    const resolverError = await wsOperation(byParam, MUTATION);
    expect([wsCode(resolverError), resolverError.errors?.[0]?.message]).toEqual(['BAD_USER_INPUT', translate('ja', 'errors.invalidTimeZone', { value: BAD_ZONE })]);
    // Refused before execution (the operation pipeline), in the same language, with the same code as over HTTP.
    const refused = await wsOperation(byParam, TOO_MANY_ALIASES);
    expect([wsCode(refused), refused.errors?.[0]?.message]).toEqual(['TOO_MANY_ALIASES', translate('ja', 'errors.tooManyAliases', { aliases: 60, maxAliases: 50 })]);
    expect(refused.errors?.[0]?.message).toContain('エイリアス');

    const byHeader = socket({ authorization }, { 'accept-language': 'zh-CN,zh;q=0.9' });
    const fromHeader = await wsOperation(byHeader, MUTATION);
    expect([wsCode(fromHeader), fromHeader.errors?.[0]?.message]).toEqual(['BAD_USER_INPUT', translate('zh-CN', 'errors.invalidTimeZone', { value: BAD_ZONE })]);
    const refusedByHeader = await wsOperation(byHeader, TOO_MANY_ALIASES);
    expect(refusedByHeader.errors?.[0]?.message).toBe(translate('zh-CN', 'errors.tooManyAliases', { aliases: 60, maxAliases: 50 }));

    await user.ok(UpdateMyPreferencesDocument, { input: { locale: 'zh-TW' } });
    const saved = socket({ authorization, acceptLanguage: 'ja' }, { 'accept-language': 'zh-CN' });
    const fromSaved = await wsOperation(saved, MUTATION);
    expect([wsCode(fromSaved), fromSaved.errors?.[0]?.message]).toEqual(['BAD_USER_INPUT', translate('zh-TW', 'errors.invalidTimeZone', { value: BAD_ZONE })]);
    // A refusal of the pipeline comes before the viewer is read (no SQL for a refused operation): the socket's language.
    const refusedSaved = await wsOperation(saved, TOO_MANY_ALIASES);
    expect(refusedSaved.errors?.[0]?.message).toBe(translate('ja', 'errors.tooManyAliases', { aliases: 60, maxAliases: 50 }));

    const english = await wsOperation(socket({ authorization: `Bearer ${(await signUpUser(client)).client.token}` }), MUTATION);
    expect(english.errors?.[0]?.message).toBe(`${BAD_ZONE} is not an IANA time zone name (such as Asia/Shanghai or Asia/Tokyo)`);
  });
});
