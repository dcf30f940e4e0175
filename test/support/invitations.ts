import { RequestPhoneVerificationDocument, SignUpDocument, VerifyPhoneDocument } from '../generated/graphql';
import type { GraphQLClient } from './client';
import { PASSWORD, uniquePhone } from './factories';
import { rawIdOf, sql } from './sql-fixtures';

/** A personal account whose phone is verified through the API (the code read from the outbox). */
export async function signUpVerified(client: GraphQLClient, name = 'Invitee', phone = uniquePhone()) {
  const { signUp } = await client.ok(SignUpDocument, { input: { phone, name, password: PASSWORD } });
  const user = client.as(signUp.token);
  await user.ok(RequestPhoneVerificationDocument);
  const [message] = await sql<{ payload: { code: string } }>(
    `select payload from outbox_messages where recipient = $1 and template = 'PHONE_VERIFICATION' order by id desc limit 1`,
    [phone],
  );
  await user.ok(VerifyPhoneDocument, { code: message!.payload.code });
  return { client: user, userId: signUp.user.id, phone, name };
}

/** Gives a user a verified email (no operation verifies emails yet). */
export async function setVerifiedEmail(userId: string, email: string): Promise<void> {
  await sql('update users set email = $1, email_verified_at = now() where id = $2', [email, rawIdOf(userId)]);
}

export interface InvitationMessage {
  id: string;
  channel: 'SMS' | 'EMAIL';
  recipient: string;
  status: string;
  last_error: string | null;
  invitation_id: string | null;
  payload: { url: string; orgName: string; inviterName: string; message: string | null };
}

/** Invitation messages queued to a phone or email, oldest first. */
export function invitationMessagesTo(recipient: string): Promise<InvitationMessage[]> {
  return sql<InvitationMessage>(
    `select id, channel, recipient, status, last_error, invitation_id, payload from outbox_messages
      where recipient = $1 and template = 'INVITATION' order by id`,
    [recipient],
  );
}

/** The token in the newest invitation message to a phone or email, as the invitee reads it from the link. */
export async function invitationTokenSentTo(recipient: string): Promise<string> {
  const message = (await invitationMessagesTo(recipient)).at(-1);
  if (!message) throw new Error(`no invitation message to ${recipient}`);
  return tokenOf(message.payload.url);
}

export function tokenOf(url: string): string {
  const token = url.split('/invite/')[1];
  if (!token) throw new Error(`not an invitation link: ${url}`);
  return token;
}

export interface EventRow {
  id: string;
  topic: string;
  type: string;
  payload: Record<string, unknown>;
  department_ids: string[];
  recipient_phone: string | null;
  recipient_email: string | null;
}

/** The org's event log, oldest first (optionally one topic). */
export function orgEvents(orgGlobalId: string, topic?: string): Promise<EventRow[]> {
  return sql<EventRow>(
    `select id::text, topic, type, payload, department_ids, recipient_phone, recipient_email from org_events
      where org_id = $1 and ($2::text is null or topic = $2) order by id`,
    [rawIdOf(orgGlobalId), topic ?? null],
  );
}

/** Moves an invitation's expiry into the past, as if its lifetime had run out. */
export async function backdateExpiry(invitationGlobalId: string, secondsAgo = 1): Promise<void> {
  await sql(`update invitations set expires_at = now() - make_interval(secs => $2) where id = $1`, [rawIdOf(invitationGlobalId), secondsAgo]);
}
