import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { rawId } from '../../graphql/relay';
import {
  AuthPayload,
  ChangePasswordInput,
  EnterpriseAccountPayload,
  LogInInput,
  LogInWithEmailInput,
  LogInWithEnterpriseAccountInput,
  SignUpInput,
  VerificationRequest,
  EmailVerificationRequest,
  UpdateMyPreferencesInput,
} from './accounts.inputs';
import { changePassword, logIn, logInWithEmail, signUp } from './accounts.service';
import { createEnterpriseAccount, logInWithEnterpriseAccount } from './enterprise-accounts.service';
import { requestEmailVerification, verifyEmail } from './email-verification.service';
import { changeMyPhone, requestPhoneVerification, verifyPhone } from './phone-verification.service';
import { updateMyPreferences } from './preferences.service';
import { User } from './user.entity';

@Resolver()
export class AccountsResolver {
  @Mutation(() => AuthPayload, { description: 'Registers a personal account. A verification code is not sent until requestPhoneVerification.' })
  signUp(@Arg('input', () => SignUpInput, { description: 'Name, phone and password.' }) input: SignUpInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return signUp(ctx.em, ctx.app, input);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in with phone and password; the token selects the earliest-joined active org, if any.' })
  logIn(@Arg('input', () => LogInInput, { description: 'Phone and password.' }) input: LogInInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return logIn(ctx.em, ctx.app, input, ctx.clientAddress);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Signs in a personal account with its verified email address and password; the token selects the earliest-joined active org, if any. An unknown or unverified address and a wrong password answer INVALID_CREDENTIALS alike; 10 failures in 15 minutes lock the address out (TOO_MANY_ATTEMPTS).',
  })
  logInWithEmail(@Arg('input', () => LogInWithEmailInput, { description: 'The verified email address and the password.' }) input: LogInWithEmailInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return logInWithEmail(ctx.em, ctx.app, input, ctx.clientAddress);
  }

  @Mutation(() => AuthPayload, {
    description:
      'Signs in with an account issued by an org; the token is scoped to that org. Unknown org, unknown login name, wrong password and a disabled membership all answer INVALID_CREDENTIALS; 10 failures in 15 minutes lock the login name out (TOO_MANY_ATTEMPTS).',
  })
  logInWithEnterpriseAccount(
    @Arg('input', () => LogInWithEnterpriseAccountInput, { description: 'Org code, login name and password.' }) input: LogInWithEnterpriseAccountInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<AuthPayload> {
    return logInWithEnterpriseAccount(ctx.em, ctx.app, input, ctx.clientAddress);
  }

  @Authorized(Access.USER)
  @Mutation(() => User, {
    description:
      'Replaces the password after checking the current one (INVALID_CREDENTIALS when wrong). Lifts PASSWORD_CHANGE_REQUIRED from a new enterprise account.',
  })
  changePassword(@Arg('input', () => ChangePasswordInput, { description: 'The current and the new password.' }) input: ChangePasswordInput, @Ctx() ctx: GraphQLContext): Promise<User> {
    return changePassword(ctx.em, ctx.app, ctx.viewer, input);
  }

  @Authorized(Access.USER)
  @Mutation(() => User, {
    description:
      'Saves the signed-in person’s language (errors, emails, SMS, notifications) and time zone (dates in them). BAD_USER_INPUT for an unsupported locale or a name that is not an IANA time zone.',
  })
  updateMyPreferences(@Arg('input', () => UpdateMyPreferencesInput, { description: 'The preferences to change; omitted ones stay.' }) input: UpdateMyPreferencesInput, @Ctx() ctx: GraphQLContext): Promise<User> {
    return updateMyPreferences(ctx.em, ctx.viewer, input);
  }

  @Authorized(Access.USER)
  @Mutation(() => VerificationRequest, {
    description:
      'Sends a 6-digit code, valid 10 minutes, to the pending phone when a change is waiting, else to the current phone. At most one code per minute (TOO_MANY_ATTEMPTS with extensions.retryAfter in seconds).',
  })
  requestPhoneVerification(@Ctx() ctx: GraphQLContext): Promise<VerificationRequest> {
    return requestPhoneVerification(ctx.em, ctx.viewer, ctx.acceptLanguage);
  }

  @Authorized(Access.USER)
  @Mutation(() => User, {
    description:
      'Checks the latest code sent to the user. Wrong or expired: INVALID_VERIFICATION_CODE; five wrong tries kill the code. For a phone change, the new number replaces the old one now.',
  })
  verifyPhone(@Arg('code', () => String, { description: 'The 6-digit code from the SMS.' }) code: string, @Ctx() ctx: GraphQLContext): Promise<User> {
    return verifyPhone(ctx.em, ctx.viewer, code);
  }

  @Authorized(Access.USER)
  @Mutation(() => EmailVerificationRequest, {
    description:
      "Sends a 6-digit code, valid 10 minutes, to this email address; verifyEmail makes it the account's verified email, with which invitations sent to it are accepted. An address another account verified answers CONFLICT; at most one code per minute (TOO_MANY_ATTEMPTS).",
  })
  requestEmailVerification(@Arg('email', () => String, { description: 'The address to verify.' }) email: string, @Ctx() ctx: GraphQLContext): Promise<EmailVerificationRequest> {
    return requestEmailVerification(ctx.em, ctx.viewer, email, ctx.acceptLanguage);
  }

  @Authorized(Access.USER)
  @Mutation(() => User, {
    description: 'Checks the latest email code. Wrong or expired: INVALID_VERIFICATION_CODE; five wrong tries kill the code.',
  })
  verifyEmail(@Arg('code', () => String, { description: 'The 6-digit code from the email.' }) code: string, @Ctx() ctx: GraphQLContext): Promise<User> {
    return verifyEmail(ctx.em, ctx.viewer, code);
  }

  @Authorized(Access.USER)
  @Mutation(() => VerificationRequest, {
    description:
      'Starts a phone change (or binds a first phone to an enterprise account): sends a code to the NEW number. The account keeps its current phone, for sign-in too, until verifyPhone succeeds. A number used by another personal account answers CONFLICT.',
  })
  changeMyPhone(@Arg('phone', () => String, { description: 'The new phone number.' }) phone: string, @Ctx() ctx: GraphQLContext): Promise<VerificationRequest> {
    return changeMyPhone(ctx.em, ctx.app, ctx.viewer, phone, ctx.acceptLanguage);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => EnterpriseAccountPayload, {
    description:
      'Issues an enterprise account (login name + initial password) to a member without an account: OWNER/ADMIN, or whoever may edit members in one of its departments. The member becomes ACTIVE; the first sign-in must change the password.',
  })
  createEnterpriseAccount(
    @Arg('memberId', () => ID, { description: 'The member to issue the account to.' }) memberId: string,
    @Arg('loginName', () => String, { description: '3 to 64 letters, digits, dots, underscores or hyphens; unique in the org, ignoring case.' })
    loginName: string,
    @Ctx() ctx: GraphQLContext,
  ): Promise<EnterpriseAccountPayload> {
    return createEnterpriseAccount(ctx.em, ctx.viewer, ctx.loaders, { memberId: rawId(memberId, 'Member'), loginName }, ctx.app);
  }
}
