import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { Field, Int, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  SUCCEEDED = 'SUCCEEDED',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: 'Where the delivery of one event to one endpoint stands.',
  valuesConfig: {
    PENDING: { description: 'Not yet answered with a 2xx: waiting for its turn or for its next attempt.' },
    SUCCEEDED: { description: 'The endpoint answered an attempt with a 2xx status.' },
    FAILED: { description: 'Given up on: every attempt failed for the whole retry window (or the one attempt of a test or redelivery failed).' },
  },
});

/** One event sent (or to be sent) to one endpoint, with the exact body every attempt sends. */
@Entity({ tableName: 'webhook_deliveries' })
@ObjectType({ implements: Node, description: 'One event sent to one webhook endpoint, and its attempts.' })
export class WebhookDelivery extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  endpointId!: string;

  /** The org event log's id; null for a test. */
  @Property({ type: 'bigint', nullable: true })
  eventId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'The `webhook-id` header: the event\'s id, the same on every attempt and redelivery, for receivers to drop duplicates.' })
  messageId!: string;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'The `type` of the body: an `OrgEventType` value, or `WEBHOOK_TEST` for `sendTestWebhook`.' })
  eventType!: string;

  @Property({ type: 'text', lazy: true })
  body!: string;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'True for a test or a redelivery asked for by an admin: sent once, outside the ordered stream.' })
  manual: Opt<boolean> = false;

  @Property({ type: 'text' })
  @Field(() => WebhookDeliveryStatus, { description: 'Where it stands.' })
  status: Opt<WebhookDeliveryStatus> = WebhookDeliveryStatus.PENDING;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Attempts made so far.' })
  attemptCount: Opt<number> = 0;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When the next attempt is due, while PENDING after a failure.' })
  nextAttemptAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  firstAttemptAt: Date | null = null;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'When it was last attempted.' })
  lastAttemptAt: Date | null = null;
}

/** One HTTP request of a delivery and what came back. */
@Entity({ tableName: 'webhook_attempts' })
@ObjectType({ description: 'One HTTP request of a webhook delivery and its outcome.' })
export class WebhookAttempt {
  @PrimaryKey({ type: 'uuid' })
  id: Opt<string> = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid' })
  deliveryId!: string;

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When the request started.' })
  attemptedAt!: Date;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'True when the endpoint answered with a 2xx status.' })
  succeeded!: boolean;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Milliseconds from the start of the request to the end of what was read of the answer (or the failure).' })
  latencyMs!: number;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true, description: 'The HTTP status answered; null when none came (refused, timed out, address not allowed).' })
  responseStatus: number | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The first bytes of the answer\'s body (WEBHOOK_RESPONSE_BYTES), as UTF-8.' })
  responseBody: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'Why the attempt failed without a status, or what was wrong with the status (a redirect is not followed).' })
  error: string | null = null;
}

