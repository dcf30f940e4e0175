import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { UpdateMyPreferencesDocument, UpdateOrgLocaleDocument, ViewerLocaleDocument } from './generated/graphql';
import { translate } from '../src/i18n';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser } from './support/factories';
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
