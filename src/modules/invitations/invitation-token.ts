import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: shown once, in the link or message. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashInvitationToken(token) };
}

/** Only this hash is stored; lookups hash the presented token. A fast hash suffices for 256 random bits. */
export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
