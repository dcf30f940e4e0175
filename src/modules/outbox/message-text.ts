import { chooseTimeZone, isLocale, translator, DEFAULT_LOCALE, type Locale } from '../../i18n';
import type { OutboundMessage } from './outbox.dispatcher';

/** How long a verification code lives, as its message says (`accounts/verification-codes.ts` decides it). */
const CODE_MINUTES = 10;

/**
 * What a person receives: the subject (emails) and the text, rendered from a message's template and payload with the
 * `emails` or `sms` catalogue in the recipient's language and time zone, which the message was queued with
 * (`payload.locale`, `payload.timeZone`; English and UTC for messages queued before they were recorded).
 */
export function renderMessage(message: Pick<OutboundMessage, 'template' | 'payload'> & { channel?: OutboundMessage['channel'] }): { subject: string; text: string } {
  const p = message.payload;
  const locale: Locale = isLocale(p.locale) ? p.locale : DEFAULT_LOCALE;
  const t = translator(locale, chooseTimeZone(typeof p.timeZone === 'string' ? p.timeZone : null));
  const sms = message.channel === 'SMS' || (message.channel === undefined && message.template === 'PHONE_VERIFICATION');
  switch (message.template) {
    case 'EMAIL_VERIFICATION':
    case 'PHONE_VERIFICATION': {
      const args = { code: String(p.code), minutes: CODE_MINUTES };
      return { subject: t('emails.verification.subject'), text: sms ? t('sms.verification', args) : t('emails.verification.text', args) };
    }
    case 'INVITATION': {
      const args = {
        orgName: String(p.orgName ?? ''),
        url: String(p.url ?? ''),
        invitedBy: p.inviterName ? 'yes' : 'no',
        inviterName: String(p.inviterName ?? ''),
        hasNote: p.message ? 'yes' : 'no',
        note: String(p.message ?? ''),
        expiresAt: typeof p.expiresAt === 'string' ? new Date(p.expiresAt) : new Date(NaN),
      };
      return { subject: t('emails.invitation.subject', args), text: sms ? t('sms.invitation', args) : t('emails.invitation.text', args) };
    }
    default:
      return { subject: message.template, text: JSON.stringify(p) };
  }
}
