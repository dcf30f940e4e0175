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

  @Field(() => String, { nullable: true, description: "Email address; unique among the org's contacts." })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 200 characters.' })
  company?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 100 characters.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 10,000 characters. Only editors of the contact read them.' })
  notes?: string | null;

  @Field(() => [ID], { nullable: true, description: 'At most 50 tags of the org.' })
  tagIds?: string[] | null;

  @Field(() => ContactVisibility, { nullable: true, defaultValue: ContactVisibility.PRIVATE, description: 'Who may see it; default PRIVATE.' })
  visibility?: ContactVisibility | null;

  @Field(() => [ID], { nullable: true, description: 'SHARED only: departments whose whole subtrees see the contact.' })
  sharedDepartmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'SHARED only: members who see the contact.' })
  sharedMemberIds?: string[] | null;

  @Field(() => ContactSource, { nullable: true, defaultValue: ContactSource.MANUAL, description: 'How the contact was obtained; default MANUAL.' })
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
  @Field(() => ID, { description: 'The contact.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Required field: cannot be cleared.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'How the name is read, at most 100 characters; null clears it.' })
  nameReading?: string | null;

  @Field(() => [String], { nullable: true, description: 'Replaces the phone numbers.' })
  phones?: string[] | null;

  @Field(() => String, { nullable: true, description: 'Email address; null clears it.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Company; null clears it.' })
  company?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title; null clears it.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'Notes, up to 10,000 characters; null clears it.' })
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

  @Field(() => ContactVisibility, { nullable: true, description: 'Only contacts with this visibility.' })
  visibility?: ContactVisibility | null;
}

@ObjectType({ description: 'What deleting a contact did.' })
export class DeleteContactPayload {
  @Field(() => ID, { description: 'The deleted contact (restorable with `restoreContact` for 30 days).' })
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
  valuesConfig: {
    CONNECTED: { description: 'The person is a user here, linked with the caller through a contact card.' },
    SHARED: { description: 'A record in the org address book only.' },
  },
});

@ObjectType({ description: 'What the caller can do with the contact: each is true only when the contact is CONNECTED for the caller.' })
export class ContactCapabilities {
  @Field(() => Boolean, { description: 'True when the contact is CONNECTED with the caller.' })
  directMessage!: boolean;

  @Field(() => Boolean, { description: 'True when the contact is CONNECTED with the caller.' })
  call!: boolean;

  @Field(() => Boolean, { description: 'True when the caller may add the contact to an external group (it is CONNECTED).' })
  inviteToExternalGroup!: boolean;
}

@InputType({ description: 'A tag group to create.' })
export class CreateTagGroupInput {
  @Field(() => String, { description: '1 to 100 characters, unique in the org.' })
  name!: string;
}

@InputType({ description: 'A tag group and its new name.' })
export class UpdateTagGroupInput {
  @Field(() => ID, { description: 'The tag group.' })
  id!: string;

  @Field(() => String, { description: 'The new name.' })
  name!: string;
}

@InputType({ description: 'A tag to create in a tag group.' })
export class CreateTagInput {
  @Field(() => ID, { description: 'The tag group it belongs to.' })
  groupId!: string;

  @Field(() => String, { description: '1 to 100 characters, unique in its group.' })
  name!: string;
}

@InputType({ description: 'A tag and the fields to change.' })
export class UpdateTagInput {
  @Field(() => ID, { description: 'The tag.' })
  id!: string;

  @Field(() => String, { description: 'The new name.' })
  name!: string;
}

@InputType({ description: 'A personal contact group to create.' })
export class CreateContactGroupInput {
  @Field(() => String, { description: '1 to 100 characters, unique among the caller’s groups.' })
  name!: string;
}

@InputType({ description: 'A contact group and its new name.' })
export class UpdateContactGroupInput {
  @Field(() => ID, { description: 'The contact group.' })
  id!: string;

  @Field(() => String, { description: 'The new name.' })
  name!: string;
}

@InputType({ description: 'An interaction with a contact to record.' })
export class RecordInteractionInput {
  @Field(() => ID, { description: 'The contact.' })
  contactId!: string;

  @Field(() => InteractionKind, { description: 'What kind of interaction it was.' })
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
registerEnumType(ContactCardVia, {
  name: 'ContactCardVia',
  description: 'How the card reached the person: opened link or scanned QR code.',
  valuesConfig: {
    CARD_LINK: { description: 'The person opened the card link.' },
    QR: { description: "The person scanned the card's QR code." },
  },
});

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
  @Field(() => String, { description: 'The member whose card it is.' })
  memberName!: string;

  @Field(() => String, { description: 'The org of that member.' })
  orgName!: string;

  @Field(() => Date, { description: 'When the connection was made.' })
  connectedAt!: Date;
}

@InputType({ description: 'An external group to create, with its first participants.' })
export class CreateExternalGroupInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;

  @Field(() => [ID], { nullable: true, description: 'Members of the org to place in the group besides the caller.' })
  memberIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Contacts CONNECTED with the caller.' })
  contactIds?: string[] | null;
}

@InputType({ description: 'Participants to add to or remove from an external group.' })
export class ExternalGroupParticipantsInput {
  @Field(() => ID, { description: 'The external group.' })
  groupId!: string;

  @Field(() => [ID], { nullable: true, description: 'Members of the org.' })
  memberIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Contacts (CONNECTED with the caller to be added).' })
  contactIds?: string[] | null;
}

export enum ParticipantKind {
  MEMBER = 'MEMBER',
  CONTACT = 'CONTACT',
}
registerEnumType(ParticipantKind, {
  name: 'ParticipantKind',
  description: 'Who takes part in an external group.',
  valuesConfig: {
    CONTACT: { description: 'An external contact.' },
    MEMBER: { description: 'A member of the org.' },
  },
});

@InputType({ description: 'Contacts to hand over to another member.' })
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
registerEnumType(ContactTransferOutcome, {
  name: 'ContactTransferOutcome',
  description: 'What a transfer did, or in a dry run would do, with one contact or group.',
  valuesConfig: {
    MOVED: { description: 'Handed to the new owner.' },
    SKIPPED: { description: 'Left as it was (see the reason).' },
    WOULD_MOVE: { description: 'A dry run: would be handed to the new owner.' },
  },
});

export enum ContactTransferSkipReason {
  /** Unknown, malformed, deleted, of another org, or hidden from the caller. */
  NOT_FOUND = 'NOT_FOUND',
  /** The contact belongs to another member than `fromMemberId`. */
  NOT_OWNED_BY_SOURCE = 'NOT_OWNED_BY_SOURCE',
}
registerEnumType(ContactTransferSkipReason, {
  name: 'ContactTransferSkipReason',
  description: 'Why a contact was not transferred.',
  valuesConfig: {
    NOT_FOUND: { description: 'No contact the caller sees has this id.' },
    NOT_OWNED_BY_SOURCE: { description: 'The contact belongs to someone else than `fromMemberId`.' },
  },
});

@ObjectType({ description: 'One contact of a hand-over.' })
export class ContactTransferItem {
  @Field(() => ID, { description: 'As given (or found, for a whole hand-over).' })
  contactId!: string;

  @Field(() => String, { nullable: true, description: 'Null when SKIPPED as NOT_FOUND.' })
  name!: string | null;

  @Field(() => ContactTransferOutcome, { description: 'What happened (or, in a dry run, would happen) to the contact.' })
  outcome!: ContactTransferOutcome;

  @Field(() => ContactTransferSkipReason, { nullable: true, description: 'Why it was skipped; null unless SKIPPED.' })
  reason!: ContactTransferSkipReason | null;

  @Field(() => String, { nullable: true, description: 'Why, in words, when SKIPPED.' })
  message!: string | null;

  @Field(() => Boolean, { description: 'The person was connected with the member handing over; the connection passes to the receiver.' })
  connectionMoves!: boolean;
}

@ObjectType({ description: 'An external group of a hand-over.' })
export class ExternalGroupTransferItem {
  @Field(() => ID, { description: 'The external group.' })
  groupId!: string;

  @Field(() => String, { description: 'Its name.' })
  name!: string;

  @Field(() => ContactTransferOutcome, { description: 'What happened (or, in a dry run, would happen) to it.' })
  outcome!: ContactTransferOutcome;
}

@ObjectType({ description: 'What a hand-over moved (or, for a dry run, would move) and what it cannot, per contact.' })
export class ContactTransferReport {
  @Field(() => Boolean, { description: 'True when nothing was changed (the report says what would be).' })
  dryRun!: boolean;

  @Field(() => Member, { description: 'The member the contacts came from.' })
  from!: Member;

  @Field(() => Member, { description: 'The member the contacts go to.' })
  to!: Member;

  @Field(() => [ContactTransferItem], { description: 'One item per contact asked for.' })
  contacts!: ContactTransferItem[];

  @Field(() => [ExternalGroupTransferItem], { description: "The external groups of the moved contacts' owner that moved with them." })
  externalGroups!: ExternalGroupTransferItem[];

  @Field(() => Int, { description: 'Contacts that moved, or would move.' })
  movedCount!: number;

  @Field(() => Int, { description: 'How many contacts were skipped.' })
  skippedCount!: number;

  @Field(() => Int, {
    description:
      'Open follow-ups assigned to the member handing over that go (or would go) to the receiver: those on the contacts that move, ' +
      'and for a whole hand-over also those on other contacts the receiver sees.',
  })
  followUpsMoved!: number;
}
