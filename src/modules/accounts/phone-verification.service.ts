import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { AppError, badInput, conflict, ErrorCode } from '../../errors';
import { isUniqueViolation } from '../common/validate';
import { OutboxChannel } from '../outbox/outbox-message.entity';
import { enqueueMessage } from '../outbox/outbox.service';
import type { VerificationRequest } from './accounts.inputs';
import { normalizePhone } from './phone';
import { AccountKind, User } from './user.entity';
import { PHONE_PURPOSES, VerificationCode, VerificationPurpose } from './verification-code.entity';

export const CODE_TTL_MS = 10 * 60 * 1000;
export const RESEND_COOLDOWN_MS = 60 * 1000;
/** Wrong tries after which a code is dead, even for the right digits. */
export const MAX_CODE_ATTEMPTS = 5;
export const PHONE_VERIFICATION_TEMPLATE = 'PHONE_VERIFICATION';

export function hashCode(userId: string, code: string): Buffer {
  return createHash('sha256').update(`${userId}:${code}`).digest();
}

export function invalidCode(): AppError {
  return new AppError(ErrorCode.InvalidCode, 'Wrong or expired verification code; request a new one if it keeps failing');
}

/** The user's row, locked for this transaction: serialises code requests and verifications of one user. */
export function lockUser(tx: EntityManager, userId: string): Promise<User> {
  return tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** CONFLICT when a personal account other than `userId` already uses the number. */
async function assertPhoneFree(tx: EntityManager, phone: string, userId: string): Promise<void> {
  const taken = await tx.count(User, { kind: AccountKind.PERSONAL, phone, id: { $ne: userId } });
  if (taken > 0) throw conflict('This phone number belongs to another account', { field: 'phone' });
}

/** TOO_MANY_ATTEMPTS with `retryAfter` (seconds) while the user's previous code is less than a minute old. */
export async function assertCooldownOver(tx: EntityManager, userId: string): Promise<void> {
  const latest = await tx.findOne(VerificationCode, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  const waitMs = latest ? latest.createdAt.getTime() + RESEND_COOLDOWN_MS - Date.now() : 0;
  if (waitMs > 0) {
    throw new AppError(ErrorCode.TooManyAttempts, 'A code was sent less than a minute ago; wait before asking again', {
      retryAfter: Math.ceil(waitMs / 1000),
    });
  }
}

/** Stores the hash of a fresh 6-digit code and queues its SMS, in the caller's transaction. */
function issueCode(tx: EntityManager, user: User, purpose: VerificationPurpose, phone: string): VerificationRequest {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(Date.now() + CODE_TTL_MS);
  tx.create(VerificationCode, { userId: user.id, purpose, phone, codeHash: hashCode(user.id, code).toString('hex'), expiresAt });
  enqueueMessage(tx, {
    orgId: user.orgId,
    channel: OutboxChannel.SMS,
    recipient: phone,
    template: PHONE_VERIFICATION_TEMPLATE,
    payload: { code },
  });
  return { phone, expiresAt };
}

/** Sends a code to the pending phone when a change is waiting, else to the current phone. */
export async function requestPhoneVerification(em: EntityManager, viewer: Viewer): Promise<VerificationRequest> {
  const { id } = viewer.requireUser();
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id);
    if (!user.pendingPhone && !user.phone) throw badInput('There is no phone number to verify; bind one with changeMyPhone', 'phone');
    if (!user.pendingPhone && user.phoneVerifiedAt) throw badInput('Your phone number is already verified', 'phone');
    await assertCooldownOver(tx, user.id);
    return user.pendingPhone
      ? issueCode(tx, user, VerificationPurpose.CHANGE_PHONE, user.pendingPhone)
      : issueCode(tx, user, VerificationPurpose.VERIFY_PHONE, user.phone!);
  });
}

/** Records `phone` as the pending number and sends a CHANGE_PHONE code to it; the current phone stays until verifyPhone. */
export async function changeMyPhone(em: EntityManager, app: AppServices, viewer: Viewer, rawPhone: string): Promise<VerificationRequest> {
  const { id } = viewer.requireUser();
  const phone = normalizePhone(rawPhone, app.config.phoneDefaultRegion);
  return em.transactional(async (tx) => {
    const user = await lockUser(tx, id);
    if (phone === user.phone) throw badInput('This is already your phone number', 'phone');
    await assertPhoneFree(tx, phone, user.id);
    await assertCooldownOver(tx, user.id);
    user.pendingPhone = phone;
    return issueCode(tx, user, VerificationPurpose.CHANGE_PHONE, phone);
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
      const latest = await tx.findOne(VerificationCode, { userId: id, purpose: { $in: PHONE_PURPOSES } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
      const now = new Date();
      if (!latest?.phone || latest.consumedAt || latest.expiresAt <= now || latest.attempts >= MAX_CODE_ATTEMPTS) return { ok: false };
      if (!timingSafeEqual(hashCode(id, code.trim()), Buffer.from(latest.codeHash, 'hex'))) {
        latest.attempts += 1;
        return { ok: false };
      }
      // A code is only good for the number it was sent to, and only while that number is still the one in question.
      const expected = latest.purpose === VerificationPurpose.CHANGE_PHONE ? user.pendingPhone : user.phone;
      if (expected !== latest.phone) return { ok: false };
      await assertPhoneFree(tx, latest.phone, id);
      latest.consumedAt = now;
      user.phone = latest.phone;
      user.pendingPhone = null;
      user.phoneVerifiedAt = now;
      await tx.flush();
      await copyPhoneToMemberships(tx, user.id, latest.phone);
      return { ok: true, user };
    })
    .catch((error) => {
      if (isUniqueViolation(error, 'users_personal_phone_unique')) throw conflict('This phone number belongs to another account', { field: 'phone' });
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
