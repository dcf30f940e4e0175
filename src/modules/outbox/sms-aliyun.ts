import { createHmac, randomUUID } from 'node:crypto';
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import type { SmsSettings } from '../../config';
import type { DeliveryAdapter, OutboundMessage } from './outbox.dispatcher';
import { postForm, SmsProviderError } from './sms-http';

type AliyunSettings = Extract<SmsSettings, { provider: 'aliyun' }>;

/** RFC 3986 as Alibaba Cloud's RPC signature wants it: only `A-Z a-z 0-9 - _ . ~` left as they are, space as %20. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * Alibaba Cloud's RPC signature, version 1.0: the parameters (without `Signature`) sorted by name, each name and value
 * percent-encoded, joined with `&`; the string to sign is `METHOD&%2F&` + that query percent-encoded again, signed
 * with HMAC-SHA1 keyed by the AccessKey secret followed by `&`, base64.
 */
export function signRpcRequest(method: 'GET' | 'POST', parameters: Record<string, string>, accessKeySecret: string): string {
  const canonical = Object.keys(parameters)
    .sort()
    .map((name) => `${percentEncode(name)}=${percentEncode(parameters[name]!)}`)
    .join('&');
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64');
}

/** Mainland numbers without +86, others with their country code and no `+` (as SendSms's PhoneNumbers takes them). */
export function aliyunPhoneNumber(e164: string): string {
  try {
    const parsed = parsePhoneNumberWithError(e164);
    return parsed.countryCallingCode === '86' ? String(parsed.nationalNumber) : `${parsed.countryCallingCode}${parsed.nationalNumber}`;
  } catch {
    return e164.replace(/^\+/, '');
  }
}

/** Variables of each approved template: `${code}` for verification codes; `${org}`, `${inviter}`, `${url}` for invitations. */
function templateParam(message: OutboundMessage): Record<string, string> {
  const p = message.payload;
  if (message.template === 'INVITATION') {
    return { org: String(p.orgName ?? ''), inviter: String(p.inviterName ?? ''), url: String(p.url ?? '') };
  }
  return { code: String(p.code ?? '') };
}

/**
 * Alibaba Cloud SMS `SendSms` (API version 2017-05-25), an RPC call POSTed as a form to `{base}/` with the common
 * parameters and an RPC v1 signature (HMAC-SHA1). SMS in mainland China go out only through an approved sign name and
 * approved templates, so each outbox template maps to a template code. The answer is JSON; `Code` is `OK` on success.
 */
export class AliyunSmsAdapter implements DeliveryAdapter {
  constructor(
    private readonly settings: AliyunSettings,
    /** For tests: the clock and nonce of the signature. */
    private readonly now: () => Date = () => new Date(),
    private readonly nonce: () => string = randomUUID,
  ) {}

  async deliver(message: OutboundMessage): Promise<void> {
    const templateCode = this.settings.templates[message.template as keyof AliyunSettings['templates']];
    if (!templateCode) throw new SmsProviderError(`No Alibaba Cloud SMS template is configured for ${message.template}`);
    const parameters: Record<string, string> = {
      AccessKeyId: this.settings.accessKeyId,
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: aliyunPhoneNumber(message.recipient),
      RegionId: this.settings.regionId,
      SignName: this.settings.signName,
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: this.nonce(),
      SignatureVersion: '1.0',
      TemplateCode: templateCode,
      TemplateParam: JSON.stringify(templateParam(message)),
      Timestamp: this.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      Version: '2017-05-25',
      // Lets the delivery receipt (and the console) be matched with the outbox message.
      OutId: message.id,
    };
    const form = new URLSearchParams({ ...parameters, Signature: signRpcRequest('POST', parameters, this.settings.accessKeySecret) });
    const { status, body } = await postForm(`${this.settings.baseUrl}/`, form);
    const answer = (body ?? {}) as { Code?: string; Message?: string; RequestId?: string };
    if (status === 200 && answer.Code === 'OK') return;
    throw new SmsProviderError(`Alibaba Cloud SMS refused the SMS (HTTP ${status}, ${answer.Code ?? 'no code'}): ${answer.Message ?? 'no details'}`);
  }
}
