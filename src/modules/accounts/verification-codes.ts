import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, ErrorCode, errorMessage } from '../../errors';
import { OutboxChannel } from '../outbox/outbox-message.entity';
import { enqueueMessage } from '../outbox/outbox.service';
import type { Viewer } from '../../auth/viewer';
import { chooseLocale, chooseTimeZone } from '../../i18n';
import type { RecipientPreferences } from './recipient-preferences';
import { User } from './user.entity';
import { VerificationCode, VerificationPurpose } from './verification-code.entity';

/** The one-time codes of phone and email verification: issued, sent through the outbox, checked. */

export const CODE_TTL_MS = 10 * 60 * 1000;
export const RESEND_COOLDOWN_MS = 60 * 1000;
/** Wrong tries after which a code is dead, even for the right digits. */
export const MAX_CODE_ATTEMPTS = 5;
export const PHONE_VERIFICATION_TEMPLATE = 'PHONE_VERIFICATION';
export const EMAIL_VERIFICATION_TEMPLATE = 'EMAIL_VERIFICATION';

function hashCode(userId: string, code: string): Buffer {
  return createHash('sha256').update(`${userId}:${code}`).digest();
}

export function invalidCode(): AppError {
  return new AppError(ErrorCode.InvalidCode, errorMessage('invalidCode'));
}

/** The user's row, locked for this transaction: serialises code requests and verifications of one user. */
export function lockUser(tx: EntityManager, userId: string): Promise<User> {
  return tx.findOneOrFail(User, { id: userId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
}

/** TOO_MANY_ATTEMPTS with `retryAfter` (seconds) while the user's previous code is less than a minute old. */
export async function assertCooldownOver(tx: EntityManager, userId: string): Promise<void> {
  const latest = await tx.findOne(VerificationCode, { userId }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  const waitMs = latest ? latest.createdAt.getTime() + RESEND_COOLDOWN_MS - Date.now() : 0;
  if (waitMs > 0) {
    throw new AppError(ErrorCode.TooManyAttempts, errorMessage('codeCooldown'), {
      retryAfter: Math.ceil(waitMs / 1000),
    });
  }
}

/**
 * The language and zone of a code's message: the person asks for it themself, so their saved locale, else the
 * language of the client they ask from, else their org's.
 */
export function codePreferences(user: User, viewer: Viewer, acceptLanguage: string | null | undefined): RecipientPreferences {
  return {
    locale: chooseLocale({ saved: user.locale, acceptLanguage, orgDefault: viewer.org?.locale }),
    timeZone: chooseTimeZone(user.timeZone, viewer.org?.timeZone),
  };
}

/** Where a code goes: a phone by SMS or an email address. */
export type CodeTarget = { phone: string } | { email: string };

/** Stores the hash of a fresh 6-digit code and queues its SMS or email, in the caller's transaction. */
export function issueCode(tx: EntityManager, user: User, purpose: VerificationPurpose, target: CodeTarget, preferences: RecipientPreferences): { expiresAt: Date } {
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  const expiresAt = new Date(Date.now() + CODE_TTL_MS);
  tx.create(VerificationCode, { userId: user.id, purpose, ...target, codeHash: hashCode(user.id, code).toString('hex'), expiresAt });
  enqueueMessage(tx, {
    orgId: user.orgId,
    ...('phone' in target
      ? { channel: OutboxChannel.SMS, recipient: target.phone, template: PHONE_VERIFICATION_TEMPLATE }
      : { channel: OutboxChannel.EMAIL, recipient: target.email, template: EMAIL_VERIFICATION_TEMPLATE }),
    payload: { code },
    preferences,
  });
  return { expiresAt };
}

/**
 * The user's latest live code of one of `purposes` when `code` matches it, else null. A wrong code counts a try,
 * committed with the caller's transaction even though the call then fails.
 */
export async function matchLatestCode(tx: EntityManager, userId: string, purposes: VerificationPurpose[], code: string): Promise<VerificationCode | null> {
  const latest = await tx.findOne(VerificationCode, { userId, purpose: { $in: purposes } }, { orderBy: { createdAt: 'desc', id: 'desc' } });
  if (!latest || latest.consumedAt || latest.expiresAt <= new Date() || latest.attempts >= MAX_CODE_ATTEMPTS) return null;
  if (!timingSafeEqual(hashCode(userId, code.trim()), Buffer.from(latest.codeHash, 'hex'))) {
    latest.attempts += 1;
    return null;
  }
  return latest;
}
