import { badInput, errorMessage } from '../../errors';
import { isLocale, isTimeZone, matchLocale, type Locale } from '../../i18n';

/** Trims a required text field and checks its length. */
export function requireText(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (!trimmed) throw badInput(errorMessage('mustNotBeEmpty', { field }), field);
  if (trimmed.length > max) throw badInput(errorMessage('tooLong', { field, max }), field);
  return trimmed;
}

/** Like `requireText` for optional fields: null and blank become null. */
export function optionalText(value: string | null | undefined, field: string, max: number): string | null {
  if (value == null || !value.trim()) return null;
  return requireText(value, field, max);
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function optionalEmail(value: string | null | undefined, field = 'email'): string | null {
  const email = optionalText(value, field, 254)?.toLowerCase() ?? null;
  if (email && !EMAIL.test(email)) throw badInput(errorMessage('invalidEmail'), field);
  return email;
}

/** Postgres unique violation, for turning races into CONFLICT instead of a 500. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; name?: string };
  const unique = e?.code === '23505' || e?.name === 'UniqueConstraintViolationException';
  return unique && (!constraint || e.constraint === constraint || String((error as Error).message).includes(constraint));
}

/** One of the supported locales (`zh-cn`, `zh_CN` and `ja-JP` are read as zh-CN and ja); BAD_USER_INPUT otherwise. */
export function requireLocale(value: string, field: string): Locale {
  const trimmed: string = value.trim();
  const locale = isLocale(trimmed) ? trimmed : /^[a-z]{2}([-_][a-z0-9]{2,8})*$/i.test(trimmed) ? matchLocale(trimmed) : null;
  if (!locale) throw badInput(errorMessage('unsupportedLocale', { value: value.trim().slice(0, 40) }), field);
  return locale;
}

/** An IANA time zone name the runtime knows; BAD_USER_INPUT otherwise (offsets such as +08:00 included). */
export function requireTimeZone(value: string, field: string): string {
  const trimmed = value.trim();
  if (!isTimeZone(trimmed)) throw badInput(errorMessage('invalidTimeZone', { value: trimmed.slice(0, 64) }), field);
  return trimmed;
}
