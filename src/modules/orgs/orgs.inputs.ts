import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { User } from '../accounts/user.entity';
import { Member } from '../members/member.entity';
import { Org } from './org.entity';

@InputType()
export class CreateOrgInput {
  @Field(() => String)
  name!: string;

  @Field(() => String, { description: '2 to 32 characters: lower-case letters, digits and hyphens. Unique.' })
  code!: string;

  @Field(() => String, { nullable: true, description: 'Default language of the org’s people: en (the default), zh-CN, zh-TW or ja.' })
  locale?: string | null;

  @Field(() => String, { nullable: true, description: 'Default IANA time zone of the org’s people (default UTC).' })
  timeZone?: string | null;
}

@InputType()
export class UpdateOrgSettingsInput {
  @Field(() => Boolean, { nullable: true, description: 'When false only admins add people.' })
  invitesOpen?: boolean | null;

  @Field(() => Int, { nullable: true, description: 'Lifetime of new invitations in seconds (60 to 31536000); links may set their own.' })
  invitationTtlSeconds?: number | null;

  @Field(() => String, { nullable: true, description: 'Default language of the org’s people: en, zh-CN, zh-TW or ja.' })
  locale?: string | null;

  @Field(() => String, { nullable: true, description: 'Default IANA time zone of the org’s people, e.g. Asia/Shanghai.' })
  timeZone?: string | null;
}

@ObjectType()
export class MemberQuota {
  @Field(() => Int)
  used!: number;

  @Field(() => Int)
  limit!: number;
}

@ObjectType()
export class OrgSettings {
  @Field(() => Boolean)
  invitesOpen!: boolean;

  @Field(() => Int, { description: 'Lifetime of new invitations in seconds (default 7 days).' })
  invitationTtlSeconds!: number;

  @Field(() => String, { description: 'Language of people who saved none and whose client asks for none we speak (en, zh-CN, zh-TW, ja).' })
  locale!: string;

  @Field(() => String, { description: 'IANA time zone of the dates written to people who saved none.' })
  timeZone!: string;
}

@ObjectType({ description: 'A token for one org, with the org and the caller’s membership in it.' })
export class OrgSession {
  @Field(() => String)
  token!: string;

  @Field(() => Org)
  org!: Org;

  @Field(() => Member)
  member!: Member;
}

@ObjectType({ description: 'The signed-in user, their membership in the current org and every org they belong to.' })
export class ViewerPayload {
  @Field(() => User)
  user!: User;

  @Field(() => Org, { nullable: true })
  org!: Org | null;

  @Field(() => Member, { nullable: true })
  member!: Member | null;

  @Field(() => [Org])
  orgs!: Org[];
}
