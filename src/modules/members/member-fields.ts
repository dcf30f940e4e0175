import type { MiddlewareFn } from 'type-graphql';
import type { Viewer } from '../../auth/viewer';
import { contextOf, type GraphQLContext } from '../../graphql/context';
import type { Loaders } from '../../graphql/loaders';
import { PermissionAction, PermissionModule } from '../../auth/vocabulary';
import { can, canSeeMemberSensitiveFields, isOrgAdmin, isViewerMember, mayReadOrgWideType } from '../../auth/policy';

/**
 * May the viewer see this member's phone, email, employee number and account details?
 * Batched: the member's departments come from the request's DataLoader, so a page costs one query.
 */
export async function maySeeMemberSensitiveFields(viewer: Viewer, loaders: Loaders, member: { id: string; orgId: string }): Promise<boolean> {
  const orgId = viewer.member?.orgId ?? viewer.apiClient?.orgId;
  if (!orgId || orgId !== member.orgId) return false;
  if (isOrgAdmin(viewer) || isViewerMember(viewer, member.id)) return true;
  if (viewer.grants.length === 0) return false;
  // An org-wide grant (a custom role, an API client's members:read_sensitive) needs no department lookup.
  if (can(viewer, PermissionModule.MEMBER_SENSITIVE_FIELDS, PermissionAction.VIEW)) return true;
  const departments = await loaders.departmentsOfMember.load(member.id);
  return canSeeMemberSensitiveFields(viewer, member.id, departments.map((department) => department.path));
}

/**
 * The audit rule for entries on members (`member.add`, `role.assign`, `account.createEnterprise`, hand-overs...): their
 * summaries hold account details and the contacts handed over, so they follow the sensitive-field rule. Removed
 * members have no departments left: only org-wide grants cover them. One batched lookup of departments.
 */
export async function membersWithVisibleSensitiveFields(viewer: Viewer, loaders: Loaders, memberIds: readonly string[]): Promise<string[]> {
  const orgId = viewer.member?.orgId ?? viewer.apiClient?.orgId;
  if (!orgId || !mayReadOrgWideType(viewer, 'Member')) return [];
  const seen = await Promise.all(memberIds.map((id) => maySeeMemberSensitiveFields(viewer, loaders, { id, orgId })));
  return memberIds.filter((_, index) => seen[index]);
}

/** Field middleware for sensitive member fields: viewers without the right get `null`, never an error. */
export const MemberSensitiveField: MiddlewareFn<GraphQLContext> = async ({ root, context }, next) => {
  const { viewer, loaders } = contextOf(context, root);
  return (await maySeeMemberSensitiveFields(viewer, loaders, root as { id: string; orgId: string })) ? next() : null;
};
