import { badInput } from '../../errors';

/** Trims a required text field and checks its length. */
export function requireText(value: string, field: string, max: number): string {
  const trimmed = value.trim();
  if (!trimmed) throw badInput(`${field} must not be empty`, field);
  if (trimmed.length > max) throw badInput(`${field} must have at most ${max} characters`, field);
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
  if (email && !EMAIL.test(email)) throw badInput(`Invalid email address`, field);
  return email;
}

/** Postgres unique violation, for turning races into CONFLICT instead of a 500. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string; name?: string };
  const unique = e?.code === '23505' || e?.name === 'UniqueConstraintViolationException';
  return unique && (!constraint || e.constraint === constraint || String((error as Error).message).includes(constraint));
}
