import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { rawId } from '../../graphql/relay';
import { Department } from '../departments/department.entity';
import { CreateOrgInput, MemberQuota, OrgSession, OrgSettings, UpdateOrgSettingsInput, ViewerPayload } from './orgs.inputs';
import { Org } from './org.entity';
import { createOrg, switchOrg, updateOrgSettings, viewerPayload } from './orgs.service';

@Resolver(() => Org)
export class OrgsResolver {
  @Authorized(Access.USER)
  @Query(() => ViewerPayload, { description: 'The signed-in user, the current membership and the list of orgs.' })
  viewer(@Ctx() ctx: GraphQLContext): Promise<ViewerPayload> {
    return viewerPayload(ctx.em, ctx.viewer);
  }

  @Authorized(Access.USER)
  @Mutation(() => OrgSession, { description: 'Creates an org; the caller becomes its OWNER and gets a token for it.' })
  createOrg(@Arg('input', () => CreateOrgInput, { description: 'Its name and code.' }) input: CreateOrgInput, @Ctx() ctx: GraphQLContext): Promise<OrgSession> {
    return createOrg(ctx.em, ctx.app, ctx.viewer, input);
  }

  @Authorized(Access.USER)
  @Mutation(() => OrgSession, { description: 'A token for another org the caller is an active member of.' })
  switchOrg(@Arg('orgId', () => ID, { description: 'The org to switch to.' }) orgId: string, @Ctx() ctx: GraphQLContext): Promise<OrgSession> {
    return switchOrg(ctx.em, ctx.app, ctx.viewer, rawId(orgId, 'Org'));
  }

  @Authorized(Access.ADMIN)
  @Mutation(() => Org, { description: 'Changes the org’s settings (owners and admins): invitations, and the default language and time zone of its people.' })
  updateOrgSettings(@Arg('input', () => UpdateOrgSettingsInput, { description: 'The settings to change; omitted ones stay.' }) input: UpdateOrgSettingsInput, @Ctx() ctx: GraphQLContext): Promise<Org> {
    return updateOrgSettings(ctx.em, ctx.viewer, input, ctx.app);
  }

  @FieldResolver(() => MemberQuota, { description: 'How many members the org has and may have.' })
  memberQuota(@Root() org: Org): MemberQuota {
    return { used: org.memberCount, limit: org.memberLimit };
  }

  @FieldResolver(() => OrgSettings, { description: "The org's settings." })
  settings(@Root() org: Org): OrgSettings {
    return { invitesOpen: org.invitesOpen, invitationTtlSeconds: org.invitationTtlSeconds, locale: org.locale, timeZone: org.timeZone };
  }

  // Orgs reach a client only where the viewer belongs to them, so their root is theirs to see.
  @FieldResolver(() => Department, { description: 'The top of the department tree.' })
  rootDepartment(@Root() org: Org, @Ctx() ctx: GraphQLContext): Promise<Department> {
    return ctx.em.findOneOrFail(Department, { id: org.rootDepartmentId, orgId: org.id });
  }
}
