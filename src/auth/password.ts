import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

// scrypt is memory-hard (N * r * 128 bytes = 16 MiB here) and needs no native addon.
const PARAMS = { N: 2 ** 14, r: 8, p: 1, keyLength: 32 };

function derive(password: string, salt: Buffer, params = PARAMS): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 64 * 1024 * 1024 };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, params.keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** `scrypt$N$r$p$salt$hash`, so parameters can be raised later without breaking stored hashes. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await derive(password, Buffer.from(salt, 'base64url'), { N: Number(n), r: Number(r), p: Number(p), keyLength: expected.length });
  return timingSafeEqual(key, expected);
}

/** A hash of nothing, verified against when an account does not exist, so both cases take the same time. */
export const DUMMY_PASSWORD_HASH = 'scrypt$16384$8$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

export function validateNewPassword(password: string): string | null {
  if (password.length < 8) return 'Password must have at least 8 characters';
  if (password.length > 200) return 'Password must have at most 200 characters';
  return null;
}

/** A readable initial password for enterprise accounts: 16 characters from a CSPRNG. */
export function generateInitialPassword(): string {
  return randomBytes(12).toString('base64url');
}
