import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

/** A group mixing members and connected contacts [002]. Once external, always external, whatever its membership. */
@Entity({ tableName: 'external_groups' })
@ObjectType({ implements: Node, description: 'A group of members and external contacts. It stays external whatever its membership becomes.' })
export class ExternalGroup extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: "The group's name." })
  name!: string;

  @Property({ type: 'uuid' })
  ownerMemberId!: string;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'Always true: a group created external stays external, even with one member left.' })
  isExternal: Opt<boolean> = true;
}

/** One place in an external group: a member or a contact. */
@Entity({ tableName: 'external_group_participants' })
@ObjectType({ description: 'A place in an external group: a member of the org or an external contact.' })
export class ExternalGroupParticipant extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  groupId!: string;

  @Property({ type: 'uuid', nullable: true })
  memberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  contactId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  addedByMemberId: string | null = null;
}
