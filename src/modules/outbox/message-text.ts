import type { OutboundMessage } from './outbox.dispatcher';

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
