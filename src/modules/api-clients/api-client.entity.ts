import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

/**
 * A partner system (a CRM, an HR system) of one org, calling the API with OAuth 2 client credentials. Its secret is
 * shown once and kept as a hash; its scopes decide what it may do, checked by the same policy as people.
 */
@Entity({ tableName: 'api_clients' })
@ObjectType({ implements: Node, description: 'A partner system that calls the API with its own credentials (OAuth 2 client credentials at POST /oauth/token).' })
export class ApiClient extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: 'What the org calls the partner system, unique among its active clients.' })
  name!: string;

  /** Public half of the credentials, sent as `client_id`. */
  @Property({ type: 'text' })
  @Field(() => String, { description: 'The `client_id` of the token request. Not a secret on its own.' })
  clientId!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  secretHash!: string;

  /** Goes up on each rotation; access tokens carry it, so the tokens of an old secret stop working with it. */
  @Property({ type: 'integer' })
  secretGeneration: Opt<number> = 1;

  /** Scope strings (`members:read`); the schema answers them as `ApiScope` values (the resolver's `scopes`). */
  @Property({ type: 'json' })
  scopes!: string[];

  @Property({ type: 'uuid', nullable: true })
  createdByMemberId: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the secret was last replaced; null while it is the first one.' })
  secretRotatedAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'Set once revoked: its tokens stopped working at that moment.' })
  revokedAt: Date | null = null;

  @Property({ type: 'uuid', nullable: true })
  revokedByMemberId: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the client last obtained an access token.' })
  lastTokenAt: Date | null = null;
}
