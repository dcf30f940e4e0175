import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { DUMMY_PASSWORD_HASH, hashPassword, validateNewPassword, verifyPassword } from '../../auth/password';
import { AppError, badInput, conflict, ErrorCode } from '../../errors';
import { isUniqueViolation, requireText } from '../common/validate';
import { Member, MemberStatus } from '../members/member.entity';
import type { AuthPayload, LogInInput, SignUpInput } from './accounts.inputs';
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
  const user = em.create(User, { kind: AccountKind.PERSONAL, name, phone, passwordHash: await hashPassword(input.password) });
  try {
    await em.persistAndFlush(user);
  } catch (error) {
    if (isUniqueViolation(error)) throw conflict('An account with this phone number already exists', { field: 'phone' });
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
    throw new AppError(ErrorCode.TooManyAttempts, 'Too many failed sign-in attempts; try again in 15 minutes');
  }
}

/** Records the attempt outside any surrounding transaction, so a failure is remembered even though the operation fails. */
export async function recordLogInAttempt(
  em: EntityManager,
  attempt: { identifier: string; userId: string | null; orgId: string | null; succeeded: boolean; clientAddress: string | null },
): Promise<void> {
  await em.fork().persistAndFlush(em.create(LogInAttempt, attempt));
}

export function invalidCredentials(): AppError {
  return new AppError(ErrorCode.InvalidCredentials, 'Wrong phone number or password');
}

/** Checks the password against the user's hash, or a dummy hash when there is no user, so both take the same time. */
export async function passwordMatches(em: EntityManager, user: User | null, password: string): Promise<boolean> {
  if (!user) {
    await verifyPassword(password, DUMMY_PASSWORD_HASH);
    return false;
  }
  await em.populate(user, ['passwordHash']);
  return verifyPassword(password, user.passwordHash);
}

export async function logIn(em: EntityManager, app: AppServices, input: LogInInput, clientAddress: string | null): Promise<AuthPayload> {
  let phone: string;
  try {
    phone = normalizePhone(input.phone, app.config.phoneDefaultRegion);
  } catch {
    throw invalidCredentials();
  }
  await assertNotLockedOut(em, phone);
  const user = await em.findOne(User, { kind: AccountKind.PERSONAL, phone });
  const ok = await passwordMatches(em, user, input.password);
  await recordLogInAttempt(em, { identifier: phone, userId: user?.id ?? null, orgId: null, succeeded: ok, clientAddress });
  if (!ok || !user) throw invalidCredentials();
  user.lastLogInAt = new Date();
  await em.flush();
  const membership = await em.findOne(
    Member,
    { userId: user.id, status: MemberStatus.ACTIVE },
    { orderBy: { joinedAt: 'asc', id: 'asc' } },
  );
  return { token: await app.tokens.sign({ sub: user.id, org: membership?.orgId }), user };
}
