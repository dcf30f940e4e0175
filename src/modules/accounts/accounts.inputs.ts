import { Field, InputType, ObjectType } from 'type-graphql';
import { Member } from '../members/member.entity';
import { AccountKind, User } from './user.entity';

@InputType()
export class SignUpInput {
  @Field(() => String, { description: 'Mobile number; without a country code it is read in the default region.' })
  phone!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: '8 to 200 characters.' })
  password!: string;
}

@InputType()
export class LogInInput {
  @Field(() => String)
  phone!: string;

  @Field(() => String)
  password!: string;
}

@InputType({ description: 'Sign-in of a personal account by its verified email address.' })
export class LogInWithEmailInput {
  @Field(() => String, { description: 'The address verified with verifyEmail (case does not matter).' })
  email!: string;

  @Field(() => String)
  password!: string;
}

@InputType({ description: 'Sign-in of an account issued by an org: the org code, the login name in it and the password.' })
export class LogInWithEnterpriseAccountInput {
  @Field(() => String)
  orgCode!: string;

  @Field(() => String, { description: 'Case-insensitive.' })
  loginName!: string;

  @Field(() => String)
  password!: string;
}

@InputType()
export class ChangePasswordInput {
  @Field(() => String)
  currentPassword!: string;

  @Field(() => String, { description: '8 to 200 characters, different from the current password.' })
  newPassword!: string;
}

@ObjectType({ description: 'A session token and the signed-in user.' })
export class AuthPayload {
  @Field(() => String, { description: 'Bearer token for the Authorization header and the graphql-ws connection_init payload.' })
  token!: string;

  @Field(() => User)
  user!: User;
}

@ObjectType({ description: 'A verification code was sent by SMS.' })
export class VerificationRequest {
  @Field(() => String, { description: 'The E.164 number the code went to.' })
  phone!: string;

  @Field(() => Date, { description: 'The code is refused after this moment.' })
  expiresAt!: Date;
}

@ObjectType()
export class EmailVerificationRequest {
  @Field(() => String, { description: 'The address the code went to (lower-cased).' })
  email!: string;

  @Field(() => Date, { description: 'The code is refused after this moment.' })
  expiresAt!: Date;
}

@ObjectType({ description: 'An enterprise account just issued. The initial password is shown this once and never stored in clear.' })
export class EnterpriseAccountPayload {
  @Field(() => Member)
  member!: Member;

  @Field(() => String)
  loginName!: string;

  @Field(() => String, { description: 'Hand it to the person; the first sign-in must change it (changePassword).' })
  initialPassword!: string;
}

@ObjectType({ description: 'One sign-in attempt.' })
export class LogInRecord {
  @Field(() => Date)
  at!: Date;

  @Field(() => Boolean)
  succeeded!: boolean;

  @Field(() => String, { nullable: true })
  clientAddress!: string | null;
}

@ObjectType({ description: "The sign-in account linked to a member, as the member's org sees it." })
export class MemberAccount {
  /** The linked user; not exposed (users are only ever shown to themselves). */
  userId!: string;

  @Field(() => AccountKind)
  kind!: AccountKind;

  @Field(() => String, { nullable: true, description: 'Enterprise accounts only.' })
  loginName!: string | null;

  @Field(() => Boolean, { description: 'True while an enterprise account still has its initial password.' })
  mustChangePassword!: boolean;

  @Field(() => Boolean)
  phoneVerified!: boolean;
}
