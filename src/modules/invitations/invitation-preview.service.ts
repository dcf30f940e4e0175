import type { EntityManager } from '@mikro-orm/postgresql';
import { Department } from '../departments/department.entity';
import { Member, MemberStatus } from '../members/member.entity';
import { Org } from '../orgs/org.entity';
import { BuiltinRole, Role } from '../roles/role.entity';
import { findUsable, invitationInvalid } from './invitation-acceptance.service';
import { maskEmail, maskPhone } from './invitation-recipient';
import { InvitationChannel } from './invitation.entity';
import type { InvitationPreview } from './invitation-preview.types';

/**
 * `invitationPreview(token)`: what a usable token offers. Any token acceptInvitation would refuse as invalid (unknown,
 * expired, used up, revoked, declined, its pending member gone) answers the same INVITATION_INVALID, so the preview
 * tells a guesser no more than accepting would; both draw on the same guess budget (`guessed-secrets.ts`).
 * Public: it needs no viewer, the token is the credential.
 */
export async function previewInvitation(em: EntityManager, token: string): Promise<InvitationPreview> {
  const invitation = await findUsable(em, token);
  const { orgId } = invitation;
  if (invitation.channel !== InvitationChannel.LINK) {
    const pending = invitation.memberId ? await em.findOne(Member, { id: invitation.memberId, orgId }) : null;
    if (!pending || pending.status !== MemberStatus.PENDING || pending.userId) throw invitationInvalid();
  }
  const [org, inviter, departments, roles] = await Promise.all([
    em.findOneOrFail(Org, { id: orgId }),
    invitation.invitedByMemberId ? em.findOne(Member, { id: invitation.invitedByMemberId, orgId }) : null,
    em.find(Department, { orgId, id: { $in: invitation.departmentIds } }, { orderBy: { name: 'asc' } }),
    em.find(Role, { orgId, id: { $in: invitation.roleIds } }, { orderBy: { name: 'asc' } }),
  ]);
  // The defaults acceptInvitation fills in when a link names none (or none is left).
  const defaultRole = roles.length ? null : await em.findOne(Role, { orgId, builtin: BuiltinRole.MEMBER });
  const defaultDepartment = departments.length ? null : await em.findOne(Department, { orgId, id: org.rootDepartmentId });
  const sentTo =
    invitation.channel === InvitationChannel.PHONE && invitation.phone
      ? maskPhone(invitation.phone)
      : invitation.channel === InvitationChannel.EMAIL && invitation.email
        ? maskEmail(invitation.email)
        : null;
  return {
    orgName: org.name,
    invitedByName: inviter?.name ?? null,
    channel: invitation.channel,
    sentTo,
    roles: (defaultRole ? [defaultRole] : roles).map((role) => role.name),
    departments: (defaultDepartment ? [defaultDepartment] : departments).map((department) => department.name),
    message: invitation.message,
    expiresAt: invitation.expiresAt,
  };
}
