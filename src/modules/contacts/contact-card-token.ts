import { createHmac } from 'node:crypto';
import { hashInvitationToken } from '../invitations/invitation-token';

/**
 * A contact card's token is derived from its id with the server secret (HMAC-SHA256, 256 bits, base64url), so the
 * card's owner can be shown the link and QR code again at any time while the database holds only its hash (the
 * same hash as invitation tokens): a leaked database does not yield working links. Rotating the secret turns
 * existing cards off (their recomputed token no longer matches); members create a new card.
 */
export function contactCardToken(secret: string, cardId: string): string {
  return createHmac('sha256', secret).update(`contact-card:${cardId}`).digest('base64url');
}

export const hashContactCardToken = hashInvitationToken;

export function contactCardUrl(publicUrl: string, token: string): string {
  return `${publicUrl}/contact-card/${token}`;
}
