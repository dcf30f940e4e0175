import { Entity, Property, type Opt } from '@mikro-orm/core';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';
import { OrgEventType } from '../changes/org-event-type';

export enum WebhookEndpointStatus {
  ENABLED = 'ENABLED',
  DISABLED = 'DISABLED',
}
registerEnumType(WebhookEndpointStatus, {
  name: 'WebhookEndpointStatus',
  description: 'Whether an endpoint receives events.',
  valuesConfig: {
    ENABLED: { description: 'Events are delivered to it, in order.' },
    DISABLED: { description: 'Nothing is delivered: turned off by an admin, or by Orggraph after an event failed for the whole retry window.' },
  },
});

/**
 * A partner's URL that receives the org's changes as signed HTTP POSTs (Standard Webhooks). Its signing secret is
 * shown once; it is kept (not only a hash) because every delivery is signed with it.
 */
@Entity({ tableName: 'webhook_endpoints' })
@ObjectType({ implements: Node, description: 'A URL that receives the org\'s changes as signed HTTP POSTs, one event per request, in order.' })
export class WebhookEndpoint extends OrgOwnedEntity {
  @Property({ type: 'text' })
  @Field(() => String, { description: 'Where events are POSTed: https, resolving to public addresses only.' })
  url!: string;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'What the endpoint is for, up to 500 characters; may be empty.' })
  description: Opt<string> = '';

  @Property({ type: 'json' })
  @Field(() => [OrgEventType], { description: 'The events it receives.' })
  eventTypes!: OrgEventType[];

  /** `whsec_…`: what deliveries are signed with. Never exposed after creation or rotation. */
  @Property({ type: 'text', hidden: true, lazy: true })
  secret!: string;

  /** After a rotation, deliveries are signed with the old secret too until this moment, so receivers can switch over. */
  @Property({ type: 'text', hidden: true, lazy: true, nullable: true })
  previousSecret: string | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null = null;

  @Property({ type: 'text' })
  @Field(() => WebhookEndpointStatus, { description: 'Whether events are delivered to it.' })
  status: Opt<WebhookEndpointStatus> = WebhookEndpointStatus.ENABLED;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was last disabled; null while enabled.' })
  disabledAt: Date | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why it was disabled (by an admin, or the event that failed for the whole retry window).' })
  disabledReason: string | null = null;

  /** How far the org's event log has been turned into deliveries to this endpoint. */
  @Property({ type: 'bigint' })
  scannedEventId: Opt<string> = '0';

  @Property({ type: 'bigint' })
  leaseToken: Opt<string> = '0';

  @Property({ type: 'timestamptz', nullable: true })
  leaseUntil: Date | null = null;

  /** The member who created it; it receives what that member may see (`orgChanges`' audience rules), as they are now. */
  @Property({ type: 'uuid', nullable: true })
  createdByMemberId: string | null = null;

  /** The API client that created it; it receives what the client's current scopes read. */
  @Property({ type: 'uuid', nullable: true })
  createdByApiClientId: string | null = null;

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When it was last changed.' })
  updatedAt: Opt<Date> = new Date();

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the secret was last replaced; null while it is the first one.' })
  secretRotatedAt: Date | null = null;
}
