import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from 'pino';
import type { Config } from '../../config';
import { LogDeliveryAdapter, type DeliveryAdapter, type OutboundMessage } from './outbox.dispatcher';

/** What a person receives: the subject (emails) and the text, rendered from a message's template and payload. */
export function renderMessage(message: Pick<OutboundMessage, 'template' | 'payload'>): { subject: string; text: string } {
  const p = message.payload;
  switch (message.template) {
    case 'EMAIL_VERIFICATION':
    case 'PHONE_VERIFICATION':
      return { subject: 'Your verification code', text: `Your Orggraph verification code is ${p.code}. It is valid for 10 minutes.` };
    case 'INVITATION': {
      const inviter = p.inviterName ? `${p.inviterName} invites you` : 'You are invited';
      const note = p.message ? `\n\n"${p.message}"` : '';
      const until = typeof p.expiresAt === 'string' ? ` The invitation is valid until ${p.expiresAt.slice(0, 10)}.` : '';
      return {
        subject: `Join ${p.orgName} on Orggraph`,
        text: `${inviter} to join ${p.orgName} on Orggraph: ${p.url}${until}${note}`,
      };
    }
    default:
      return { subject: message.template, text: JSON.stringify(p) };
  }
}

/**
 * How long one SMTP send may take at most (nodemailer's defaults are 2 and 10 minutes): a server that hangs fails the
 * attempt, which is retried later, and a send ends well inside the dispatcher's lease (5 min by default), so no other
 * dispatcher claims the message while it is still on the wire. Parameters of `SMTP_URL` override them.
 */
export const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 60_000 };

/** Sends emails through SMTP (nodemailer); SMS go to `sms` (the log adapter until an SMS provider is wired). */
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

/** The adapter configuration asks for: SMTP for email when `SMTP_URL` is set, else everything to the log. */
export function createDeliveryAdapter(config: Pick<Config, 'smtpUrl' | 'mailFrom'>, logger: Logger): DeliveryAdapter {
  const log = new LogDeliveryAdapter(logger);
  return config.smtpUrl ? new SmtpDeliveryAdapter(config.smtpUrl, config.mailFrom, log) : log;
}
