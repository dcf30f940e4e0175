import type { MiddlewareFn } from 'type-graphql';
import type { GraphQLContext } from '../graphql/context';
import type { Member } from '../modules/members/member.entity';
import { PermissionAction, PermissionModule } from '../modules/roles/role.entity';
import { can, canSeeMemberSensitiveFields, isOrgAdmin, isViewerMember } from './policy';

/**
 * May the viewer see this member's phone, email, employee number and account details?
 * Batched: the member's departments come from the request's DataLoader, so a page costs one query.
 */
export async function maySeeMemberSensitiveFields(ctx: GraphQLContext, member: Member): Promise<boolean> {
  const { viewer } = ctx;
  const orgId = viewer.member?.orgId ?? viewer.apiClient?.orgId;
  if (!orgId || orgId !== member.orgId) return false;
  if (isOrgAdmin(viewer) || isViewerMember(viewer, member.id)) return true;
  if (viewer.grants.length === 0) return false;
  // An org-wide grant (a custom role, an API client's members:read_sensitive) needs no department lookup.
  if (can(viewer, PermissionModule.MEMBER_SENSITIVE_FIELDS, PermissionAction.VIEW)) return true;
  const departments = await ctx.loaders.departmentsOfMember.load(member.id);
  return canSeeMemberSensitiveFields(viewer, member.id, departments.map((department) => department.path));
}

/** Field middleware for sensitive member fields: viewers without the right get `null`, never an error. */
export const MemberSensitiveField: MiddlewareFn<GraphQLContext> = async ({ root, context }, next) =>
  (await maySeeMemberSensitiveFields(context, root as Member)) ? next() : null;
