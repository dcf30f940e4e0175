import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';
import { nameKeys } from '../../search/name-keys';

/** A family of tags (e.g. "Relationship" with customer, supplier, partner), defined by admins for the whole org. */
@Entity({ tableName: 'contact_tag_groups' })
@ObjectType({ implements: Node, description: 'A group of contact tags, defined by admins for the org.' })
export class TagGroup extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: "The group's name, unique in the org." })
  name!: string;
}

/** A label on contacts: any number (up to 50) per contact. */
@Entity({ tableName: 'contact_tags' })
@ObjectType({ implements: Node, description: 'A contact tag such as customer, supplier or partner.' })
export class Tag extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  groupId!: string;

  @Property({ type: 'text' })
  @Field(() => String, { description: "The tag's name, unique in its group." })
  name!: string;

  // Search and sort keys (src/search/name-keys.ts), derived whenever it is written: never exposed.
  @Property({ type: 'text', onCreate: (d: Tag) => nameKeys(d.name).nameKey, onUpdate: (d: Tag) => nameKeys(d.name).nameKey })
  nameKey!: Opt<string>;

  @Property({ type: 'text', onCreate: (d: Tag) => nameKeys(d.name).searchKeys, onUpdate: (d: Tag) => nameKeys(d.name).searchKeys })
  searchKeys!: Opt<string>;

  @Property({ type: 'text', onCreate: (d: Tag) => nameKeys(d.name).sortKey, onUpdate: (d: Tag) => nameKeys(d.name).sortKey })
  sortKey!: Opt<string>;
}
