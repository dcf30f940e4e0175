import { createHash, randomBytes } from 'node:crypto';

/** 256 bits from the CSPRNG, base64url: shown once, in the link or message. */
export function newInvitationToken(): { token: string; tokenHash: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: hashInvitationToken(token) };
}

/** `count` tokens drawn from the CSPRNG in one call (a bulk import's batch), each as `newInvitationToken` makes it. */
export function newInvitationTokens(count: number): Array<{ token: string; tokenHash: string }> {
  const bytes = randomBytes(32 * count);
  const tokens: Array<{ token: string; tokenHash: string }> = [];
  for (let i = 0; i < count; i++) {
    const token = bytes.subarray(32 * i, 32 * (i + 1)).toString('base64url');
    tokens.push({ token, tokenHash: hashInvitationToken(token) });
  }
  return tokens;
}

/** Only this hash is stored; lookups hash the presented token. A fast hash suffices for 256 random bits. */
export function hashInvitationToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
