import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new client id: public, unique, recognisable in logs. */
export function newClientId(): string {
  return `ogc_${randomBytes(15).toString('base64url')}`;
}

/** A new secret (256 random bits) and the hash kept of it. */
export function newClientSecret(): { secret: string; hash: string } {
  const secret = `ogs_${randomBytes(32).toString('base64url')}`;
  return { secret, hash: hashClientSecret(secret) };
}

/** SHA-256: the secret is random and long, so no guessing is sped up by a fast hash, and each token request stays cheap. */
export function hashClientSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

const DUMMY_HASH = hashClientSecret('no such client');

/** Constant-time comparison; with no stored hash (unknown client) it still does the same work. */
export function secretMatches(secret: string, storedHash: string | null): boolean {
  const given = Buffer.from(hashClientSecret(secret), 'hex');
  const stored = Buffer.from(storedHash ?? DUMMY_HASH, 'hex');
  return stored.length === given.length && timingSafeEqual(given, stored) && storedHash !== null;
}
