import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { MemberSensitiveField } from './member-fields';
import { OrgOwnedEntity } from '../../db/base.entity';
import { MemberStatus } from '../../auth/vocabulary';
import { nameKeys } from '../../search/name-keys';

export { MemberStatus };
registerEnumType(MemberStatus, {
  name: 'MemberStatus',
  description: 'PENDING: added by an admin, invitation not yet accepted. ACTIVE: in the org. DISABLED: kept but cannot act.',
  valuesConfig: {
    ACTIVE: { description: 'In the org.' },
    DISABLED: { description: 'Kept, but cannot sign in to the org or act.' },
    PENDING: { description: 'Added by an admin; the invitation is not yet accepted.' },
  },
});

/** A person's membership in one org. `userId` is set once an account is linked (acceptance or enterprise account). */
@Entity({ tableName: 'members' })
@ObjectType({ implements: Node, description: "A person's membership in the current org." })
export class Member extends OrgOwnedEntity {
  @Property({ type: 'uuid', nullable: true })
  userId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => String, { description: "The member's name in this org." })
  name!: string;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'How the name is read: furigana (やまだ たろう) or a chosen romanisation. Used for search and for the order of lists.' })
  nameReading: string | null = null;

  // Search and sort keys (src/search/name-keys.ts), derived whenever the member is written: never exposed.
  @Property({ type: 'text', onCreate: (m: Member) => nameKeys(m.name, m.nameReading).nameKey, onUpdate: (m: Member) => nameKeys(m.name, m.nameReading).nameKey })
  nameKey!: Opt<string>;

  @Property({ type: 'text', onCreate: (m: Member) => nameKeys(m.name, m.nameReading).searchKeys, onUpdate: (m: Member) => nameKeys(m.name, m.nameReading).searchKeys })
  searchKeys!: Opt<string>;

  @Property({ type: 'text', onCreate: (m: Member) => nameKeys(m.name, m.nameReading).sortKey, onUpdate: (m: Member) => nameKeys(m.name, m.nameReading).sortKey })
  sortKey!: Opt<string>;

  /** E.164. */
  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Visible to the member, admins and sub-admins whose scope covers the member; null for others.' })
  @UseMiddleware(MemberSensitiveField)
  phone: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Visible to the member, admins and sub-admins whose scope covers the member; null for others.' })
  @UseMiddleware(MemberSensitiveField)
  email: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Job title in this org.' })
  title: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Visible to the member, admins and sub-admins whose scope covers the member; null for others.' })
  @UseMiddleware(MemberSensitiveField)
  employeeNo: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  managerId: string | null = null;

  @Enum({ items: () => MemberStatus, type: 'text' })
  @Field(() => MemberStatus, { description: 'Whether the member is pending, active or disabled.' })
  status: Opt<MemberStatus> = MemberStatus.PENDING;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the person joined; null while PENDING.' })
  joinedAt: Date | null = null;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  @Field(() => Date, { description: 'When the member last changed.' })
  updatedAt: Opt<Date> = new Date();
}
