import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { AcceptInvitationDocument, RequestEmailVerificationDocument, SendInvitationDocument, VerifyEmailDocument } from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser } from './support/factories';
import { startTestGateway } from './support/gateway';
import { latestMessageTo } from './support/outbox';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

const uniqueEmail = () => `person-${randomUUID().slice(0, 8)}@example.com`;

async function codeSentTo(email: string): Promise<string> {
  const message = await latestMessageTo(email);
  expect(message).toMatchObject({ channel: 'EMAIL', template: 'EMAIL_VERIFICATION', status: 'PENDING' });
  return String(message!.payload.code);
}

describe('email verification', () => {
  it('sends a code by email, refuses a wrong one, and verifies the address with the right one', async () => {
    const { client: user } = await signUpUser(client);
    const email = uniqueEmail();
    const { requestEmailVerification } = await user.ok(RequestEmailVerificationDocument, { email: email.toUpperCase() });
    expect(requestEmailVerification.email).toBe(email);
    const code = await codeSentTo(email);
    expect(code).toMatch(/^\d{6}$/);

    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(errorCode(await user.request(VerifyEmailDocument, { code: wrong }))).toBe('INVALID_VERIFICATION_CODE');
    const { verifyEmail } = await user.ok(VerifyEmailDocument, { code });
    expect(verifyEmail).toMatchObject({ email, emailVerified: true });
    expect(errorCode(await user.request(VerifyEmailDocument, { code }))).toBe('INVALID_VERIFICATION_CODE'); // used
  });

  it('refuses a malformed address and an address another account verified', async () => {
    const first = await signUpUser(client);
    expect(errorCode(await first.client.request(RequestEmailVerificationDocument, { email: 'not-an-email' }))).toBe('BAD_USER_INPUT');
    const email = uniqueEmail();
    await first.client.ok(RequestEmailVerificationDocument, { email });
    await first.client.ok(VerifyEmailDocument, { code: await codeSentTo(email) });

    const second = await signUpUser(client);
    expect(errorCode(await second.client.request(RequestEmailVerificationDocument, { email }))).toBe('CONFLICT');
  });

  it('lets the user who verified the address accept an invitation sent to it, and nobody before', async () => {
    const owner = await createOrgWithOwner(client);
    const email = uniqueEmail();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { email, name: 'Invited by email' } });
    const invitee = await signUpUser(client);
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_RECIPIENT_MISMATCH');

    await invitee.client.ok(RequestEmailVerificationDocument, { email });
    const message = (await latestMessageTo(email))!;
    expect(message.template).toBe('EMAIL_VERIFICATION'); // after the invitation's own email
    await invitee.client.ok(VerifyEmailDocument, { code: String(message.payload.code) });
    const { acceptInvitation } = await invitee.client.ok(AcceptInvitationDocument, { token: sendInvitation.token });
    expect(acceptInvitation.org.id).toBe(owner.org.id);
  });
});
