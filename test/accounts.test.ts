import { beforeAll, describe, expect, it } from 'vitest';
import { LogInDocument, SignUpDocument, ViewerDocument } from './generated/graphql';
import { hashPassword, parsePasswordHash, scryptParams } from '../src/auth/password';
import { sql } from './support/accounts-db';
import { errorCode, GraphQLClient } from './support/client';
import { PASSWORD, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway, TEST_SCRYPT_PARAMS } from './support/gateway';
import { keyDerivationsDuring } from './support/passwords';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

describe('signUp and logIn', () => {
  it('normalises the phone to E.164 and returns a token that identifies the user', async () => {
    const local = `139${String(Date.now()).slice(-8)}`;
    const { signUp } = await client.ok(SignUpDocument, { input: { phone: local, name: ' Li Lei ', password: PASSWORD } });
    expect(signUp.user).toMatchObject({ phone: `+86${local}`, name: 'Li Lei', phoneVerified: false, kind: 'PERSONAL' });
    const { viewer } = await client.as(signUp.token).ok(ViewerDocument);
    expect(viewer.user.id).toBe(signUp.user.id);
    expect(viewer.orgs).toEqual([]);
  });

  it('logs in with the same number written differently', async () => {
    const { phone, user } = await signUpUser(client);
    const { logIn } = await client.ok(LogInDocument, { input: { phone: phone.replace('+86', '0086 '), password: PASSWORD } });
    expect(logIn.user.id).toBe(user.id);
  });

  it('refuses invalid input with BAD_USER_INPUT and duplicates with CONFLICT', async () => {
    expect(errorCode(await client.request(SignUpDocument, { input: { phone: '12', name: 'X', password: PASSWORD } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await client.request(SignUpDocument, { input: { phone: uniquePhone(), name: '  ', password: PASSWORD } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await client.request(SignUpDocument, { input: { phone: uniquePhone(), name: 'x'.repeat(101), password: PASSWORD } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await client.request(SignUpDocument, { input: { phone: uniquePhone(), name: 'X', password: 'short' } }))).toBe('BAD_USER_INPUT');
    const { phone } = await signUpUser(client);
    const duplicate = await client.request(SignUpDocument, { input: { phone, name: 'Again', password: PASSWORD } });
    expect(errorCode(duplicate)).toBe('CONFLICT');
  });

  it('answers a wrong password and an unknown phone alike', async () => {
    const { phone } = await signUpUser(client);
    const wrong = await client.request(LogInDocument, { input: { phone, password: 'not the password' } });
    const unknown = await client.request(LogInDocument, { input: { phone: uniquePhone(), password: 'not the password' } });
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expect(unknown.errors).toEqual(wrong.errors);
    expect(typeof wrong.extensions?.sqlStatements).toBe('number');
    expect(unknown.extensions?.sqlStatements).toBe(wrong.extensions?.sqlStatements);
  });

  it('derives a key for an unknown phone as for a wrong password, with the same parameters', async () => {
    const { phone } = await signUpUser(client);
    const wrong = await keyDerivationsDuring(() => client.request(LogInDocument, { input: { phone, password: 'not the password' } }));
    const unknown = await keyDerivationsDuring(() => client.request(LogInDocument, { input: { phone: uniquePhone(), password: 'not the password' } }));
    expect(wrong).toEqual([TEST_SCRYPT_PARAMS]);
    expect(unknown).toEqual(wrong);
  });

  it('replaces a hash of a lower cost at the next sign-in, and the account still signs in', async () => {
    const { phone, user } = await signUpUser(client);
    const old = await hashPassword(PASSWORD, scryptParams(12));
    await sql('update users set password_hash = $1 where phone = $2', [old, phone]);
    const storedHash = async () => (await sql<{ password_hash: string }>('select password_hash from users where phone = $1', [phone]))[0]!.password_hash;

    expect(errorCode(await client.request(LogInDocument, { input: { phone, password: 'not the password' } }))).toBe('INVALID_CREDENTIALS');
    expect(await storedHash()).toBe(old);

    const { logIn } = await client.ok(LogInDocument, { input: { phone, password: PASSWORD } });
    expect(logIn.user.id).toBe(user.id);
    const rehashed = await storedHash();
    expect(rehashed).not.toBe(old);
    expect(parsePasswordHash(rehashed)?.params).toEqual(TEST_SCRYPT_PARAMS);

    // Signs in with the new hash, which stays.
    const again = await keyDerivationsDuring(() => client.ok(LogInDocument, { input: { phone, password: PASSWORD } }));
    expect(again).toEqual([TEST_SCRYPT_PARAMS]);
    expect(await storedHash()).toBe(rehashed);
  });

  it('locks a phone out after 10 failures in 15 minutes, even for the right password', async () => {
    const { phone } = await signUpUser(client);
    for (let i = 0; i < 10; i++) {
      expect(errorCode(await client.request(LogInDocument, { input: { phone, password: `wrong-${i}-password` } }))).toBe('INVALID_CREDENTIALS');
    }
    expect(errorCode(await client.request(LogInDocument, { input: { phone, password: PASSWORD } }))).toBe('TOO_MANY_ATTEMPTS');
  });

  it('rejects a forged token as anonymous', async () => {
    const result = await client.as('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad').request(ViewerDocument);
    expect(errorCode(result)).toBe('UNAUTHENTICATED');
  });
});
