import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { badInput, conflict, errorMessage } from '../../errors';
import { isUniqueViolation } from '../common/validate';
import type { VerificationRequest } from './accounts.inputs';
import { assertMobilePhone, normalizeMobilePhone } from './phone';
import { AccountKind, User } from './user.entity';
import { PHONE_PURPOSES, VerificationPurpose } from './verification-code.entity';
import type { RecipientPreferences } from './recipient-preferences';
import { assertCooldownOver, codePreferences, invalidCode, issueCode, lockUser, matchLatestCode } from './verification-codes';

/** CONFLICT when a personal account other than `userId` already uses the number. */
async function assertPhoneFree(tx: EntityManager, phone: string, userId: string): Promise<void> {
  const taken = await tx.count(User, { kind: AccountKind.PERSONAL, phone, id: { $ne: userId } });
  if (taken > 0) throw conflict(errorMessage('phoneOfAnotherAccount'), { field: 'phone' });
}

/** Sends a code to `phone` (SMS) for `purpose`; a number that cannot receive an SMS is refused (BAD_USER_INPUT). */
function sendPhoneCode(tx: EntityManager, user: User, purpose: VerificationPurpose, phone: string, preferences: RecipientPreferences): VerificationRequest {
  assertMobilePhone(phone);
  return { phone, ...issueCode(tx, user, purpose, { phone }, preferences) };
}

/** Sends a code to the pending phone when a change is waiting, else to the current phone. */
export async function requestPhoneVerification(em: EntityManager, viewer: Viewer, acceptLanguage?: string | null): Promise<VerificationRequest> {
  const { id } = viewer.requireUser();
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id);
    if (!user.pendingPhone && !user.phone) throw badInput(errorMessage('noPhoneToVerify'), 'phone');
    if (!user.pendingPhone && user.phoneVerifiedAt) throw badInput(errorMessage('phoneAlreadyVerified'), 'phone');
    await assertCooldownOver(tx, user.id);
    return user.pendingPhone
      ? sendPhoneCode(tx, user, VerificationPurpose.CHANGE_PHONE, user.pendingPhone, codePreferences(user, viewer, acceptLanguage))
      : sendPhoneCode(tx, user, VerificationPurpose.VERIFY_PHONE, user.phone!, codePreferences(user, viewer, acceptLanguage));
  });
}

/** Records `phone` as the pending number and sends a CHANGE_PHONE code to it; the current phone stays until verifyPhone. */
export async function changeMyPhone(em: EntityManager, app: AppServices, viewer: Viewer, rawPhone: string, acceptLanguage?: string | null): Promise<VerificationRequest> {
  const { id } = viewer.requireUser();
  const phone = normalizeMobilePhone(rawPhone, app.config.phoneDefaultRegion);
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id);
    if (phone === user.phone) throw badInput(errorMessage('alreadyYourPhone'), 'phone');
    await assertPhoneFree(tx, phone, user.id);
    await assertCooldownOver(tx, user.id);
    user.pendingPhone = phone;
    return sendPhoneCode(tx, user, VerificationPurpose.CHANGE_PHONE, phone, codePreferences(user, viewer, acceptLanguage));
  });
}

type VerifyOutcome = { ok: true; user: User } | { ok: false };

/**
 * Checks the user's latest code. A wrong code counts a try (committed even though the call fails);
 * a right one marks the phone verified, switches to the pending number for a CHANGE_PHONE code, and
 * copies the verified number to the user's memberships where no other member of that org has it.
 */
export async function verifyPhone(em: EntityManager, viewer: Viewer, code: string): Promise<User> {
  const { id } = viewer.requireUser();
  const outcome = await em
    .transactional(async (tx): Promise<VerifyOutcome> => {
      const user = await lockUser(tx, id);
      const latest = await matchLatestCode(tx, id, PHONE_PURPOSES, code);
      if (!latest?.phone) return { ok: false };
      // A code is only good for the number it was sent to, and only while that number is still the one in question.
      const expected = latest.purpose === VerificationPurpose.CHANGE_PHONE ? user.pendingPhone : user.phone;
      if (expected !== latest.phone) return { ok: false };
      await assertPhoneFree(tx, latest.phone, id);
      const now = new Date();
      latest.consumedAt = now;
      user.phone = latest.phone;
      user.pendingPhone = null;
      user.phoneVerifiedAt = now;
      await tx.flush();
      await copyPhoneToMemberships(tx, user.id, latest.phone);
      return { ok: true, user };
    })
    .catch((error) => {
      if (isUniqueViolation(error, 'users_personal_phone_unique')) throw conflict(errorMessage('phoneOfAnotherAccount'), { field: 'phone' });
      throw error;
    });
  if (!outcome.ok) throw invalidCode();
  return outcome.user;
}

async function copyPhoneToMemberships(tx: EntityManager, userId: string, phone: string): Promise<void> {
  await tx.getConnection().execute(
    `update members m set phone = ?, updated_at = now()
      where m.user_id = ? and m.phone is distinct from ?
        and not exists (select 1 from members other where other.org_id = m.org_id and other.phone = ? and other.id <> m.id)`,
    [phone, userId, phone, phone],
    'run',
    tx.getTransactionContext(),
  );
}
