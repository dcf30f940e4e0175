import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ApiScopeValue, isApiScope } from '../../auth/api-scopes';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { Member } from '../members/member.entity';
import { ApiClient } from './api-client.entity';
import { ApiClientSecretPayload, CreateApiClientInput } from './api-clients.inputs';
import { createApiClient, listApiClients, revokeApiClient, rotateApiClientSecret } from './api-clients.service';

@Resolver(() => ApiClient)
export class ApiClientsResolver {
  @Authorized(Access.ADMIN)
  @Query(() => [ApiClient], { description: 'The API clients of the current org, revoked ones too, newest first. OWNER and ADMIN.' })
  apiClients(@Ctx() ctx: GraphQLContext): Promise<ApiClient[]> {
    return listApiClients(ctx.em, ctx.viewer);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => ApiClientSecretPayload, {
    description: 'Registers a partner system with scopes; answers its client id and secret (shown this once). OWNER and ADMIN.',
  })
  createApiClient(@Arg('input', () => CreateApiClientInput, { description: 'Its name and scopes.' }) input: CreateApiClientInput, @Ctx() ctx: GraphQLContext): Promise<ApiClientSecretPayload> {
    return createApiClient(ctx.em, ctx.viewer, input);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => ApiClientSecretPayload, {
    description: 'Replaces the secret (shown this once): the old secret and the access tokens issued with it stop working now.',
  })
  rotateApiClientSecret(@Arg('id', () => ID, { description: 'The API client.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiClientSecretPayload> {
    return rotateApiClientSecret(ctx.em, ctx.viewer, id);
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => ApiClient, { description: 'Revokes a client for good: its access tokens stop working on their next request.' })
  revokeApiClient(@Arg('id', () => ID, { description: 'The API client.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<ApiClient> {
    return revokeApiClient(ctx.em, ctx.viewer, id);
  }

  @FieldResolver(() => [ApiScopeValue], { description: 'What the client may do; a token may carry fewer (the `scope` of its request).' })
  scopes(@Root() client: ApiClient): ApiScopeValue[] {
    return client.scopes.filter(isApiScope) as string[] as ApiScopeValue[];
  }

  @FieldResolver(() => Date, { description: 'When the client was registered.' })
  createdAt(@Root() client: ApiClient): Date {
    return client.createdAt;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who registered it; null when no longer a member.' })
  createdBy(@Root() client: ApiClient, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return client.createdByMemberId ? ctx.loaders.memberById.load(client.createdByMemberId) : null;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who revoked it.' })
  revokedBy(@Root() client: ApiClient, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return client.revokedByMemberId ? ctx.loaders.memberById.load(client.revokedByMemberId) : null;
  }
}
