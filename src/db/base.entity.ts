import { randomUUID } from 'node:crypto';
import { PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { toGlobalId } from '../graphql/relay';

export abstract class BaseEntity {
  @PrimaryKey({ type: 'uuid' })
  id: Opt<string> = randomUUID();

  @Property({ type: 'timestamptz' })
  createdAt: Opt<Date> = new Date();

  /** The opaque id clients see (`Node.id`). */
  get globalId(): Opt<string> {
    return toGlobalId(this.constructor.name, this.id);
  }
}

/** Rows that belong to one org. Every query on them filters by `orgId` taken from the viewer. */
export abstract class OrgOwnedEntity extends BaseEntity {
  @Property({ type: 'uuid' })
  orgId!: string;
}
