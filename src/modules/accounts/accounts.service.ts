import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { validateNewPassword, type PasswordCheck, type PasswordHasher } from '../../auth/password';
import { AppError, badInput, conflict, ErrorCode, errorMessage } from '../../errors';
import type { LocalizedMessage } from '../../i18n';
import { isUniqueViolation, optionalEmail, requireText } from '../common/validate';
import { Member, MemberStatus } from '../members/member.entity';
import type { AuthPayload, ChangePasswordInput, LogInInput, LogInWithEmailInput, SignUpInput } from './accounts.inputs';
import { LogInAttempt } from './login-attempt.entity';
import { normalizePhone } from './phone';
import { AccountKind, User } from './user.entity';

export const MAX_FAILED_LOGINS = 10;
export const FAILED_LOGIN_WINDOW_MS = 15 * 60 * 1000;

export async function signUp(em: EntityManager, app: AppServices, input: SignUpInput): Promise<AuthPayload> {
  const phone = normalizePhone(input.phone, app.config.phoneDefaultRegion);
  const name = requireText(input.name, 'name', 100);
  const problem = validateNewPassword(input.password);
  if (problem) throw badInput(problem, 'password');
  const user = em.create(User, { kind: AccountKind.PERSONAL, name, phone, passwordHash: await app.passwords.hash(input.password) });
  try {
    await em.persistAndFlush(user);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict(errorMessage('accountPhoneTaken'), { field: 'phone' });
    throw error;
  }
  return { token: await app.tokens.sign({ sub: user.id }), user };
}

/** Refuses with TOO_MANY_ATTEMPTS after too many recent failures for this identifier. */
export async function assertNotLockedOut(em: EntityManager, identifier: string): Promise<void> {
  const failures = await em.count(LogInAttempt, {
    identifier,
    succeeded: false,
    createdAt: { $gt: new Date(Date.now() - FAILED_LOGIN_WINDOW_MS) },
  });
  if (failures >= MAX_FAILED_LOGINS) {
    throw new AppError(ErrorCode.TooManyAttempts, errorMessage('tooManyLogIns', { minutes: 15 }));
  }
}

/** Records the attempt outside any surrounding transaction, so a failure is remembered even though the operation fails. */
export async function recordLogInAttempt(
  em: EntityManager,
  attempt: { identifier: string; userId: string | null; orgId: string | null; succeeded: boolean; clientAddress: string | null },
): Promise<void> {
  await em.fork().persistAndFlush(em.create(LogInAttempt, attempt));
}

/** One answer for every failed sign-in, whatever was wrong, so nothing leaks about which accounts exist. */
export function invalidCredentials(message: LocalizedMessage = errorMessage('invalidCredentials')): AppError {
  return new AppError(ErrorCode.InvalidCredentials, message);
}

/**
 * Checks the password against the user's hash, or, when there is no user, does the same key derivation against a
 * dummy hash, so both take the same time. `rehash`: store it when the sign-in succeeds (the stored hash is of a lower
 * cost than the current one).
 */
export async function passwordMatches(em: EntityManager, passwords: PasswordHasher, user: User | null, password: string): Promise<PasswordCheck> {
  if (!user) return passwords.checkNoAccount(password);
  await em.populate(user, ['passwordHash']);
  return passwords.check(password, user.passwordHash);
}

export async function logIn(em: EntityManager, app: AppServices, input: LogInInput, clientAddress: string | null): Promise<AuthPayload> {
  let phone: string;
  try {
    phone = normalizePhone(input.phone, app.config.phoneDefaultRegion);
  } catch {
    throw invalidCredentials();
  }
  await assertNotLockedOut(em, phone);
  // The hash in the same statement: a wrong password then costs the statements an unknown phone does.
  const user = await em.findOne(User, { kind: AccountKind.PERSONAL, phone }, { populate: ['passwordHash'] });
  const password = await passwordMatches(em, app.passwords, user, input.password);
  if (!password.ok || !user) {
    await recordLogInAttempt(em, { identifier: phone, userId: user?.id ?? null, orgId: null, succeeded: false, clientAddress });
    throw invalidCredentials();
  }
  return completeLogIn(em, app, user, password, phone, clientAddress);
}

/**
 * Signs in a personal account by its verified email address and password (an unverified address names nobody).
 * Failures answer INVALID_CREDENTIALS alike and count towards the address's lock-out, as phone sign-ins do.
 */
export async function logInWithEmail(em: EntityManager, app: AppServices, input: LogInWithEmailInput, clientAddress: string | null): Promise<AuthPayload> {
  let email: string | null;
  try {
    email = optionalEmail(input.email);
  } catch {
    email = null;
  }
  if (!email) throw invalidCredentials(errorMessage('invalidEmailCredentials'));
  await assertNotLockedOut(em, email);
  const user = await em.findOne(User, { kind: AccountKind.PERSONAL, email, emailVerifiedAt: { $ne: null } }, { populate: ['passwordHash'] });
  const password = await passwordMatches(em, app.passwords, user, input.password);
  if (!password.ok || !user) {
    await recordLogInAttempt(em, { identifier: email, userId: user?.id ?? null, orgId: null, succeeded: false, clientAddress });
    throw invalidCredentials(errorMessage('invalidEmailCredentials'));
  }
  return completeLogIn(em, app, user, password, email, clientAddress);
}

/** After a right password: the token selects the earliest-joined active org; the attempt is recorded. */
async function completeLogIn(
  em: EntityManager,
  app: AppServices,
  user: User,
  password: PasswordCheck,
  identifier: string,
  clientAddress: string | null,
): Promise<AuthPayload> {
  const membership = await em.findOne(
    Member,
    { userId: user.id, status: MemberStatus.ACTIVE },
    { orderBy: { joinedAt: 'asc', id: 'asc' } },
  );
  // The org the token selects: that org may then see this log-in among the member's login records.
  const orgId = membership?.orgId ?? null;
  await recordLogInAttempt(em, { identifier, userId: user.id, orgId, succeeded: true, clientAddress });
  user.lastLogInAt = new Date();
  if (password.rehash) user.passwordHash = password.rehash;
  await em.flush();
  return { token: await app.tokens.sign({ sub: user.id, org: orgId ?? undefined }), user };
}

const CHANGE_PASSWORD_LOCK_PREFIX = 'change-password/';

/**
 * Replaces the signed-in user's password after checking the current one; clears `mustChangePassword`,
 * which lifts the PASSWORD_CHANGE_REQUIRED gate of a new enterprise account. Wrong current passwords
 * count towards a lock-out like sign-ins do, so a stolen token cannot be used to guess the password.
 */
export async function changePassword(em: EntityManager, app: AppServices, viewer: Viewer, input: ChangePasswordInput): Promise<User> {
  const user = await em.findOneOrFail(User, { id: viewer.requireUser().id });
  const problem = validateNewPassword(input.newPassword);
  if (problem) throw badInput(problem, 'newPassword');
  if (input.newPassword === input.currentPassword) throw badInput(errorMessage('newPasswordSame'), 'newPassword');
  const identifier = `${CHANGE_PASSWORD_LOCK_PREFIX}${user.id}`;
  await assertNotLockedOut(em, identifier);
  if (!(await passwordMatches(em, app.passwords, user, input.currentPassword)).ok) {
    // No user id on the row: this is not a log-in and must not show among login records.
    await recordLogInAttempt(em, { identifier, userId: null, orgId: null, succeeded: false, clientAddress: null });
    throw invalidCredentials(errorMessage('wrongCurrentPassword'));
  }
  user.passwordHash = await app.passwords.hash(input.newPassword);
  user.mustChangePassword = false;
  await em.flush();
  return user;
}
