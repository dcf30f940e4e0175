import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict, errorMessage } from '../../errors';
import { optionalEmail } from '../common/validate';
import type { EmailVerificationRequest } from './accounts.inputs';

import { AccountKind, User } from './user.entity';
import { VerificationPurpose } from './verification-code.entity';
import { assertCooldownOver, codePreferences, invalidCode, issueCode, lockUser, matchLatestCode } from './verification-codes';

/** CONFLICT when another personal account has verified this address: a verified email names one person. */
async function assertEmailFree(tx: EntityManager, email: string, userId: string): Promise<void> {
  const taken = await tx.count(User, { kind: AccountKind.PERSONAL, email, emailVerifiedAt: { $ne: null }, id: { $ne: userId } });
  if (taken > 0) throw conflict(errorMessage('emailOfAnotherAccount'), { field: 'email' });
}

/**
 * Sends a 6-digit code to `rawEmail` (the account's email becomes it once verified). Invitations sent to an email
 * address are accepted by the user who verified it [004]. Same cooldown and lifetime as phone codes.
 */
export async function requestEmailVerification(em: EntityManager, viewer: Viewer, rawEmail: string, acceptLanguage?: string | null): Promise<EmailVerificationRequest> {
  const { id } = viewer.requireUser();
  const email = optionalEmail(rawEmail);
  if (!email) throw badInput(errorMessage('emailRequired'), 'email');
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id);
    if (user.emailVerifiedAt && user.email === email) throw badInput(errorMessage('emailAlreadyVerified'), 'email');
    await assertEmailFree(tx, email, user.id);
    await assertCooldownOver(tx, user.id);
    return { email, ...issueCode(tx, user, VerificationPurpose.VERIFY_EMAIL, { email }, codePreferences(user, viewer, acceptLanguage)) };
  });
}

/** Checks the latest email code: a right one sets and verifies the account's email; a wrong one counts a try. */
export async function verifyEmail(em: EntityManager, viewer: Viewer, code: string): Promise<User> {
  const { id } = viewer.requireUser();
  const user = await em.transactional(async (tx): Promise<User | null> => {
    const user = await lockUser(tx, id);
    const latest = await matchLatestCode(tx, id, [VerificationPurpose.VERIFY_EMAIL], code);
    if (!latest?.email) return null;
    await assertEmailFree(tx, latest.email, id);
    const now = new Date();
    latest.consumedAt = now;
    user.email = latest.email;
    user.emailVerifiedAt = now;
    return user;
  });
  if (!user) throw invalidCode();
  return user;
}
