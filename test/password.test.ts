import { describe, expect, it } from 'vitest';
import { DEFAULT_SCRYPT_PARAMS, hashPassword, parsePasswordHash, PasswordHasher, verifyPassword } from '../src/auth/password';
import { loadConfig } from '../src/config';
import { keyDerivationsDuring } from './support/passwords';

const LOW = { N: 2 ** 10, r: 8, p: 1, keyLength: 32 };

describe('password hashing', () => {
  it('verifies the password it hashed and nothing else', async () => {
    const stored = await hashPassword('correct horse battery', LOW);
    expect(stored).toMatch(/^scrypt\$1024\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse battery!', stored)).toBe(false);
    expect(await verifyPassword('correct horse battery', 'scrypt$1024$8$1$AAAA')).toBe(false);
  });

  it('verifying against the dummy hash derives a key with the hasher\'s parameters', async () => {
    const hasher = new PasswordHasher(LOW);
    const dummy = await hasher.dummyHash();
    expect(await keyDerivationsDuring(() => verifyPassword('anything at all', dummy))).toEqual([LOW]);
    expect(parsePasswordHash(dummy)?.params).toEqual(LOW);
    // An unknown account costs what a real one does: one derivation, same parameters.
    const real = await hasher.hash('correct horse battery');
    expect(await keyDerivationsDuring(() => hasher.checkNoAccount('anything at all'))).toEqual(
      await keyDerivationsDuring(() => hasher.check('not the password', real)),
    );
  });

  it('replaces a hash of a lower cost once the password is right, and costs a current derivation either way', async () => {
    const hasher = new PasswordHasher(LOW);
    const old = await hashPassword('correct horse battery', { ...LOW, N: 2 ** 9 });
    let right: Awaited<ReturnType<PasswordHasher['check']>> | undefined;
    expect(await keyDerivationsDuring(async () => (right = await hasher.check('correct horse battery', old)))).toEqual([{ ...LOW, N: 2 ** 9 }, LOW]);
    expect(right!.ok).toBe(true);
    expect(parsePasswordHash(right!.rehash!)?.params).toEqual(LOW);
    expect(await verifyPassword('correct horse battery', right!.rehash!)).toBe(true);
    expect(await keyDerivationsDuring(() => hasher.check('wrong', old))).toEqual([{ ...LOW, N: 2 ** 9 }, LOW]);
    expect(await hasher.check('wrong', old)).toEqual({ ok: false, rehash: null });
    // Current and stronger hashes stay as they are.
    expect(await hasher.check('correct horse battery', right!.rehash!)).toEqual({ ok: true, rehash: null });
    const stronger = await hashPassword('correct horse battery', { ...LOW, N: 2 ** 11 });
    expect(await hasher.check('correct horse battery', stronger)).toEqual({ ok: true, rehash: null });
    // A hash that cannot be read is checked like a missing account.
    expect(await keyDerivationsDuring(() => hasher.check('correct horse battery', 'not-a-hash'))).toEqual([LOW]);
  });
});

describe('scrypt cost', () => {
  it('is OWASP\'s N = 2^17, r = 8, p = 1 unless PASSWORD_SCRYPT_LOG2N says otherwise', () => {
    expect(loadConfig({}).passwordScryptLog2N).toBe(17);
    expect(DEFAULT_SCRYPT_PARAMS).toEqual({ N: 2 ** 17, r: 8, p: 1, keyLength: 32 });
    expect(loadConfig({ PASSWORD_SCRYPT_LOG2N: '15' }).passwordScryptLog2N).toBe(15);
    for (const bad of ['9', '21', '16.5', 'high']) {
      expect(() => loadConfig({ PASSWORD_SCRYPT_LOG2N: bad })).toThrow(/PASSWORD_SCRYPT_LOG2N must be a whole number from 10 to 20/);
    }
  });

  it('hashes and verifies at OWASP\'s cost (128 MiB fits the memory scrypt is allowed)', async () => {
    const stored = await hashPassword('correct horse battery', DEFAULT_SCRYPT_PARAMS);
    expect(stored.startsWith('scrypt$131072$8$1$')).toBe(true);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
  });
});
