import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { renderMessage } from './message-text';
import { LogDeliveryAdapter, type DeliveryAdapter, type OutboundMessage } from './outbox.dispatcher';
import { createSmsAdapter } from './sms';

export { renderMessage };

/**
 * How long one SMTP send may take at most (nodemailer's defaults are 2 and 10 minutes): a server that hangs fails the
 * attempt, which is retried later, and a send ends well inside the dispatcher's lease (5 min by default), so no other
 * dispatcher claims the message while it is still on the wire. Parameters of `SMTP_URL` override them.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/** Sends emails through SMTP (nodemailer); SMS go to `sms` (the provider SMS_URL names, or the log). */
export class SmtpDeliveryAdapter implements DeliveryAdapter {
  private readonly transport: Transporter;

  constructor(smtpUrl: string, private readonly from: string, private readonly sms: DeliveryAdapter) {
    this.transport = nodemailer.createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS });
  }

  async deliver(message: OutboundMessage): Promise<void> {
    if (message.channel !== 'EMAIL') return this.sms.deliver(message);
    const { subject, text } = renderMessage(message);
    await this.transport.sendMail({ from: this.from, to: message.recipient, subject, text });
  }

  close(): void {
    this.transport.close();
  }
}

/** Each channel to its own adapter: SMS to the provider, emails to the log (no SMTP_URL). */
export class ChannelDeliveryAdapter implements DeliveryAdapter {
  constructor(private readonly adapters: Record<OutboundMessage['channel'], DeliveryAdapter>) {}

  deliver(message: OutboundMessage): Promise<void> {
    return this.adapters[message.channel].deliver(message);
  }
}

/**
 * The adapter configuration asks for: SMTP for email when `SMTP_URL` is set, the provider of `SMS_URL` for SMS; what
 * names none goes to the log.
 */
export function createDeliveryAdapter(config: Pick<Config, 'smtpUrl' | 'mailFrom'> & Partial<Pick<Config, 'sms'>>, logger: Logger): DeliveryAdapter {
  const log = new LogDeliveryAdapter(logger);
  const sms = config.sms && config.sms.provider !== 'log' ? createSmsAdapter(config.sms, logger) : log;
  if (config.smtpUrl) return new SmtpDeliveryAdapter(config.smtpUrl, config.mailFrom, sms);
  return sms === log ? log : new ChannelDeliveryAdapter({ SMS: sms, EMAIL: log });
}
