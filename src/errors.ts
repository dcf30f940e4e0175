import { GraphQLError } from 'graphql';

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

/** An error meant for the client: its message and code are shown as they are. */
export class AppError extends GraphQLError {
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message, { extensions: { ...extensions, code } });
  }
}

export const badInput = (message: string, field?: string) =>
  new AppError(ErrorCode.BadUserInput, message, field ? { field } : {});
export const notFound = (what = 'Object') => new AppError(ErrorCode.NotFound, `${what} not found`);
export const forbidden = (reason: string) => new AppError(ErrorCode.Forbidden, reason);
export const unauthenticated = () => new AppError(ErrorCode.Unauthenticated, 'Sign in first');
export const conflict = (message: string, extensions: Record<string, unknown> = {}) =>
  new AppError(ErrorCode.Conflict, message, extensions);
