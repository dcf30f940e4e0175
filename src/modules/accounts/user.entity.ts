import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { BaseEntity } from '../../db/base.entity';
import { AccountKind } from '../../auth/vocabulary';

export { AccountKind };
registerEnumType(AccountKind, {
  name: 'AccountKind',
  description: 'Personal accounts are registered by the person; enterprise accounts are issued by an org.',
  valuesConfig: {
    ENTERPRISE: { description: 'Issued by an org (login name and initial password); it signs in to that org only.' },
    PERSONAL: { description: 'Registered by the person with their phone; may belong to several orgs.' },
  },
});

/** A person who can sign in. Personal accounts are keyed by phone; enterprise accounts by (org, login name). */
@Entity({ tableName: 'users' })
@ObjectType({ implements: Node, description: 'A person who can sign in.' })
export class User extends BaseEntity {
  @Enum({ items: () => AccountKind, type: 'text' })
  @Field(() => AccountKind, { description: 'Personal or enterprise account.' })
  kind: Opt<AccountKind> = AccountKind.PERSONAL;

  @Property({ type: 'text' })
  @Field(() => String, { description: "The person's name on their account." })
  name!: string;

  /** E.164. Unique among personal accounts; an enterprise account may bind one later. */
  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'E.164. Users are only ever shown to themselves.' })
  phone: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  phoneVerifiedAt: Date | null = null;

  @Field(() => Boolean, { description: 'True when the phone was verified with a code.' })
  get phoneVerified(): Opt<boolean> {
    return this.phoneVerifiedAt !== null;
  }

  /** A phone change waiting for its verification code. */
  @Property({ type: 'text', nullable: true })
  pendingPhone: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Verified email address; null when none.' })
  email: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  emailVerifiedAt: Date | null = null;

  @Field(() => Boolean, { description: 'True once verifyEmail confirmed `email`: invitations sent to it can then be accepted.' })
  get emailVerified(): Opt<boolean> {
    return this.emailVerifiedAt !== null;
  }

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash!: string;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'True for an enterprise account until its initial password is changed.' })
  mustChangePassword: Opt<boolean> = false;

  /** Enterprise accounts only: the issuing org and the login name within it. */
  @Property({ type: 'uuid', nullable: true })
  orgId: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Enterprise accounts: the login name within the issuing org.' })
  loginName: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  lastLogInAt: Date | null = null;

  /** Null: the client's `Accept-Language`, else the org's default (see `localeOfViewer`). */
  @Property({ type: 'text', nullable: true })
  @Field(() => String, {
    nullable: true,
    description: 'The language errors, emails, SMS and notifications are written in for this person: en, zh-CN, zh-TW or ja. Null: the client’s Accept-Language, else the org’s default.',
  })
  locale: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, {
    nullable: true,
    description: 'IANA time zone (e.g. Asia/Shanghai) dates in emails, SMS and notifications are written in for this person. Null: the org’s. The API itself keeps ISO-8601 UTC.',
  })
  timeZone: string | null = null;
}
