import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType } from 'type-graphql';
import { BaseEntity } from '../../db/base.entity';

/** A tenant. Its `code` is what enterprise accounts type to sign in. */
@Entity({ tableName: 'orgs' })
@ObjectType({ implements: Node, description: 'An organisation (tenant).' })
export class Org extends BaseEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: 'Display name of the org.' })
  name!: string;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'Short unique code used to sign in to the org, lower case.' })
  code!: string;

  @Property({ type: 'integer' })
  memberLimit!: number;

  @Property({ type: 'boolean' })
  invitesOpen: Opt<boolean> = true;

  @Property({ type: 'uuid' })
  rootDepartmentId!: string;

  /** Kept by a database trigger on `members`; the application never changes it. */
  @Property({ type: 'integer' })
  memberCount: Opt<number> = 0;

  /** Default lifetime of an invitation; links may set their own. */
  @Property({ type: 'integer' })
  invitationTtlSeconds: Opt<number> = 7 * 24 * 3600;

  /** Default language of people who saved none and whose client sends no `Accept-Language` we speak. */
  @Property({ type: 'text' })
  locale: Opt<string> = 'en';

  /** Default IANA time zone of the dates written to people who saved none. */
  @Property({ type: 'text' })
  timeZone: Opt<string> = 'UTC';
}
