import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { Contact, ContactSource, ContactVisibility } from './contact.entity';
import { ContactInteraction, InteractionKind } from './contact-interaction.entity';
import { ExternalGroup } from './external-group.entity';
import { FollowUp } from './follow-up.entity';

export const ContactConnection = ConnectionType(Contact, 'Contact');
export const ContactInteractionConnection = ConnectionType(ContactInteraction, 'ContactInteraction');
export const ExternalGroupConnection = ConnectionType(ExternalGroup, 'ExternalGroup');
export const FollowUpConnection = ConnectionType(FollowUp, 'FollowUp');

export const CONTACT_LIMITS = {
  name: 100,
  nameReading: 100,
  company: 200,
  title: 100,
  notes: 10_000,
  summary: 10_000,
  followUpNote: 2_000,
  phones: 20,
  tags: 50,
  shareTargets: 200,
  /** Contacts named in one call (groups, merges, transfers). */
  batch: 500,
} as const;

@InputType({ description: 'A new contact, owned by the caller. It needs at least one phone number or an email address.' })
export class CreateContactInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'How the name is read (furigana such as やまだ たろう, or a romanisation), at most 100 characters.' })
  nameReading?: string | null;

  @Field(() => [String], { nullable: true, description: 'At most 20; each is normalised to E.164 (numbers without a country code are read in the default region).' })
  phones?: string[] | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 200 characters.' })
  company?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 100 characters.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 10,000 characters. Only editors of the contact read them.' })
  notes?: string | null;

  @Field(() => [ID], { nullable: true, description: 'At most 50 tags of the org.' })
  tagIds?: string[] | null;

  @Field(() => ContactVisibility, { nullable: true, defaultValue: ContactVisibility.PRIVATE })
  visibility?: ContactVisibility | null;

  @Field(() => [ID], { nullable: true, description: 'SHARED only: departments whose whole subtrees see the contact.' })
  sharedDepartmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'SHARED only: members who see the contact.' })
  sharedMemberIds?: string[] | null;

  @Field(() => ContactSource, { nullable: true, defaultValue: ContactSource.MANUAL })
  source?: ContactSource | null;

  @Field(() => ID, {
    nullable: true,
    description:
      'The member who owns it. Omitted: the caller. Another ACTIVE member needs CONTACTS CREATE over them (an admin, a sub-admin of ' +
      'their department). Required for API clients (contacts:write), which own no contacts.',
  })
  ownerId?: string | null;
}

@InputType({ description: 'Omitted fields stay unchanged; an explicit null clears an optional field.' })
export class UpdateContactInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: 'Required field: cannot be cleared.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'How the name is read, at most 100 characters; null clears it.' })
  nameReading?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the phone numbers.' })
  phones?: string[] | null;

  @Field(() => String, { nullable: true })
  email?: string | null;

  @Field(() => String, { nullable: true })
  company?: string | null;

  @Field(() => String, { nullable: true })
  title?: string | null;

  @Field(() => String, { nullable: true })
  notes?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the tags.' })
  tagIds?: string[] | null;

  @Field(() => ContactVisibility, { nullable: true, description: 'Leaving SHARED drops the share targets.' })
  visibility?: ContactVisibility | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the shared departments (SHARED only).' })
  sharedDepartmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the shared members (SHARED only).' })
  sharedMemberIds?: string[] | null;
}

@InputType({ description: 'Filters of the contact list. All given conditions apply together.' })
export class ContactFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'Case-, width- and Simplified/Traditional-insensitive. The name: any part from one CJK character up (a Latin ' +
      'name: words from their start, three characters or more anywhere), pinyin (full, partial, initials), the reading ' +
      'in kana or romaji. The company: one or two CJK characters anywhere, Latin words from their start, three ' +
      'characters or more anywhere. Phone numbers: digits anywhere (a query of digits, spaces, "+", "-" and ' +
      'parentheses is read as phone digits). Ranked: exact name, name prefix, reading, then the rest; ties in reading order.',
  })
  query?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Contacts carrying every one of these tags.' })
  tagIds?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'One of the caller’s contact groups.' })
  groupId?: string | null;

  @Field(() => ID, { nullable: true, description: 'Contacts owned by this member.' })
  ownerId?: string | null;

  @Field(() => String, { nullable: true, description: 'Exact company name, case-insensitive.' })
  company?: string | null;

  @Field(() => ContactVisibility, { nullable: true })
  visibility?: ContactVisibility | null;
}

@ObjectType()
export class DeleteContactPayload {
  @Field(() => ID)
  deletedContactId!: string;

  @Field(() => Date, { description: 'Until then `restoreContact` brings it back.' })
  restorableUntil!: Date;
}

export enum ContactState {
  SHARED = 'SHARED',
  CONNECTED = 'CONNECTED',
}
registerEnumType(ContactState, {
  name: 'ContactState',
  description:
    'As seen by the caller. CONNECTED: the person is a user here and linked with the caller through a contact card. ' +
    'SHARED: a record in the org address book only (reachable in an external group room or by mail).',
});

@ObjectType({ description: 'What the caller can do with the contact: each is true only when the contact is CONNECTED for the caller.' })
export class ContactCapabilities {
  @Field(() => Boolean)
  directMessage!: boolean;

  @Field(() => Boolean)
  call!: boolean;

  @Field(() => Boolean)
  inviteToExternalGroup!: boolean;
}

@InputType()
export class CreateTagGroupInput {
  @Field(() => String, { description: '1 to 100 characters, unique in the org.' })
  name!: string;
}

@InputType()
export class UpdateTagGroupInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class CreateTagInput {
  @Field(() => ID)
  groupId!: string;

  @Field(() => String, { description: '1 to 100 characters, unique in its group.' })
  name!: string;
}

@InputType()
export class UpdateTagInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class CreateContactGroupInput {
  @Field(() => String, { description: '1 to 100 characters, unique among the caller’s groups.' })
  name!: string;
}

@InputType()
export class UpdateContactGroupInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class RecordInteractionInput {
  @Field(() => ID)
  contactId!: string;

  @Field(() => InteractionKind)
  kind!: InteractionKind;

  @Field(() => Date, { description: 'When it happened.' })
  at!: Date;

  @Field(() => String, { description: '1 to 10,000 characters.' })
  summary!: string;
}

export enum ContactCardVia {
  CARD_LINK = 'CARD_LINK',
  QR = 'QR',
}
registerEnumType(ContactCardVia, { name: 'ContactCardVia', description: 'How the card reached the person: opened link or scanned QR code.' });

@ObjectType({ description: 'The result of connecting through a contact card.' })
export class ContactCardConnection {
  @Field(() => String, { description: 'The member who owns the card.' })
  memberName!: string;

  @Field(() => String, { description: 'Their org.' })
  orgName!: string;

  @Field(() => Contact, {
    nullable: true,
    description: 'The member as a CONNECTED contact in the caller’s current org; null when the caller’s token is for no org.',
  })
  contact!: Contact | null;

  @Field(() => Int, { description: 'Orgs of the caller in which the member now appears as a connected contact.' })
  orgsLinked!: number;
}

@ObjectType({ description: 'A member the signed-in user connected with through a contact card, whether or not the user belongs to an org yet.' })
export class ContactCardLinkView {
  @Field(() => String)
  memberName!: string;

  @Field(() => String)
  orgName!: string;

  @Field(() => Date)
  connectedAt!: Date;
}

@InputType()
export class CreateExternalGroupInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;

  @Field(() => [ID], { nullable: true, description: 'Members of the org to place in the group besides the caller.' })
  memberIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Contacts CONNECTED with the caller.' })
  contactIds?: string[] | null;
}

@InputType()
export class ExternalGroupParticipantsInput {
  @Field(() => ID)
  groupId!: string;

  @Field(() => [ID], { nullable: true })
  memberIds?: string[] | null;

  @Field(() => [ID], { nullable: true })
  contactIds?: string[] | null;
}

export enum ParticipantKind {
  MEMBER = 'MEMBER',
  CONTACT = 'CONTACT',
}
registerEnumType(ParticipantKind, { name: 'ParticipantKind' });

@InputType()
export class TransferContactsInput {
  @Field(() => ID, { description: 'The member handing over.' })
  fromMemberId!: string;

  @Field(() => ID, { description: 'The receiving member: ACTIVE, in the same org.' })
  toMemberId!: string;

  @Field(() => [ID], {
    nullable: true,
    description: 'The contacts to hand over (at most 500). Omitted: all of the member’s contacts, and the external groups they own.',
  })
  contactIds?: string[] | null;

  @Field(() => Boolean, { nullable: true, defaultValue: false, description: 'Only report what would move and what cannot.' })
  dryRun?: boolean | null;
}

export enum ContactTransferOutcome {
  MOVED = 'MOVED',
  WOULD_MOVE = 'WOULD_MOVE',
  SKIPPED = 'SKIPPED',
}
registerEnumType(ContactTransferOutcome, { name: 'ContactTransferOutcome' });

export enum ContactTransferSkipReason {
  /** Unknown, malformed, deleted, of another org, or hidden from the caller. */
  NOT_FOUND = 'NOT_FOUND',
  /** The contact belongs to another member than `fromMemberId`. */
  NOT_OWNED_BY_SOURCE = 'NOT_OWNED_BY_SOURCE',
}
registerEnumType(ContactTransferSkipReason, { name: 'ContactTransferSkipReason' });

@ObjectType({ description: 'One contact of a hand-over.' })
export class ContactTransferItem {
  @Field(() => ID, { description: 'As given (or found, for a whole hand-over).' })
  contactId!: string;

  @Field(() => String, { nullable: true, description: 'Null when SKIPPED as NOT_FOUND.' })
  name!: string | null;

  @Field(() => ContactTransferOutcome)
  outcome!: ContactTransferOutcome;

  @Field(() => ContactTransferSkipReason, { nullable: true })
  reason!: ContactTransferSkipReason | null;

  @Field(() => String, { nullable: true, description: 'Why, in words, when SKIPPED.' })
  message!: string | null;

  @Field(() => Boolean, { description: 'The person was connected with the member handing over; the connection passes to the receiver.' })
  connectionMoves!: boolean;
}

@ObjectType({ description: 'An external group of a hand-over.' })
export class ExternalGroupTransferItem {
  @Field(() => ID)
  groupId!: string;

  @Field(() => String)
  name!: string;

  @Field(() => ContactTransferOutcome)
  outcome!: ContactTransferOutcome;
}

@ObjectType({ description: 'What a hand-over moved (or, for a dry run, would move) and what it cannot, per contact.' })
export class ContactTransferReport {
  @Field(() => Boolean)
  dryRun!: boolean;

  @Field(() => Member)
  from!: Member;

  @Field(() => Member)
  to!: Member;

  @Field(() => [ContactTransferItem])
  contacts!: ContactTransferItem[];

  @Field(() => [ExternalGroupTransferItem])
  externalGroups!: ExternalGroupTransferItem[];

  @Field(() => Int, { description: 'Contacts that moved, or would move.' })
  movedCount!: number;

  @Field(() => Int)
  skippedCount!: number;

  @Field(() => Int, {
    description:
      'Open follow-ups assigned to the member handing over that go (or would go) to the receiver: those on the contacts that move, ' +
      'and for a whole hand-over also those on other contacts the receiver sees.',
  })
  followUpsMoved!: number;
}
