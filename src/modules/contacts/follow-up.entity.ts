import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

export enum FollowUpStatus {
  OPEN = 'OPEN',
  DONE = 'DONE',
  CANCELLED = 'CANCELLED',
}
registerEnumType(FollowUpStatus, {
  name: 'FollowUpStatus',
  description: 'Where a follow-up stands.',
  valuesConfig: {
    CANCELLED: { description: 'Called off.' },
    DONE: { description: 'Completed.' },
    OPEN: { description: 'Still to do.' },
  },
});

/**
 * A follow-up reminder with a contact [000] [001]: who should do it (the assignee), by when, and what. The assignee gets
 * a FOLLOW_UP notification once it falls due (`follow-ups.job.ts`). Seen by everyone who sees the contact.
 */
@Entity({ tableName: 'contact_follow_ups' })
@ObjectType({ implements: Node, description: 'A follow-up reminder with a contact, assigned to a member.' })
export class FollowUp extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  contactId!: string;

  /** Null once the assignee left the org (closed follow-ups only: open ones are handed over or cancelled). */
  @Property({ type: 'uuid', nullable: true })
  assigneeMemberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  authorMemberId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'The name of who scheduled it, as it was then; stays after they leave.' })
  authorName!: string;

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When it falls due; its assignee is notified then.' })
  dueAt!: Date;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'What to do, at most 2,000 characters.' })
  note: Opt<string> = '';

  @Enum({ items: () => FollowUpStatus, type: 'text' })
  @Field(() => FollowUpStatus, { description: 'Whether it is still open.' })
  status: Opt<FollowUpStatus> = FollowUpStatus.OPEN;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the assignee was notified that it fell due; null until then.' })
  notifiedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was completed or cancelled.' })
  closedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  closedByMemberId: string | null = null;
}
