import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { loadViewer } from '../members/viewers';
import { AppError, badInput, conflict, ErrorCode, errorMessage } from '../../errors';
import type { AppServices } from '../../app';
import type { Viewer, ViewerUser } from '../../auth/viewer';
import { resolveAs } from '../../graphql/context';
import { withEvents } from '../../realtime/events';
import type { User } from '../accounts/user.entity';
import { isUniqueViolation } from '../common/validate';
import { Department } from '../departments/department.entity';
import { runMemberActivationHooks } from '../members/member-activation';
import { MemberDepartment } from '../members/member-department.entity';
import { Member, MemberStatus } from '../members/member.entity';
import { Org } from '../orgs/org.entity';
import { MemberRole } from '../roles/member-role.entity';
import { BuiltinRole, Role } from '../roles/role.entity';
import { invitationEvent, InvitationEventType, isUsable, memberJoinedEvent } from './invitation-events';
import { maskEmail, maskPhone } from './invitation-recipient';
import { hashInvitationToken } from './invitation-token';
import { Invitation, InvitationChannel, InvitationStatus } from './invitation.entity';
import type { AcceptInvitationPayload } from './invitations.inputs';

/** One answer for unknown, expired, used-up, revoked and otherwise closed tokens, so a token reveals nothing. */
export function invitationInvalid(): AppError {
  return new AppError(ErrorCode.InvitationInvalid, errorMessage('invitationInvalid'));
}

/** The invitation of a token, if it can be used now; otherwise INVITATION_INVALID. */
export async function findUsable(tx: EntityManager, token: string, lock = false): Promise<Invitation> {
  const tokenHash = hashInvitationToken(token.trim());
  const invitation = await tx.findOne(Invitation, { tokenHash }, lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});
  if (!invitation || !isUsable(invitation)) throw invitationInvalid();
  return invitation;
}

/** A phone or email invitation is for the user whose verified phone or email it names [004]; the message says which. */
function assertRecipient(user: ViewerUser, invitation: Invitation): void {
  if (invitation.channel === InvitationChannel.PHONE) {
    if (user.phoneVerifiedAt && user.phone === invitation.phone) return;
    const masked = maskPhone(invitation.phone!);
    const message = errorMessage(user.phone === invitation.phone ? 'invitationForPhoneVerify' : 'invitationForPhoneOther', { masked });
    throw new AppError(ErrorCode.InvitationRecipientMismatch, message, {
      expectedPhone: masked,
    });
  }
  if (invitation.channel === InvitationChannel.EMAIL) {
    if (user.emailVerifiedAt && user.email?.toLowerCase() === invitation.email) return;
    const masked = maskEmail(invitation.email!);
    throw new AppError(
      ErrorCode.InvitationRecipientMismatch,
      errorMessage('invitationForEmail', { masked }),
      { expectedEmail: masked },
    );
  }
}

/**
 * `acceptInvitation`: the signed-in user joins the invitation's org. A phone or email invitation activates its PENDING
 * member (user linked, joinedAt); a link creates an ACTIVE member with the link's departments and roles while uses
 * are left. The use is claimed by one conditional UPDATE, so concurrent accepts of a link's last use cannot both win;
 * the member quota (joined members: ACTIVE and DISABLED) is checked under the org lock at this moment.
 * The payload's member resolves as the new member, in the org just joined (`resolveAs`); the rest of the operation
 * keeps its viewer.
 */
export async function acceptInvitation(
  em: EntityManager,
  viewer: Viewer,
  token: string,
  services: Pick<AppServices, 'eventBus' | 'contributions' | 'tokens'>,
): Promise<AcceptInvitationPayload> {
  const user = viewer.requireUser();
  const { org, member } = await withEvents(em, services, async (tx, emit) => {
    const invitation = await findUsable(tx, token);
    assertRecipient(user, invitation);
    const orgId = invitation.orgId;
    if (await tx.count(Member, { orgId, userId: user.id })) throw conflict(errorMessage('alreadyMember'));
    const person = invitation.channel !== InvitationChannel.LINK;
    const pending = person && invitation.memberId ? await tx.findOne(Member, { id: invitation.memberId, orgId }) : null;
    if (person && (!pending || pending.status !== MemberStatus.PENDING || pending.userId)) throw invitationInvalid();

    const [claimed] = await tx.execute<Array<{ status: InvitationStatus }>>(
      `update invitations
          set use_count = use_count + 1,
              status = case when channel <> 'LINK' or use_count + 1 >= max_uses then 'ACCEPTED' else status end,
              status_changed_at = case when channel <> 'LINK' or use_count + 1 >= max_uses then now() else status_changed_at end,
              status_changed_by_user_id = case when channel <> 'LINK' or use_count + 1 >= max_uses then ?::uuid else status_changed_by_user_id end
        where id = ? and status = 'PENDING' and expires_at > now() and (max_uses is null or use_count < max_uses)
        returning status`,
      [user.id, invitation.id],
    );
    if (!claimed) throw invitationInvalid();

    const org = await lockOrgWithSeatLeft(tx, orgId);
    const now = new Date();
    let member: Member;
    let departmentIds: string[];
    if (pending) {
      member = pending;
      member.userId = user.id;
      member.status = MemberStatus.ACTIVE;
      member.joinedAt = now;
      if (!member.phone && user.phoneVerifiedAt) member.phone = user.phone;
      if (!member.email && user.emailVerifiedAt) member.email = user.email;
      const placed = await tx.find(MemberDepartment, { orgId, memberId: member.id });
      departmentIds = placed.map((row) => row.departmentId);
    } else {
      member = tx.create(Member, {
        orgId,
        userId: user.id,
        name: user.name,
        phone: user.phoneVerifiedAt ? user.phone : null,
        email: user.emailVerifiedAt ? user.email : null,
        status: MemberStatus.ACTIVE,
        joinedAt: now,
      });
      // Departments or roles deleted since the link was made are skipped; the defaults fill in when none is left.
      const departments = await tx.find(Department, { orgId, id: { $in: invitation.departmentIds } });
      departmentIds = departments.length ? departments.map((d) => d.id) : [org.rootDepartmentId];
      const roles = await tx.find(Role, { orgId, id: { $in: invitation.roleIds } });
      const roleIds = roles.length ? roles.map((r) => r.id) : [(await tx.findOneOrFail(Role, { orgId, builtin: BuiltinRole.MEMBER })).id];
      for (const departmentId of departmentIds) tx.create(MemberDepartment, { orgId, memberId: member.id, departmentId });
      for (const roleId of roleIds) tx.create(MemberRole, { orgId, memberId: member.id, roleId, scopeDepartmentIds: [] });
    }
    await tx.flush();
    await tx.execute('insert into invitation_acceptances (invitation_id, user_id, member_id) values (?, ?, ?)', [invitation.id, user.id, member.id]);
    await runMemberActivationHooks(tx, services.contributions, { orgId, memberId: member.id, userId: user.id, via: 'INVITATION' });
    if (claimed.status === InvitationStatus.ACCEPTED) {
      await tx.execute('update invitations set status_changed_by_member_id = ? where id = ?', [member.id, invitation.id]);
    }
    await emit(invitationEvent(invitation, InvitationEventType.ACCEPTED, member.id));
    await emit(memberJoinedEvent(member, departmentIds));
    return { org, member };
  }).catch((error: unknown) => {
    if (isUniqueViolation(error, 'members_org_user_unique') || isUniqueViolation(error, 'invitation_acceptances_pkey')) {
      throw conflict(errorMessage('alreadyMember'));
    }
    if (isUniqueViolation(error, 'members_org_phone_unique')) {
      throw conflict(errorMessage('pendingMemberWaiting'), { field: 'phone' });
    }
    throw error;
  });

  const joined = await loadViewer(em, user.id, org.id);
  return { org: resolveAs(org, joined), member: resolveAs(member, joined), token: await services.tokens.sign({ sub: user.id, org: org.id }) };
}

/** Locks the org row (serialising quota checks) and refuses with QUOTA_EXCEEDED when every seat is taken. */
async function lockOrgWithSeatLeft(tx: EntityManager, orgId: string): Promise<Org> {
  const org = await tx.findOneOrFail(Org, { id: orgId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
  const seated = await tx.count(Member, { orgId, status: { $ne: MemberStatus.PENDING } });
  if (seated >= org.memberLimit) {
    throw new AppError(ErrorCode.QuotaExceeded, errorMessage('memberLimitAskAdmins', { limit: String(org.memberLimit) }));
  }
  return org;
}

/** `declineInvitation`: the invitee says no; the token stops working. Links are not addressed to anyone and cannot be declined. */
export async function declineInvitation(em: EntityManager, viewer: Viewer, token: string, services: Pick<AppServices, 'eventBus' | 'contributions'>): Promise<boolean> {
  const user = viewer.requireUser();
  return withEvents(em, services, async (tx, emit) => {
    const invitation = await findUsable(tx, token, true);
    if (invitation.channel === InvitationChannel.LINK) throw badInput(errorMessage('nothingToDecline'), 'token');
    assertRecipient(user, invitation);
    invitation.status = InvitationStatus.DECLINED;
    invitation.statusChangedAt = new Date();
    invitation.statusChangedByMemberId = null;
    invitation.statusChangedByUserId = user.id;
    await emit(invitationEvent(invitation, InvitationEventType.DECLINED));
    await tx.flush();
    return true;
  });
}
