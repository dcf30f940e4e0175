import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import { ConnectionType, PageArgs } from '../../graphql/relay';
import { OrgEventType } from '../changes/org-event-type';
import { WebhookDelivery, WebhookDeliveryStatus } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';

export const DESCRIPTION_MAX = 500;
/** Endpoints one org may have: each one is served by a worker of its own. */
export const ENDPOINTS_PER_ORG = 20;

@InputType({ description: 'A new webhook endpoint.' })
export class CreateWebhookEndpointInput {
  @Field(() => String, {
    description: 'Where to POST events: an https URL whose host resolves to public addresses only (checked now and before each delivery).',
  })
  url!: string;

  @Field(() => [OrgEventType], { description: 'The events to receive, at least one.' })
  eventTypes!: OrgEventType[];

  @Field(() => String, { nullable: true, description: `What the endpoint is for, up to ${DESCRIPTION_MAX} characters.` })
  description?: string | null;
}

@InputType({ description: 'Changes to a webhook endpoint; fields left out stay as they are.' })
export class UpdateWebhookEndpointInput {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new URL, checked as at creation. Events not yet delivered go to the new URL.' })
  url?: string | null;

  @Field(() => [OrgEventType], { nullable: true, description: 'The events to receive from now on, at least one.' })
  eventTypes?: OrgEventType[] | null;

  @Field(() => String, { nullable: true, description: `What the endpoint is for, up to ${DESCRIPTION_MAX} characters.` })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description: 'False disables it; true enables a disabled endpoint, which then receives the events since, in order, from where it stopped.',
  })
  enabled?: boolean | null;
}

@ObjectType({ description: 'An endpoint and its signing secret: the secret is shown here once and never again.' })
export class WebhookEndpointSecretPayload {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field(() => String, {
    description: 'The `whsec_…` secret deliveries are signed with (Standard Webhooks, HMAC-SHA256). After a rotation the previous secret also signs for 24 hours.',
  })
  secret!: string;
}

@InputType({ description: 'Which deliveries to list.' })
export class WebhookDeliveryFilter {
  @Field(() => WebhookDeliveryStatus, { nullable: true, description: 'Only deliveries in this state.' })
  status?: WebhookDeliveryStatus | null;
}

@ArgsType()
export class WebhookDeliveriesArgs extends PageArgs {
  @Field(() => ID, { description: 'The endpoint.' })
  endpointId!: string;

  @Field(() => WebhookDeliveryFilter, { nullable: true, description: 'Narrows the list.' })
  filter?: WebhookDeliveryFilter | null;
}

export const WebhookDeliveryConnection = ConnectionType(WebhookDelivery, 'WebhookDelivery');
