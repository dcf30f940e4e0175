import { parsePhoneNumberWithError } from 'libphonenumber-js';
import type { MiddlewareFn } from 'type-graphql';
import { canSeeInvitationRecipient, isOrgAdmin } from '../../auth/policy';
import type { GraphQLContext } from '../../graphql/context';
import type { Loaders } from '../../graphql/loaders';

/** What the recipient rule reads of an invitation (the entity's fields use this middleware, so no import of it). */
type InvitationScope = { orgId: string; departmentIds: string[] };

/** Paths of an invitation's departments through the request's loader (one query for a page of invitations). */
export async function invitationDepartmentPaths(loaders: Loaders, invitation: Pick<InvitationScope, 'departmentIds'>): Promise<string[]> {
  const departments = await loaders.departmentById.loadMany(invitation.departmentIds);
  return departments.flatMap((department) => (department && !(department instanceof Error) ? [department.path] : []));
}

/** Field middleware for an invitation's phone and email: viewers without the right get `null`, never an error. */
export const InvitationRecipientField: MiddlewareFn<GraphQLContext> = async ({ root, context }, next) => {
  const { viewer } = context;
  const invitation = root as InvitationScope;
  const orgId = viewer.member?.orgId ?? viewer.apiClient?.orgId;
  if (!orgId || orgId !== invitation.orgId) return null;
  if (isOrgAdmin(viewer)) return next();
  if (viewer.grants.length === 0) return null;
  return canSeeInvitationRecipient(viewer, await invitationDepartmentPaths(context.loaders, invitation)) ? next() : null;
};

/** `+8613912345678` -> `+86 139****5678`: enough for the invitee to recognise their number, not to learn someone else's. */
export function maskPhone(e164: string): string {
  let country = '';
  let national = e164.replace(/^\+/, '');
  try {
    const parsed = parsePhoneNumberWithError(e164);
    country = `+${parsed.countryCallingCode} `;
    national = String(parsed.nationalNumber);
  } catch {
    // keep the raw digits
  }
  if (national.length <= 4) return `${country}${'*'.repeat(national.length)}`;
  const keepEnd = 4;
  const keepStart = Math.min(3, national.length - keepEnd - 1);
  return `${country}${national.slice(0, keepStart)}${'*'.repeat(national.length - keepStart - keepEnd)}${national.slice(-keepEnd)}`;
}

/** `zhang.wei@example.com` -> `z***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}
