import { JSONObjectResolver } from 'graphql-scalars';
import { Args, Authorized, Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import type { Connection } from '../../graphql/relay';
import { ApiClient } from '../api-clients/api-client.entity';
import { Member } from '../members/member.entity';
import { AuditEntry } from './audit-entry.entity';
import { maySeeAuditTarget } from './audit-targets';
import { AuditEntryConnection, AuditLogArgs } from './audit.inputs';
import { auditLog } from './audit.service';

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Authorized(Access.MEMBER)
  @Query(() => AuditEntryConnection, {
    description: 'Admin operations of the current org, newest first. For OWNER, ADMIN and holders of AUDIT_LOG VIEW.',
  })
  auditLog(@Args(() => AuditLogArgs) args: AuditLogArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<AuditEntry>> {
    return auditLog(ctx.em, ctx.viewer, args);
  }

  @FieldResolver(() => JSONObjectResolver, {
    description:
      'Details of the operation; shape depends on `action`; objects in it are named by their global ids. Withheld (`{}`, with `summaryWithheld` true) ' +
      'from readers who may not see the target (a private contact of someone else, a member whose sensitive fields they may not see...).',
  })
  async summary(@Root() entry: AuditEntry, @Ctx() ctx: GraphQLContext): Promise<Record<string, unknown>> {
    return (await maySeeAuditTarget(ctx, ctx.app.contributions, entry)) ? entry.summary : {};
  }

  @FieldResolver(() => Boolean, { description: 'True when `summary` is withheld because the reader may not see the target; action, actor and target id stay.' })
  async summaryWithheld(@Root() entry: AuditEntry, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return !(await maySeeAuditTarget(ctx, ctx.app.contributions, entry));
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
