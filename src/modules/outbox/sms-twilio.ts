import type { SmsSettings } from '../../config';
import { renderMessage } from './message-text';
import type { DeliveryAdapter, OutboundMessage } from './outbox.dispatcher';
import { postForm, SmsProviderError } from './sms-http';

type TwilioSettings = Extract<SmsSettings, { provider: 'twilio' }>;

/**
 * Twilio Programmable Messaging: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth with
 * the Account SID and Auth Token, a form of `To` (E.164), `Body` and `From` (a number) or `MessagingServiceSid`
 * (`MG…`). 201 with the Message resource on success; otherwise a JSON error `{code, message, more_info, status}`.
 */
export class TwilioSmsAdapter implements DeliveryAdapter {
  private readonly url: string;
  private readonly authorization: string;

  constructor(private readonly settings: TwilioSettings) {
    this.url = `${settings.baseUrl}/2010-04-01/Accounts/${encodeURIComponent(settings.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${settings.accountSid}:${settings.authToken}`).toString('base64')}`;
  }

  async deliver(message: OutboundMessage): Promise<void> {
    const form = new URLSearchParams({ To: message.recipient, Body: renderMessage(message).text });
    if (/^MG[0-9a-f]{32}$/i.test(this.settings.from)) form.set('MessagingServiceSid', this.settings.from);
    else form.set('From', this.settings.from);
    const { status, body } = await postForm(this.url, form, { authorization: this.authorization });
    if (status === 201 || status === 200) return;
    const error = (body ?? {}) as { code?: number; message?: string };
    throw new SmsProviderError(`Twilio refused the SMS (HTTP ${status}${error.code ? `, error ${error.code}` : ''}): ${error.message ?? 'no details'}`);
  }
}
