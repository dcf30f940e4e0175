import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, Int, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';

/**
 * A node of an org's department tree, stored as a materialised path: `path` is `/<rootId>/.../<id>/`,
 * so a subtree is one range scan on the `(org_id, path text_pattern_ops)` index.
 */
@Entity({ tableName: 'departments' })
@ObjectType({ implements: Node, description: 'A department. Departments nest to any depth under the org root.' })
export class Department extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String)
  name!: string;

  @Property({ type: 'uuid', nullable: true })
  parentId: string | null = null;

  @Property({ type: 'text' })
  path!: string;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Order among siblings, from 0.' })
  position: Opt<number> = 0;

  /** Department ids from the root down to this one, inclusive. */
  get pathIds(): Opt<string[]> {
    return this.path.split('/').filter(Boolean);
  }

  get depth(): Opt<number> {
    return this.pathIds.length - 1;
  }
}
