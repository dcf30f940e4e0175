import { QrCode, QrCodeFormat } from '../common/qr-code';
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { Org } from '../orgs/org.entity';
import { Invitation, InvitationChannel, InvitationStatus } from './invitation.entity';

export const InvitationConnection = ConnectionType(Invitation, 'Invitation');

@InputType({ description: 'An invitation for a named person, by phone or by email (exactly one).' })
export class SendInvitationInput {
  @Field(() => String, { nullable: true, description: 'Mobile number; without a country code it is read in the default region.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Email address to invite; give a phone or an email.' })
  email?: string | null;

  @Field(() => String, { description: '1 to 100 characters: the PENDING member is created with this name.' })
  name!: string;

  @Field(() => [ID], { nullable: true, description: 'Departments to join. Omitted: the org root.' })
  departmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Roles to hold. Omitted: the built-in MEMBER role.' })
  roleIds?: string[] | null;

  @Field(() => String, { nullable: true, description: 'A personal note added to the message, at most 500 characters.' })
  message?: string | null;
}

@InputType({ description: 'A reusable invite link: any signed-in user may join through it while it has uses left.' })
export class CreateInviteLinkInput {
  @Field(() => [ID], { nullable: true, description: 'Departments people join. Omitted: the org root.' })
  departmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Roles people get. Omitted: the built-in MEMBER role.' })
  roleIds?: string[] | null;

  @Field(() => Int, { nullable: true, description: "Lifetime in seconds (60 to 31536000). Omitted: the org's invitation lifetime." })
  expiresIn?: number | null;

  @Field(() => Int, { nullable: true, description: 'How many people may join (1 to 100000). Omitted: unlimited until it expires.' })
  maxUses?: number | null;
}

@InputType({ description: 'Narrows the invitations; all given conditions must hold.' })
export class InvitationFilter {
  @Field(() => InvitationStatus, { nullable: true, description: 'As shown: a past-due PENDING invitation counts as EXPIRED.' })
  status?: InvitationStatus | null;

  @Field(() => InvitationChannel, { nullable: true, description: 'Only invitations of this channel.' })
  channel?: InvitationChannel | null;

  @Field(() => ID, { nullable: true, description: 'Invitations into this department or one of its sub-departments.' })
  departmentId?: string | null;
}

@ObjectType({ description: 'An invitation just issued, with its token: shown here once and never again.' })
export class InvitationPayload {
  @Field(() => Invitation, { description: 'The invitation sent or changed.' })
  invitation!: Invitation;

  @Field(() => String, { description: 'The secret the invitee presents to acceptInvitation. Stored only as a hash.' })
  token!: string;

  @Field(() => String, { description: 'The link that carries the token: `<PUBLIC_URL>/invite/<token>`.' })
  url!: string;
}

@ObjectType({ description: 'The caller joined the org: their membership, the org, and a session token for it.' })
export class AcceptInvitationPayload {
  @Field(() => Member, { description: 'The membership the invitation made (or the one the user already had).' })
  member!: Member;

  @Field(() => Org, { description: 'The org joined.' })
  org!: Org;

  @Field(() => String, { description: 'Bearer token scoped to the org just joined.' })
  token!: string;
}

export { QrCode, QrCodeFormat };
