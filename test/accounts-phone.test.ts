import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChangeMyPhoneDocument,
  LogInDocument,
  RequestPhoneVerificationDocument,
  SignUpDocument,
  VerifyPhoneDocument,
  ViewerAccountDocument,
} from './generated/graphql';
import { rawIdOf, sql } from './support/accounts-db';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { latestCodeSentTo, latestMessageTo, messagesTo } from './support/outbox';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

/** A 6-digit code that is certainly not `code`. */
const wrongCodeFor = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

/** Moves the user's codes back in time, as if the resend cool-down had passed. */
const backdateCodes = (userId: string, seconds: number) =>
  sql(`update verification_codes set created_at = created_at - make_interval(secs => $2) where user_id = $1`, [rawIdOf(userId), seconds]);

describe('phone verification', () => {
  it('sends a 6-digit code by SMS through the outbox and verifies the phone with it', async () => {
    const { client: user, phone, user: created } = await signUpUser(client);
    const before = Date.now();
    const { requestPhoneVerification } = await user.ok(RequestPhoneVerificationDocument);
    expect(requestPhoneVerification.phone).toBe(phone);
    const lifetime = Date.parse(requestPhoneVerification.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(9 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(10 * 60_000 + 1000);

    const message = await latestMessageTo(phone);
    expect(message).toMatchObject({ channel: 'SMS', template: 'PHONE_VERIFICATION', status: 'PENDING' });
    const code = String(message!.payload.code);
    expect(code).toMatch(/^\d{6}$/);
    // Only a hash of the code is stored.
    const [row] = await sql<{ code_hash: string }>(`select code_hash from verification_codes where user_id = $1`, [rawIdOf(created.id)]);
    expect(row!.code_hash).not.toContain(code);

    expect(errorCode(await user.request(VerifyPhoneDocument, { code: wrongCodeFor(code) }))).toBe('INVALID_VERIFICATION_CODE');
    const { verifyPhone } = await user.ok(VerifyPhoneDocument, { code });
    expect(verifyPhone).toMatchObject({ id: created.id, phone, phoneVerified: true });

    // A code works once; a verified phone needs no new code.
    expect(errorCode(await user.request(VerifyPhoneDocument, { code }))).toBe('INVALID_VERIFICATION_CODE');
    expect(errorCode(await user.request(RequestPhoneVerificationDocument))).toBe('BAD_USER_INPUT');
  });

  it('refuses an expired code', async () => {
    const { client: user, phone, user: created } = await signUpUser(client);
    await user.ok(RequestPhoneVerificationDocument);
    const code = await latestCodeSentTo(phone);
    await sql(`update verification_codes set expires_at = now() - interval '1 second' where user_id = $1`, [rawIdOf(created.id)]);
    expect(errorCode(await user.request(VerifyPhoneDocument, { code }))).toBe('INVALID_VERIFICATION_CODE');
    expect((await user.ok(ViewerAccountDocument)).viewer.user.phoneVerified).toBe(false);
  });

  it('kills a code after 5 wrong tries, even for the right digits afterwards', async () => {
    const { client: user, phone, user: created } = await signUpUser(client);
    await user.ok(RequestPhoneVerificationDocument);
    const code = await latestCodeSentTo(phone);
    for (let i = 0; i < 5; i++) {
      expect(errorCode(await user.request(VerifyPhoneDocument, { code: wrongCodeFor(code) }))).toBe('INVALID_VERIFICATION_CODE');
    }
    expect(errorCode(await user.request(VerifyPhoneDocument, { code }))).toBe('INVALID_VERIFICATION_CODE');
    const [row] = await sql<{ attempts: number; consumed_at: Date | null }>(`select attempts, consumed_at from verification_codes where user_id = $1`, [rawIdOf(created.id)]);
    expect(row).toEqual({ attempts: 5, consumed_at: null });
  });

  it('sends at most one code per minute, with retryAfter; only the latest code counts', async () => {
    const { client: user, phone, user: created } = await signUpUser(client);
    await user.ok(RequestPhoneVerificationDocument);
    const first = await latestCodeSentTo(phone);

    const again = await user.request(RequestPhoneVerificationDocument);
    expect(errorCode(again)).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = again.errors![0]!.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // A phone change sends an SMS too, so it waits as well.
    expect(errorCode(await user.request(ChangeMyPhoneDocument, { phone: uniquePhone() }))).toBe('TOO_MANY_ATTEMPTS');
    expect(await messagesTo(phone)).toHaveLength(1);

    await backdateCodes(created.id, 61);
    await user.ok(RequestPhoneVerificationDocument);
    const second = await latestCodeSentTo(phone);
    expect(await messagesTo(phone)).toHaveLength(2);
    if (second !== first) {
      expect(errorCode(await user.request(VerifyPhoneDocument, { code: first }))).toBe('INVALID_VERIFICATION_CODE');
    }
    expect((await user.ok(VerifyPhoneDocument, { code: second })).verifyPhone.phoneVerified).toBe(true);
  });

  it('lets only one of two simultaneous requests through', async () => {
    const { client: user, phone } = await signUpUser(client);
    const results = await Promise.all([user.request(RequestPhoneVerificationDocument), user.request(RequestPhoneVerificationDocument)]);
    expect(results.map(errorCode).sort()).toEqual(['TOO_MANY_ATTEMPTS', undefined]);
    expect(await messagesTo(phone)).toHaveLength(1);
  });

  it('needs a signed-in user', async () => {
    expect(errorCode(await client.request(RequestPhoneVerificationDocument))).toBe('UNAUTHENTICATED');
    expect(errorCode(await client.request(VerifyPhoneDocument, { code: '123456' }))).toBe('UNAUTHENTICATED');
    expect(errorCode(await client.request(ChangeMyPhoneDocument, { phone: uniquePhone() }))).toBe('UNAUTHENTICATED');
  });
});

describe('changeMyPhone', () => {
  it('keeps the old phone until the code sent to the new one is verified, then switches sign-in and memberships', async () => {
    const { client: owner, phone: oldPhone, user } = await createOrgWithOwner(client);
    const newPhone = uniquePhone();
    const local = newPhone.replace('+86', '');
    const { changeMyPhone } = await owner.ok(ChangeMyPhoneDocument, { phone: local });
    expect(changeMyPhone.phone).toBe(newPhone);
    expect(await latestMessageTo(oldPhone)).toBeUndefined();

    // Pending: nothing changed yet.
    const pending = (await owner.ok(ViewerAccountDocument)).viewer;
    expect(pending.user.phone).toBe(oldPhone);
    expect(pending.member?.phone).toBeNull();
    expect(errorCode(await client.request(LogInDocument, { input: { phone: newPhone, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');
    await client.ok(LogInDocument, { input: { phone: oldPhone, password: PASSWORD } });

    const { verifyPhone } = await owner.ok(VerifyPhoneDocument, { code: await latestCodeSentTo(newPhone) });
    expect(verifyPhone).toMatchObject({ id: user.id, phone: newPhone, phoneVerified: true });
    expect((await owner.ok(ViewerAccountDocument)).viewer.member?.phone).toBe(newPhone);
    const { logIn } = await client.ok(LogInDocument, { input: { phone: newPhone, password: PASSWORD } });
    expect(logIn.user.id).toBe(user.id);
    expect(errorCode(await client.request(LogInDocument, { input: { phone: oldPhone, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');
  });

  it('answers CONFLICT for a number of another personal account, when asked and when verified', async () => {
    const { phone: taken } = await signUpUser(client);
    const { client: user, phone: own, user: created } = await signUpUser(client);
    const refused = await user.request(ChangeMyPhoneDocument, { phone: taken });
    expect(errorCode(refused)).toBe('CONFLICT');
    expect(await latestMessageTo(taken)).toBeUndefined();

    // Someone registers the number while the change waits for its code.
    const contested = uniquePhone();
    await user.ok(ChangeMyPhoneDocument, { phone: contested });
    const code = await latestCodeSentTo(contested);
    await client.ok(SignUpDocument, { input: { phone: contested, name: 'Quicker', password: PASSWORD } });
    expect(errorCode(await user.request(VerifyPhoneDocument, { code }))).toBe('CONFLICT');
    const { viewer } = await user.ok(ViewerAccountDocument);
    expect(viewer.user).toMatchObject({ id: created.id, phone: own, phoneVerified: false });
  });

  it('refuses malformed numbers and the current number', async () => {
    const { client: user, phone } = await signUpUser(client);
    expect(errorCode(await user.request(ChangeMyPhoneDocument, { phone: '12' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await user.request(ChangeMyPhoneDocument, { phone }))).toBe('BAD_USER_INPUT');
  });
});
