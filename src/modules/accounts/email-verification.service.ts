import { randomInt, timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict } from '../../errors';
import { optionalEmail } from '../common/validate';
import { OutboxChannel } from '../outbox/outbox-message.entity';
import { enqueueMessage } from '../outbox/outbox.service';
import type { EmailVerificationRequest } from './accounts.inputs';
import { assertCooldownOver, CODE_TTL_MS, hashCode, invalidCode, lockUser, MAX_CODE_ATTEMPTS } from './phone-verification.service';
import { AccountKind, User } from './user.entity';
import { VerificationCode, VerificationPurpose } from './verification-code.entity';

export const EMAIL_VERIFICATION_TEMPLATE = 'EMAIL_VERIFICATION';

/** CONFLICT when another personal account has verified this address: a verified email names one person. */
async function assertEmailFree(tx: EntityManager, email: string, userId: string): Promise<void> {
  const taken = await tx.count(User, { kind: AccountKind.PERSONAL, email, emailVerifiedAt: { $ne: null }, id: { $ne: userId } });
  if (taken > 0) throw conflict('This email address belongs to another account', { field: 'email' });
}

/**
 * Sends a 6-digit code to `rawEmail` (the account's email becomes it once verified). Invitations sent to an email
 * address are accepted by the user who verified it [004]. Same cooldown and lifetime as phone codes.
 */
export async function requestEmailVerification(em: EntityManager, viewer: Viewer, rawEmail: string): Promise<EmailVerificationRequest> {
  const { id } = viewer.requireUser();
  const email = optionalEmail(rawEmail);
  if (!email) throw badInput('An email address is required', 'email');
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id);
    if (user.emailVerifiedAt && user.email === email) throw badInput('This email address is already verified', 'email');
    await assertEmailFree(tx, email, user.id);
    await assertCooldownOver(tx, user.id);
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = new Date(Date.now() + CODE_TTL_MS);
    tx.create(VerificationCode, { userId: user.id, purpose: VerificationPurpose.VERIFY_EMAIL, email, codeHash: hashCode(user.id, code).toString('hex'), expiresAt });
    enqueueMessage(tx, { orgId: user.orgId, channel: OutboxChannel.EMAIL, recipient: email, template: EMAIL_VERIFICATION_TEMPLATE, payload: { code } });
    return { email, expiresAt };
  });
}

/** Checks the latest email code: a right one sets and verifies the account's email; a wrong one counts a try. */
export async function verifyEmail(em: EntityManager, viewer: Viewer, code: string): Promise<User> {
  const { id } = viewer.requireUser();
  const user = await em.transactional(async (tx): Promise<User | null> => {
    const user = await lockUser(tx, id);
    const latest = await tx.findOne(VerificationCode, { userId: id, purpose: VerificationPurpose.VERIFY_EMAIL }, { orderBy: { createdAt: 'desc', id: 'desc' } });
    const now = new Date();
    if (!latest?.email || latest.consumedAt || latest.expiresAt <= now || latest.attempts >= MAX_CODE_ATTEMPTS) return null;
    if (!timingSafeEqual(hashCode(id, code.trim()), Buffer.from(latest.codeHash, 'hex'))) {
      latest.attempts += 1; // committed although the call fails
      return null;
    }
    await assertEmailFree(tx, latest.email, id);
    latest.consumedAt = now;
    user.email = latest.email;
    user.emailVerifiedAt = now;
    return user;
  });
  if (!user) throw invalidCode();
  return user;
}
