import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Invite links are meant to be shared again and again (chat, mail, a printed QR code), so admins may show a link
 * and its QR code later: its token is kept encrypted (AES-256-GCM, key derived from JWT_SECRET with HKDF) beside its
 * hash. Lookups still go by hash. Person invitations keep only the hash: their token is never shown again.
 * Rotating JWT_SECRET makes stored links unreadable (not unusable): resendInvitation issues a new one.
 */
export class LinkTokenVault {
  private readonly key: Buffer;

  constructor(secret: string) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'orggraph', 'invite-link-token/v1', 32));
  }

  seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const sealed = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
  }

  /** The token, or null when it was sealed with another secret or tampered with. */
  open(ciphertext: string): string | null {
    try {
      const raw = Buffer.from(ciphertext, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }
}

const vaults = new Map<string, LinkTokenVault>();

/** One vault per secret (key derivation once per process). */
export function linkTokenVault(secret: string): LinkTokenVault {
  let vault = vaults.get(secret);
  if (!vault) vaults.set(secret, (vault = new LinkTokenVault(secret)));
  return vault;
}

/** The link people open: `<publicUrl>/invite/<token>`. */
export function invitationUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/invite/${token}`;
}
