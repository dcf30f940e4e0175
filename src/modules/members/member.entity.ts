import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { MemberSensitiveField } from './member-fields';
import { OrgOwnedEntity } from '../../db/base.entity';
import { MemberStatus } from '../../auth/vocabulary';

export { MemberStatus };
registerEnumType(MemberStatus, {
  name: 'MemberStatus',
  description: 'PENDING: added by an admin, invitation not yet accepted. ACTIVE: in the org. DISABLED: kept but cannot act.',
});

/** A person's membership in one org. `userId` is set once an account is linked (acceptance or enterprise account). */
@Entity({ tableName: 'members' })
@ObjectType({ implements: Node, description: "A person's membership in the current org." })
export class Member extends OrgOwnedEntity {
  @Property({ type: 'uuid', nullable: true })
  userId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => String)
  name!: string;

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
  @Field(() => String, { nullable: true })
  title: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Visible to the member, admins and sub-admins whose scope covers the member; null for others.' })
  @UseMiddleware(MemberSensitiveField)
  employeeNo: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  managerId: string | null = null;

  @Enum({ items: () => MemberStatus, type: 'text' })
  @Field(() => MemberStatus)
  status: Opt<MemberStatus> = MemberStatus.PENDING;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true })
  joinedAt: Date | null = null;

  @Property({ type: 'timestamptz', onUpdate: () => new Date() })
  @Field(() => Date)
  updatedAt: Opt<Date> = new Date();
}
