import { Entity, Enum, Property } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

export enum InteractionKind {
  CALL = 'CALL',
  MEETING = 'MEETING',
  MESSAGE = 'MESSAGE',
  NOTE = 'NOTE',
}
registerEnumType(InteractionKind, {
  name: 'InteractionKind',
  description: 'What kind of interaction with a contact was recorded.',
  valuesConfig: {
    CALL: { description: 'A phone call.' },
    MEETING: { description: 'A meeting.' },
    MESSAGE: { description: 'A message or email.' },
    NOTE: { description: 'A note, no contact made.' },
  },
});

/** Who did what with a contact, and when [000] [001]. Keeps its author through hand-overs and removals. */
@Entity({ tableName: 'contact_interactions' })
@ObjectType({ implements: Node, description: 'An interaction record with a contact: a call, meeting, message or note.' })
export class ContactInteraction extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  contactId!: string;

  @Property({ type: 'uuid', nullable: true })
  authorMemberId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'The author’s name when recorded; stays after they leave.' })
  authorName!: string;

  @Enum({ items: () => InteractionKind, type: 'text' })
  @Field(() => InteractionKind, { description: 'What kind of interaction it was.' })
  kind!: InteractionKind;

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When it happened.' })
  at!: Date;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'What was said or done, as recorded.' })
  summary!: string;
}
