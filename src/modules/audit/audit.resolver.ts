import { Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import type { Connection } from '../../graphql/relay';
import { ApiClient } from '../api-clients/api-client.entity';
import { Member } from '../members/member.entity';
import { AuditEntry } from './audit-entry.entity';
import { AuditEntryConnection, AuditLogArgs } from './audit.inputs';
import { auditLog } from './audit.service';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized(Access.MEMBER)
  @Query(() => AuditEntryConnection, {
    description: 'Admin operations of the current org, newest first [003]. For OWNER, ADMIN and holders of AUDIT_LOG VIEW.',
  })
  auditLog(@Args(() => AuditLogArgs) args: AuditLogArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<AuditEntry>> {
    return auditLog(ctx.em, ctx.viewer, args);
  }

  @FieldResolver(() => Member, { nullable: true, description: 'The member who acted; null when an API client acted or the member no longer exists.' })
  actor(@Root() entry: AuditEntry, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return entry.actorMemberId ? ctx.loaders.memberById.load(entry.actorMemberId) : null;
  }

  @FieldResolver(() => ApiClient, { nullable: true, description: 'The API client (partner system) that acted; null when a person did.' })
  actorApiClient(@Root() entry: AuditEntry, @Ctx() ctx: GraphQLContext): Promise<ApiClient | null> | null {
    return entry.actorApiClientId ? ctx.loaders.apiClientById.load(entry.actorApiClientId) : null;
  }
}
