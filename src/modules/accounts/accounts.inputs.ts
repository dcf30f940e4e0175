import { Field, InputType, ObjectType } from 'type-graphql';
import { Member } from '../members/member.entity';
import { AccountKind, User } from './user.entity';

@InputType({ description: 'A personal account to register.' })
export class SignUpInput {
  @Field(() => String, { description: 'Mobile number; without a country code it is read in the default region.' })
  phone!: string;

  @Field(() => String, { description: "The person's name, 1 to 100 characters." })
  name!: string;

  @Field(() => String, { description: '8 to 200 characters.' })
  password!: string;
}

@InputType({ description: 'Phone and password of a personal account.' })
export class LogInInput {
  @Field(() => String, { description: 'The verified phone of the account, with or without country code.' })
  phone!: string;

  @Field(() => String, { description: "The account's password." })
  password!: string;
}

@InputType({ description: 'Sign-in of a personal account by its verified email address.' })
export class LogInWithEmailInput {
  @Field(() => String, { description: 'The address verified with verifyEmail (case does not matter).' })
  email!: string;

  @Field(() => String, { description: 'The account\'s password.' })
  password!: string;
}

@InputType({ description: 'Sign-in of an account issued by an org: the org code, the login name in it and the password.' })
export class LogInWithEnterpriseAccountInput {
  @Field(() => String, { description: 'The code of the org that issued the account.' })
  orgCode!: string;

  @Field(() => String, { description: 'Case-insensitive.' })
  loginName!: string;

  @Field(() => String, { description: "The account's password (initially the one the org issued)." })
  password!: string;
}

@InputType({ description: 'The current password and the new one.' })
export class ChangePasswordInput {
  @Field(() => String, { description: 'The password in use now (or the initial one of an enterprise account).' })
  currentPassword!: string;

  @Field(() => String, { description: '8 to 200 characters, different from the current password.' })
  newPassword!: string;
}

@ObjectType({ description: 'A session token and the signed-in user.' })
export class AuthPayload {
  @Field(() => String, { description: 'Bearer token for the Authorization header and the graphql-ws connection_init payload.' })
  token!: string;

  @Field(() => User, { description: 'The signed-in user.' })
  user!: User;
}

@ObjectType({ description: 'A verification code was sent by SMS.' })
export class VerificationRequest {
  @Field(() => String, { description: 'The E.164 number the code went to.' })
  phone!: string;

  @Field(() => Date, { description: 'The code is refused after this moment.' })
  expiresAt!: Date;
}

@ObjectType({ description: 'A verification code sent to an email address.' })
export class EmailVerificationRequest {
  @Field(() => String, { description: 'The address the code went to (lower-cased).' })
  email!: string;

  @Field(() => Date, { description: 'The code is refused after this moment.' })
  expiresAt!: Date;
}

@ObjectType({ description: 'An enterprise account just issued. The initial password is shown this once and never stored in clear.' })
export class EnterpriseAccountPayload {
  @Field(() => Member, { description: 'The member the account was issued to.' })
  member!: Member;

  @Field(() => String, { description: 'The login name of the new account, unique in the org.' })
  loginName!: string;

  @Field(() => String, { description: 'Hand it to the person; the first sign-in must change it (changePassword).' })
  initialPassword!: string;
}

@ObjectType({ description: 'One sign-in attempt.' })
export class LogInRecord {
  @Field(() => Date, { description: 'When the attempt was made.' })
  at!: Date;

  @Field(() => Boolean, { description: 'True when the password was right.' })
  succeeded!: boolean;

  @Field(() => String, { nullable: true, description: 'The address it came from, when known.' })
  clientAddress!: string | null;
}

@ObjectType({ description: "The sign-in account linked to a member, as the member's org sees it." })
export class MemberAccount {
  /** The linked user; not exposed (users are only ever shown to themselves). */
  userId!: string;

  @Field(() => AccountKind, { description: 'Personal or enterprise account.' })
  kind!: AccountKind;

  @Field(() => String, { nullable: true, description: 'Enterprise accounts only.' })
  loginName!: string | null;

  @Field(() => Boolean, { description: 'True while an enterprise account still has its initial password.' })
  mustChangePassword!: boolean;

  @Field(() => Boolean, { description: "True when the account's phone was verified with a code." })
  phoneVerified!: boolean;
}

@InputType({ description: 'The signed-in person’s language and time zone. An omitted field stays as it is; null clears it.' })
export class UpdateMyPreferencesInput {
  @Field(() => String, {
    nullable: true,
    description: 'en, zh-CN, zh-TW or ja (zh-Hans, zh-Hant, ja-JP and the like are read as the nearest). Null: follow the client’s Accept-Language, else the org’s default.',
  })
  locale?: string | null;

  @Field(() => String, { nullable: true, description: 'An IANA time zone name such as Asia/Shanghai or Asia/Tokyo (not an offset). Null: the org’s.' })
  timeZone?: string | null;
}
