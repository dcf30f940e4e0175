import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, Int, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { nameKeys } from '../../search/name-keys';

/**
 * A node of an org's department tree, stored as a materialised path: `path` is `/<rootId>/.../<id>/`,
 * so a subtree is one range scan on the `(org_id, path text_pattern_ops)` index.
 */
@Entity({ tableName: 'departments' })
@ObjectType({ implements: Node, description: 'A department. Departments nest to any depth under the org root.' })
export class Department extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: "The department's name, unique among its siblings." })
  name!: string;

  // Search and sort keys (src/search/name-keys.ts), derived whenever it is written: never exposed.
  @Property({ type: 'text', onCreate: (d: Department) => nameKeys(d.name).nameKey, onUpdate: (d: Department) => nameKeys(d.name).nameKey })
  nameKey!: Opt<string>;

  @Property({ type: 'text', onCreate: (d: Department) => nameKeys(d.name).searchKeys, onUpdate: (d: Department) => nameKeys(d.name).searchKeys })
  searchKeys!: Opt<string>;

  @Property({ type: 'text', onCreate: (d: Department) => nameKeys(d.name).sortKey, onUpdate: (d: Department) => nameKeys(d.name).sortKey })
  sortKey!: Opt<string>;

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
