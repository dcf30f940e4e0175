import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseSmsUrl } from '../src/config';
import { createDeliveryAdapter } from '../src/modules/outbox';
import type { OutboundMessage } from '../src/modules/outbox/outbox.dispatcher';
import { LogDeliveryAdapter } from '../src/modules/outbox/outbox.dispatcher';
import { AliyunSmsAdapter, signRpcRequest } from '../src/modules/outbox/sms-aliyun';
import { createSmsAdapter } from '../src/modules/outbox/sms';

const silent = pino({ level: 'silent' });

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: Record<string, string>;
}

/**
 * A stand-in for a provider's API on a free port: records each request (its form decoded) and answers with what
 * `reply` returns for it.
 */
async function fakeProvider(reply: (request: Received) => { status: number; body: unknown }): Promise<{ base: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = {
      method: req.method!,
      path: req.url!,
      headers: req.headers,
      form: Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))),
    };
    received.push(request);
    const { status, body } = reply(request);
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, server };
}

const verificationSms: OutboundMessage = { id: '42', channel: 'SMS', recipient: '+8613912345678', template: 'PHONE_VERIFICATION', payload: { code: '123456' } };
const invitationSms: OutboundMessage = {
  id: '43',
  channel: 'SMS',
  recipient: '+85291234567',
  template: 'INVITATION',
  payload: { orgName: '朝阳区卫生健康委员会', inviterName: '王芳', url: 'https://orggraph.example/invite/abc', expiresAt: '2026-12-10T00:00:00.000Z' },
};

describe('Twilio', () => {
  const SID = `AC${'0123456789abcdef'.repeat(2)}`;
  const TOKEN = 'auth-token-of-the-test';
  let provider: Awaited<ReturnType<typeof fakeProvider>>;
  beforeAll(async () => {
    provider = await fakeProvider(({ form }) =>
      form.To === '+15005550001'
        ? { status: 400, body: { code: 21211, message: "The 'To' number +15005550001 is not a valid phone number.", more_info: 'https://www.twilio.com/docs/errors/21211', status: 400 } }
        : { status: 201, body: { sid: 'SM00000000000000000000000000000000', status: 'queued' } },
    );
  });
  afterAll(() => provider.server.close());

  it('posts the form of the Messages resource with basic auth, as Twilio documents it', async () => {
    const adapter = createDeliveryAdapter({ smtpUrl: null, mailFrom: 'x@example.org', sms: parseSmsUrl(`twilio://${SID}:${TOKEN}@+15005550006?base=${provider.base}`) }, silent);
    await adapter.deliver(verificationSms);
    const [request] = provider.received.splice(0);
    expect(request!.method).toBe('POST');
    expect(request!.path).toBe(`/2010-04-01/Accounts/${SID}/Messages.json`);
    expect(request!.headers.authorization).toBe(`Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`);
    expect(request!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request!.form).toEqual({ To: '+8613912345678', From: '+15005550006', Body: 'Your Orggraph verification code is 123456. It is valid for 10 minutes.' });
  });

  it('sends through a Messaging Service when FROM is its SID, and throws the error Twilio answers', async () => {
    const service = `MG${'a'.repeat(32)}`;
    const adapter = createSmsAdapter(parseSmsUrl(`twilio://${SID}:${TOKEN}@${service}?base=${provider.base}`), silent);
    await adapter.deliver(invitationSms);
    expect(provider.received.splice(0)[0]!.form).toEqual({
      To: '+85291234567',
      MessagingServiceSid: service,
      Body: '王芳 invites you to join 朝阳区卫生健康委员会 on Orggraph: https://orggraph.example/invite/abc The invitation is valid until Dec 10, 2026 12:00 AM (UTC).',
    });
    // In the recipient's language and time zone, which the message was queued with.
    await adapter.deliver({ ...invitationSms, payload: { ...invitationSms.payload, locale: 'zh-CN', timeZone: 'Asia/Shanghai' } });
    expect(provider.received.splice(0)[0]!.form.Body).toBe('【Orggraph】王芳邀请你加入朝阳区卫生健康委员会：https://orggraph.example/invite/abc（有效期至 2026年12月10日 08:00 UTC+8）');
    await expect(adapter.deliver({ ...verificationSms, recipient: '+15005550001' })).rejects.toThrow(/HTTP 400, error 21211\): The 'To' number/);
  });
});

/** Alibaba Cloud's percent-encoding, written out from its signature documentation (independent of the adapter's). */
function docEncode(value: string): string {
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const c = String.fromCharCode(byte);
      return /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
}

/** How the provider checks a request: the parameters but Signature, sorted, encoded, signed with `secret&`. */
function expectedSignature(method: string, form: Record<string, string>, secret: string): string {
  const query = Object.keys(form)
    .filter((name) => name !== 'Signature')
    .sort()
    .map((name) => `${docEncode(name)}=${docEncode(form[name]!)}`)
    .join('&');
  return createHmac('sha1', `${secret}&`).update(`${method}&${docEncode('/')}&${docEncode(query)}`).digest('base64');
}

describe('Alibaba Cloud SMS', () => {
  const KEY = 'LTAI5tTestAccessKeyId';
  const SECRET = 'test/Secret+with=odd*chars';
  const SIGN = '朝阳卫健委';
  let provider: Awaited<ReturnType<typeof fakeProvider>>;
  beforeAll(async () => {
    provider = await fakeProvider(({ form }) => {
      if (form.Signature !== expectedSignature('POST', form, SECRET)) {
        return { status: 400, body: { Code: 'SignatureDoesNotMatch', Message: 'Specified signature is not matched with our calculation.' } };
      }
      if (form.PhoneNumbers === '13900000000') return { status: 200, body: { Code: 'isv.BUSINESS_LIMIT_CONTROL', Message: '触发号码天级流控Permits:10', RequestId: 'r2' } };
      return { status: 200, body: { Code: 'OK', Message: 'OK', BizId: '900619746936498440^0', RequestId: 'F655A8D5-B967-440B-8683-DAD6FF8DE990' } };
    });
  });
  afterAll(() => provider.server.close());

  it('signs as the documentation\'s own SendSms example does (RPC signature v1, HMAC-SHA1)', () => {
    // The request and signature of Alibaba Cloud's SMS "signature method" example (secret "testSecret", GET).
    const example = {
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'XML',
      OutId: '123',
      PhoneNumbers: '15300000001',
      RegionId: 'cn-hangzhou',
      SignName: '阿里云短信测试专用',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_71390007',
      TemplateParam: '{"customer":"test"}',
      Timestamp: '2017-07-12T02:42:19Z',
      Version: '2017-05-25',
    };
    expect(signRpcRequest('GET', example, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });

  it('posts SendSms with every common parameter and a signature the provider accepts', async () => {
    const url = `aliyun://${KEY}:${encodeURIComponent(SECRET)}@${encodeURIComponent(SIGN)}?code=SMS_100001&invitation=SMS_100002&base=${provider.base}`;
    const adapter = createDeliveryAdapter({ smtpUrl: null, mailFrom: 'x@example.org', sms: parseSmsUrl(url) }, silent);
    const before = Date.now();
    await adapter.deliver(verificationSms);
    await adapter.deliver(invitationSms);
    const [code, invitation] = provider.received.splice(0);
    expect(code!.method).toBe('POST');
    expect(code!.path).toBe('/');
    expect(code!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(code!.form.Signature).toBe(expectedSignature('POST', code!.form, SECRET));
    const { Signature: _signature, SignatureNonce: nonce, Timestamp: timestamp, ...rest } = code!.form;
    expect(rest).toEqual({
      AccessKeyId: KEY,
      Action: 'SendSms',
      Format: 'JSON',
      OutId: '42',
      PhoneNumbers: '13912345678', // mainland: without +86
      RegionId: 'cn-hangzhou',
      SignName: SIGN,
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_100001',
      TemplateParam: '{"code":"123456"}',
      Version: '2017-05-25',
    });
    expect(timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/); // ISO 8601 in UTC, to the second
    expect(Math.abs(Date.parse(timestamp!) - before)).toBeLessThan(60_000);
    expect(nonce).toMatch(/^[0-9a-f-]{36}$/);
    expect(invitation!.form.SignatureNonce).not.toBe(nonce); // a new nonce each request, against replays
    expect(invitation!.form).toMatchObject({ PhoneNumbers: '85291234567', TemplateCode: 'SMS_100002' });
    expect(JSON.parse(invitation!.form.TemplateParam!)).toEqual({ org: '朝阳区卫生健康委员会', inviter: '王芳', url: 'https://orggraph.example/invite/abc' });
  });

  it('throws what the provider answered: a refused signature, a flow control', async () => {
    const settings = parseSmsUrl(`aliyun://${KEY}:wrong@${encodeURIComponent(SIGN)}?code=SMS_1&invitation=SMS_2&base=${provider.base}`);
    await expect(createSmsAdapter(settings, silent).deliver(verificationSms)).rejects.toThrow(/HTTP 400, SignatureDoesNotMatch/);
    const good = new AliyunSmsAdapter({ ...(settings as Extract<typeof settings, { provider: 'aliyun' }>), accessKeySecret: SECRET });
    await expect(good.deliver({ ...verificationSms, recipient: '+8613900000000' })).rejects.toThrow(/isv\.BUSINESS_LIMIT_CONTROL\): 触发号码天级流控/);
  });
});

describe('SMS_URL', () => {
  const production = { NODE_ENV: 'production', JWT_SECRET: 'x', DATABASE_URL: 'postgres://db/orggraph', REDIS_URL: 'redis://redis' };

  it('defaults to the log, and names a provider otherwise', () => {
    expect(loadConfig({}).sms).toEqual({ provider: 'log' });
    expect(createDeliveryAdapter({ smtpUrl: null, mailFrom: 'x@example.org', sms: { provider: 'log' } }, silent)).toBeInstanceOf(LogDeliveryAdapter);
    expect(parseSmsUrl('twilio://AC1:t%2Fk@+15005550006')).toEqual({ provider: 'twilio', accountSid: 'AC1', authToken: 't/k', from: '+15005550006', baseUrl: 'https://api.twilio.com' });
    expect(parseSmsUrl('aliyun://K:S@%E9%98%BF%E9%87%8C?code=SMS_1&invitation=SMS_2&region=cn-shanghai')).toMatchObject({
      provider: 'aliyun', signName: '阿里', regionId: 'cn-shanghai', baseUrl: 'https://dysmsapi.aliyuncs.com', templates: { PHONE_VERIFICATION: 'SMS_1', INVITATION: 'SMS_2' },
    });
  });

  it.each([
    ['smtp://mail.example.org', /no known provider \(smtp\)/],
    ['twilio://AC1@+15005550006', /needs all three parts/],
    ['aliyun://K:S@Sign?code=SMS_1', /both template codes/],
    ['twilio://AC1:t@+1500?base=ftp://x', /base must be an http\(s\) URL/],
    ['not a url', /must be log:, twilio:/],
  ])('refuses %s with a ConfigError', (value, message) => {
    expect(() => loadConfig({ SMS_URL: value })).toThrow(ConfigError);
    expect(() => loadConfig({ SMS_URL: value })).toThrow(message);
  });

  it('refuses to start production on the log adapter unless SMS_ALLOW_LOG=true', () => {
    expect(() => loadConfig(production)).toThrow(new ConfigError('SMS_URL must name an SMS provider in production (twilio://… or aliyun://…); SMS_ALLOW_LOG=true writes SMS to the log instead'));
    expect(loadConfig({ ...production, SMS_ALLOW_LOG: 'true' }).sms).toEqual({ provider: 'log' });
    expect(loadConfig({ ...production, SMS_URL: 'twilio://AC1:t@+15005550006' }).sms.provider).toBe('twilio');
    expect(loadConfig({ SMS_ALLOW_LOG: 'false' }).sms).toEqual({ provider: 'log' }); // development: the log is the default
  });
});
