import { ArrayType, Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';
import { nameKeys } from '../../search/name-keys';

export enum ContactVisibility {
  PRIVATE = 'PRIVATE',
  SHARED = 'SHARED',
  ORG = 'ORG',
}
registerEnumType(ContactVisibility, {
  name: 'ContactVisibility',
  description: 'PRIVATE: the owner (and admins over the owner). SHARED: also the chosen members and departments (whole subtrees). ORG: every member.',
  valuesConfig: {
    ORG: { description: 'Every member of the org.' },
    PRIVATE: { description: 'The owner, and admins over the owner.' },
    SHARED: { description: 'Also the chosen members and departments (whole subtrees).' },
  },
});

export enum ContactSource {
  MANUAL = 'MANUAL',
  /** Added from a phone call or the phone's address book. */
  PHONE = 'PHONE',
  /** The person opened the owner's contact card link. */
  CARD_LINK = 'CARD_LINK',
  /** The person scanned the owner's contact card QR code. */
  QR = 'QR',
  /** A bulk import by an admin. */
  IMPORT = 'IMPORT',
}
registerEnumType(ContactSource, {
  name: 'ContactSource',
  description: 'How the contact was added.',
  valuesConfig: {
    CARD_LINK: { description: "Connected through the member's card link." },
    IMPORT: { description: 'Imported from a CSV file.' },
    MANUAL: { description: 'Typed in by a member.' },
    PHONE: { description: "Taken from a phone's address book." },
    QR: { description: "Connected by scanning the member's card QR code." },
  },
});

/**
 * An external contact (customer, supplier, partner) of the org, owned by one member [000] [001].
 * Visibility and field rules: `auth/policy.ts` (contactReach). Soft-deleted rows (`deletedAt`) are invisible to
 * every read; `audience` and `search_text` are generated columns the entity does not map.
 */
@Entity({ tableName: 'contacts' })
@ObjectType({ implements: Node, description: 'An external contact: a customer, supplier or partner.' })
export class Contact extends OrgOwnedEntity {
  @Property({ type: 'uuid', nullable: true })
  ownerId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => String, { description: "The contact's name." })
  name!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'How the name is read: furigana (やまだ たろう) or a chosen romanisation. Used for search and for the order of lists.' })
  nameReading: string | null = null;

  // Search and sort keys (src/search/name-keys.ts), derived whenever the contact is written: never exposed.
  @Property({ type: 'text', onCreate: (c: Contact) => keysOf(c).nameKey, onUpdate: (c: Contact) => keysOf(c).nameKey })
  nameKey!: Opt<string>;

  @Property({ type: 'text', onCreate: (c: Contact) => keysOf(c).searchKeys, onUpdate: (c: Contact) => keysOf(c).searchKeys })
  searchKeys!: Opt<string>;

  @Property({ type: 'text', onCreate: (c: Contact) => keysOf(c).sortKey, onUpdate: (c: Contact) => keysOf(c).sortKey })
  sortKey!: Opt<string>;

  /** E.164, at most 20. */
  @Property({ type: ArrayType, columnType: 'text[]' })
  @Field(() => [String], { description: 'E.164 numbers, at most 20. Visible to everyone who sees the contact.' })
  phones: Opt<string[]> = [];

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Lower case. Visible to everyone who sees the contact.' })
  email: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Company or organisation of the contact, up to 200 characters.' })
  company: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Job title of the contact.' })
  title: string | null = null;

  /** Exposed through `ContactFieldsResolver.notes`: editors only. */
  @Property({ type: 'text', nullable: true })
  notes: string | null = null;

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  tagIds: Opt<string[]> = [];

  @Enum({ items: () => ContactVisibility, type: 'text' })
  @Field(() => ContactVisibility, { description: 'Who in the org may see the contact.' })
  visibility: Opt<ContactVisibility> = ContactVisibility.PRIVATE;

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  sharedMemberIds: Opt<string[]> = [];

  @Property({ type: ArrayType, columnType: 'uuid[]' })
  sharedDepartmentIds: Opt<string[]> = [];

  @Enum({ items: () => ContactSource, type: 'text' })
  @Field(() => ContactSource, { description: 'How the contact was added.' })
  source: Opt<ContactSource> = ContactSource.MANUAL;

  /** The user this contact is, once they connected through a contact card [002]. */
  @Property({ type: 'uuid', nullable: true })
  linkedUserId: string | null = null;

  /** Members the person connected with (through their cards): for them the contact is CONNECTED. */
  @Property({ type: ArrayType, columnType: 'uuid[]' })
  connectedMemberIds: Opt<string[]> = [];

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  @Field(() => Date, { description: 'When the contact last changed.' })
  updatedAt: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  deletedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  deletedByMemberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  mergedIntoId: string | null = null;
}

/** A contact's keys: its company is searched by short substrings too. */
function keysOf(contact: Contact) {
  return nameKeys(contact.name, contact.nameReading, contact.company);
}

