import { Entity, Property } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';

/** A named collection of roles, e.g. "Officers" holding "Information officer" and "Safety officer". */
@Entity({ tableName: 'role_groups' })
@ObjectType({ implements: Node, description: 'A folder of roles, for the role list.' })
export class RoleGroup extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: "The group's name." })
  name!: string;
}
