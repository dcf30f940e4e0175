import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import type { Connection } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { WebhookAttempt, WebhookDelivery } from './webhook-delivery.entity';
import { WebhookEndpoint } from './webhook-endpoint.entity';
import {
  CreateWebhookEndpointInput,
  UpdateWebhookEndpointInput,
  WebhookDeliveriesArgs,
  WebhookDeliveryConnection,
  WebhookEndpointSecretPayload,
} from './webhooks.inputs';
import {
  attemptsOf,
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  listWebhookEndpoints,
  redeliverWebhook,
  rotateWebhookSecret,
  sendTestWebhook,
  updateWebhookEndpoint,
} from './webhooks.service';

const WHO = 'OWNER and ADMIN, and API clients with `webhooks:manage`.';

@Resolver(() => WebhookEndpoint)
export class WebhooksResolver {
  @Authorized(Access.MEMBER)
  @Query(() => [WebhookEndpoint], { description: `The org's webhook endpoints, oldest first. ${WHO}` })
  webhookEndpoints(@Ctx() ctx: GraphQLContext): Promise<WebhookEndpoint[]> {
    return listWebhookEndpoints(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Query(() => WebhookDeliveryConnection, { description: `An endpoint's deliveries with their attempts, newest first. ${WHO}` })
  webhookDeliveries(@Args(() => WebhookDeliveriesArgs) args: WebhookDeliveriesArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<WebhookDelivery>> {
    return listWebhookDeliveries(ctx.em, ctx.viewer, args);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => WebhookEndpointSecretPayload, {
    description: `Registers a URL to receive the org's events committed from now on, signed; answers its secret (shown this once). ${WHO}`,
  })
  createWebhookEndpoint(
    @Arg('input', () => CreateWebhookEndpointInput, { description: 'The URL, the events and a description.' }) input: CreateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookEndpointSecretPayload> {
    return createWebhookEndpoint(ctx.em, ctx.viewer, input, ctx.app.config.webhooks);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => WebhookEndpoint, { description: `Changes an endpoint's URL, events or description, or disables or enables it. ${WHO}` })
  updateWebhookEndpoint(
    @Arg('input', () => UpdateWebhookEndpointInput, { description: 'The endpoint and what changes.' }) input: UpdateWebhookEndpointInput,
    @Ctx() ctx: GraphQLContext,
  ): Promise<WebhookEndpoint> {
    return updateWebhookEndpoint(ctx.em, ctx.viewer, input, ctx.app.config.webhooks);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => WebhookEndpointSecretPayload, {
    description: `Replaces an endpoint's signing secret (shown this once); deliveries carry a signature by the previous one too for 24 hours. ${WHO}`,
  })
  rotateWebhookSecret(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<WebhookEndpointSecretPayload> {
    return rotateWebhookSecret(ctx.em, ctx.viewer, id);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ID, { description: `Deletes an endpoint and its deliveries; answers its id. ${WHO}` })
  deleteWebhookEndpoint(@Arg('id', () => ID, { description: 'The endpoint.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<string> {
    return deleteWebhookEndpoint(ctx.em, ctx.viewer, id);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => WebhookDelivery, {
    description: `Sends a delivery's event again, once, now, with the same \`webhook-id\`; answers the new delivery and its attempt. ${WHO}`,
  })
  redeliverWebhook(@Arg('deliveryId', () => ID, { description: 'The delivery to send again.' }) deliveryId: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDelivery> {
    return redeliverWebhook(ctx.em, ctx.viewer, deliveryId, ctx.app.config.webhooks);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => WebhookDelivery, { description: `Sends a signed \`WEBHOOK_TEST\` event to an endpoint, once, now; answers the delivery and its attempt. ${WHO}` })
  sendTestWebhook(@Arg('endpointId', () => ID, { description: 'The endpoint.' }) endpointId: string, @Ctx() ctx: GraphQLContext): Promise<WebhookDelivery> {
    return sendTestWebhook(ctx.em, ctx.viewer, endpointId, ctx.app.config.webhooks);
  }

  @FieldResolver(() => Date, { description: 'When it was created.' })
  createdAt(@Root() endpoint: WebhookEndpoint): Date {
    return endpoint.createdAt;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who created it; null for an API client or someone no longer a member.' })
  createdBy(@Root() endpoint: WebhookEndpoint, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return endpoint.createdByMemberId ? ctx.loaders.memberById.load(endpoint.createdByMemberId) : null;
  }
}

@Resolver(() => WebhookDelivery)
export class WebhookDeliveryFieldsResolver {
  @FieldResolver(() => Date, { description: 'When the event was queued for this endpoint (or the test or redelivery asked for).' })
  createdAt(@Root() delivery: WebhookDelivery): Date {
    return delivery.createdAt;
  }

  @FieldResolver(() => [WebhookAttempt], { description: 'Every attempt, oldest first.' })
  attempts(@Root() delivery: WebhookDelivery, @Ctx() ctx: GraphQLContext): Promise<WebhookAttempt[]> {
    return attemptsOf(ctx.em, delivery);
  }
}
