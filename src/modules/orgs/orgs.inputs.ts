import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { User } from '../accounts/user.entity';
import { Member } from '../members/member.entity';
import { Org } from './org.entity';

@InputType({ description: 'An org to create.' })
export class CreateOrgInput {
  @Field(() => String, { description: 'Display name of the org, 1 to 100 characters.' })
  name!: string;

  @Field(() => String, { description: '2 to 32 characters: lower-case letters, digits and hyphens. Unique.' })
  code!: string;

  @Field(() => String, { nullable: true, description: 'Default language of the org’s people: en (the default), zh-CN, zh-TW or ja.' })
  locale?: string | null;

  @Field(() => String, { nullable: true, description: 'Default IANA time zone of the org’s people (default UTC).' })
  timeZone?: string | null;
}

@InputType({ description: 'Org settings to change; omitted ones stay.' })
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

@ObjectType({ description: 'How many members the org may have.' })
export class MemberQuota {
  @Field(() => Int, { description: 'Members the org has now.' })
  used!: number;

  @Field(() => Int, { description: 'The most members (of any status) the org may have.' })
  limit!: number;
}

@ObjectType({ description: 'Settings of an org.' })
export class OrgSettings {
  @Field(() => Boolean, { description: 'True when every member may invite people; false: only those with INVITATIONS CREATE.' })
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
  @Field(() => String, { description: 'A bearer token for the org.' })
  token!: string;

  @Field(() => Org, { description: 'The org the token is for.' })
  org!: Org;

  @Field(() => Member, { description: "The caller's membership in the org." })
  member!: Member;
}

@ObjectType({ description: 'The signed-in user, their membership in the current org and every org they belong to.' })
export class ViewerPayload {
  @Field(() => User, { description: 'The signed-in user.' })
  user!: User;

  @Field(() => Org, { nullable: true, description: 'The org the token is for; null for a token of no org.' })
  org!: Org | null;

  @Field(() => Member, { nullable: true, description: "The caller's membership in the current org; null without one." })
  member!: Member | null;

  @Field(() => [Org], { description: 'Every org the caller is an active member of.' })
  orgs!: Org[];
}
