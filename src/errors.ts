import { GraphQLError } from 'graphql';
import { DEFAULT_LOCALE, translate, type Locale, type LocalizedMessage, type MessageArgs } from './i18n';

/** Stable codes sent as `extensions.code`. Clients and partners switch on these. */
export enum ErrorCode {
  BadUserInput = 'BAD_USER_INPUT',
  Unauthenticated = 'UNAUTHENTICATED',
  Forbidden = 'FORBIDDEN',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  QuotaExceeded = 'QUOTA_EXCEEDED',
  InvalidCredentials = 'INVALID_CREDENTIALS',
  TooManyAttempts = 'TOO_MANY_ATTEMPTS',
  PasswordChangeRequired = 'PASSWORD_CHANGE_REQUIRED',
  InvalidCode = 'INVALID_VERIFICATION_CODE',
  ServiceUnavailable = 'SERVICE_UNAVAILABLE',
  /** An invitation token that is unknown, expired, used up, revoked or otherwise closed: one answer for all. */
  InvitationInvalid = 'INVITATION_INVALID',
  /** A phone or email invitation accepted by a user whose verified phone or email is another one. */
  InvitationRecipientMismatch = 'INVITATION_RECIPIENT_MISMATCH',
  /** A contact with this phone, email or person already exists in the org [001]. */
  ContactExists = 'CONTACT_EXISTS',
  /** Only a connected contact may join an external group [002]. */
  ContactNotConnected = 'CONTACT_NOT_CONNECTED',
  /** The operation's computed cost is over the limit of one operation (or of the caller's whole budget). */
  CostLimitExceeded = 'COST_LIMIT_EXCEEDED',
  DepthLimitExceeded = 'DEPTH_LIMIT_EXCEEDED',
  TooManyAliases = 'TOO_MANY_ALIASES',
  TooManyDirectives = 'TOO_MANY_DIRECTIVES',
  /** The document has more lexical tokens than the parser accepts. */
  TooManyTokens = 'TOO_MANY_TOKENS',
  /** Over the caller's budget (cost points per window, or attempts at a guessable secret); `extensions.retryAfter` in seconds. */
  RateLimited = 'RATE_LIMITED',
  Internal = 'INTERNAL_SERVER_ERROR',
}

/** A message of the `errors` catalogue (`locales/<locale>/errors.json`), rendered in each reader's locale. */
export const errorMessage = (key: string, args?: MessageArgs): LocalizedMessage => ({ key: `errors.${key}`, args });

/**
 * An error meant for the client, its message a catalogue message (`errorMessage(...)`, never a literal text: the
 * compiler and test/locales.test.ts keep it so): `message` is its English text and the error formatters write it in
 * the reader's locale (`localizedMessage`); `extensions.code` never changes with the language.
 */
export class AppError extends GraphQLError {
  /** The catalogue message behind `message`. */
  readonly localized: LocalizedMessage;

  constructor(code: ErrorCode, message: LocalizedMessage, extensions: Record<string, unknown> = {}) {
    super(translate(DEFAULT_LOCALE, message.key, message.args), { extensions: { ...extensions, code } });
    this.localized = message;
  }

  /** The same error with other extensions (its code and catalogue message kept). */
  withExtensions(extensions: Record<string, unknown>): AppError {
    const { code, ...rest } = this.extensions;
    return new AppError(code as ErrorCode, this.localized, { ...rest, ...extensions });
  }
}

/** The message of an AppError in `locale` (its catalogue message there); undefined for any other error. */
export function localizedMessage(error: unknown, locale: Locale): string | undefined {
  if (!(error instanceof AppError)) return undefined;
  return locale === DEFAULT_LOCALE ? error.message : translate(locale, error.localized.key, error.localized.args);
}

export const badInput = (message: LocalizedMessage, field?: string) =>
  new AppError(ErrorCode.BadUserInput, message, field ? { field } : {});
export const notFound = (what = 'Object') => new AppError(ErrorCode.NotFound, errorMessage('notFound', { what }));
export const forbidden = (reason: LocalizedMessage) => new AppError(ErrorCode.Forbidden, reason);
export const unauthenticated = () => new AppError(ErrorCode.Unauthenticated, errorMessage('unauthenticated'));
export const conflict = (message: LocalizedMessage, extensions: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.Conflict, message, extensions);

export const serviceUnavailable = () => new AppError(ErrorCode.ServiceUnavailable, errorMessage('serviceUnavailable'));

/** Codes of a database (or a connection to it) that is down, restarting, unreachable or too slow; SQLSTATEs and errnos. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'EAI_AGAIN',
  '08000', '08001', '08003', '08004', '08006', // connection exceptions
  '57P01', '57P02', '57P03', // admin shutdown, crash shutdown, cannot connect now
  '53300', // too many connections
  '57014', // query canceled: the statement timeout
]);
const UNAVAILABLE_MESSAGES = /Knex: Timeout acquiring a connection|Connection terminated|Connection ended unexpectedly|timeout expired|not queryable|Client was closed/;

/**
 * True when `error` (or what it wraps: GraphQL `originalError`, `cause`) says the database could not be reached or
 * answered too late: the client gets SERVICE_UNAVAILABLE (503 for a whole request), not an internal error.
 */
export function isServiceUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const e = current as { code?: unknown; name?: string; message?: string; originalError?: unknown; cause?: unknown };
    if (e.name === 'ConnectionException') return true;
    if (typeof e.code === 'string' && UNAVAILABLE_CODES.has(e.code)) return true;
    if (typeof e.message === 'string' && UNAVAILABLE_MESSAGES.test(e.message)) return true;
    current = e.originalError ?? e.cause;
  }
  return false;
}

/**
 * The HTTP status of an error code, in one table for every transport. `field` codes concern one field of a GraphQL
 * operation whose other fields may still answer, so GraphQL keeps 200 for them; a plain HTTP endpoint (CSV uploads)
 * answers with them too. Codes not listed keep the transport's default.
 */
const HTTP_STATUS: Partial<Record<string, { status: number; field?: true }>> = {
  [ErrorCode.BadUserInput]: { status: 400 },
  [ErrorCode.Unauthenticated]: { status: 401 },
  [ErrorCode.Forbidden]: { status: 403 },
  [ErrorCode.PasswordChangeRequired]: { status: 403 },
  [ErrorCode.NotFound]: { status: 404, field: true },
  [ErrorCode.Conflict]: { status: 409, field: true },
  [ErrorCode.ServiceUnavailable]: { status: 503 },
};

export function httpStatusOf(code: string, transport: 'graphql' | 'http'): number | undefined {
  const entry = HTTP_STATUS[code];
  return entry && (transport === 'http' || !entry.field) ? entry.status : undefined;
}
