import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

/** A member's own folder of contacts: only its owner sees it. */
@Entity({ tableName: 'contact_groups' })
@ObjectType({ implements: Node, description: "A member's own grouping of contacts; only its owner sees it." })
export class ContactGroup extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  ownerId!: string;

  @Property({ type: 'text' })
  @Field(() => String, { description: "The group's name, unique among the caller's groups." })
  name!: string;
}

@Entity({ tableName: 'contact_group_items' })
export class ContactGroupItem {
  @PrimaryKey({ type: 'uuid' })
  groupId!: string;

  @PrimaryKey({ type: 'uuid' })
  contactId!: string;

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'timestamptz' })
  addedAt: Opt<Date> = new Date();
}
