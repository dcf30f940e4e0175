import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { assertCan, assertCanInvite } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { AppError, badInput, conflict, ErrorCode, notFound, errorMessage } from '../../errors';
import { rawId, toGlobalId, toGlobalIds } from '../../graphql/relay';
import { withEvents } from '../../realtime/events';
import { normalizeMobilePhone } from '../accounts/phone';
import { recipientPreferences } from '../accounts/recipient-preferences';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation, optionalEmail, optionalText, requireText } from '../common/validate';
import { Department } from '../departments/department.entity';
import { MemberDepartment } from '../members/member-department.entity';
import { Member, MemberStatus } from '../members/member.entity';
import { OutboxChannel } from '../outbox/outbox-message.entity';
import { enqueueMessage } from '../outbox/outbox.service';
import { MemberRole } from '../roles/member-role.entity';
import { BuiltinRole, PermissionAction, PermissionModule, Role } from '../roles/role.entity';
import { effectiveStatus, invitationEvent, InvitationEventType, type Emit } from './invitation-events';
import { newInvitationToken } from './invitation-token';
import { Invitation, InvitationChannel, InvitationStatus } from './invitation.entity';
import type { CreateInviteLinkInput, InvitationPayload, SendInvitationInput } from './invitations.inputs';
import { invitationUrl, linkTokenVault } from './link-token-vault';

const NAME_MAX = 100;
const MESSAGE_MAX = 500;
export const MIN_LIFETIME_SECONDS = 60;
export const MAX_LIFETIME_SECONDS = 365 * 24 * 3600;
const MAX_LINK_USES = 100_000;
export const MAX_RESENDS_PER_DAY = 5;
const DAY_MS = 24 * 3600 * 1000;
export const INVITATION_TEMPLATE = 'INVITATION';

/** Who issues an invitation and for which org: the viewer of the operation. */
/** What issuing and sending invitations uses of the gateway: the public URL and keys, the event bus, the modules' hooks. */
export type InvitationServices = Pick<AppServices, 'config' | 'eventBus' | 'contributions'>;

/**
 * Issues the invitation of a PENDING member just created in `tx` (by `sendInvitation`, or by `addMember` of the members
 * module): a fresh token stored as hash, the SMS (member with a phone) or email (member with only an email) carrying
 * the link, queued in the outbox in the same transaction, and a SENT event. The invitation places the person into
 * `departmentIds` with `roleIds` (raw ids; the member should already hold them). Returns the token: it is in the
 * message and never shown again. The caller flushes.
 */
export async function invitePendingMember(
  tx: EntityManager,
  emit: Emit,
  viewer: Viewer,
  services: Pick<AppServices, 'config'>,
  placement: { member: Member; departmentIds: string[]; roleIds: string[]; message?: string | null },
): Promise<InvitationPayload> {
  const org = viewer.requireOrg();
  const inviter = viewer.member;
  const { member } = placement;
  const channel = member.phone ? InvitationChannel.PHONE : member.email ? InvitationChannel.EMAIL : null;
  if (!channel) throw badInput(errorMessage('inviteNeedsContact'), 'phone');
  const recipient = channel === InvitationChannel.PHONE ? { phone: member.phone, email: null } : { phone: null, email: member.email };
  await assertNoOpenInvitation(tx, org.id, recipient);
  const now = new Date();
  const { token, tokenHash } = newInvitationToken();
  const invitation = tx.create(Invitation, {
    orgId: org.id,
    channel,
    ...recipient,
    name: member.name,
    message: placement.message ?? null,
    memberId: member.id,
    departmentIds: placement.departmentIds,
    roleIds: placement.roleIds,
    tokenHash,
    expiresAt: new Date(now.getTime() + org.invitationTtlSeconds * 1000),
    invitedByMemberId: inviter?.id ?? null,
    statusChangedAt: now,
    statusChangedByMemberId: inviter?.id ?? null,
    statusChangedByUserId: viewer.user?.id ?? null,
    lastSentAt: now,
    createdAt: now,
  });
  const url = await queueInvitationMessage(tx, services, viewer, invitation, token);
  await emit(invitationEvent(invitation, InvitationEventType.SENT));
  return { invitation, token, url };
}

/** `sendInvitation`: creates the PENDING member (quota is checked at acceptance) and invites them by phone or email. */
export async function sendInvitation(em: EntityManager, viewer: Viewer, input: SendInvitationInput, services: InvitationServices): Promise<InvitationPayload> {
  const org = viewer.requireOrg();
  const name = requireText(input.name, 'name', NAME_MAX);
  const message = optionalText(input.message, 'message', MESSAGE_MAX);
  const hasPhone = input.phone != null && input.phone.trim() !== '';
  const hasEmail = input.email != null && input.email.trim() !== '';
  if (hasPhone === hasEmail) throw badInput(errorMessage('exactlyOnePhoneOrEmail'), hasPhone ? 'email' : 'phone');
  const phone = hasPhone ? normalizeMobilePhone(input.phone!, services.config.phoneDefaultRegion) : null;
  const email = hasEmail ? optionalEmail(input.email) : null;
  const departmentIds = parseIdList(input.departmentIds, 'Department', 'departmentIds');
  const roleIds = parseIdList(input.roleIds, 'Role', 'roleIds');

  return withEvents(em, services, async (tx, emit) => {
    const { departments, roles } = await resolvePlacement(tx, viewer, departmentIds, roleIds);
    await assertNoSuchMember(tx, org.id, { phone, email });
    const member = tx.create(Member, { orgId: org.id, name, phone, email, status: MemberStatus.PENDING });
    for (const department of departments) tx.create(MemberDepartment, { memberId: member.id, departmentId: department.id, orgId: org.id });
    for (const role of roles) tx.create(MemberRole, { orgId: org.id, memberId: member.id, roleId: role.id, scopeDepartmentIds: [] });
    const issued = await invitePendingMember(tx, emit, viewer, services, {
      member,
      departmentIds: departments.map((d) => d.id),
      roleIds: roles.map((r) => r.id),
      message,
    });
    recordAudit(tx, viewer, 'invitation.send', { type: 'Invitation', id: issued.invitation.id }, {
      channel: issued.invitation.channel,
      memberId: toGlobalId('Member', member.id),
      departmentIds: toGlobalIds('Department', issued.invitation.departmentIds),
      roleIds: toGlobalIds('Role', issued.invitation.roleIds),
    });
    await tx.flush();
    return issued;
  }).catch(rethrowConflict);
}

/** `createInviteLink`: a reusable link into the chosen departments with the chosen roles. */
export async function createInviteLink(em: EntityManager, viewer: Viewer, input: CreateInviteLinkInput, services: InvitationServices): Promise<InvitationPayload> {
  const org = viewer.requireOrg();
  const inviter = viewer.member;
  const lifetime = input.expiresIn ?? org.invitationTtlSeconds;
  if (!Number.isInteger(lifetime) || lifetime < MIN_LIFETIME_SECONDS || lifetime > MAX_LIFETIME_SECONDS) {
    throw badInput(errorMessage('betweenSeconds', { field: 'expiresIn', min: String(MIN_LIFETIME_SECONDS), max: String(MAX_LIFETIME_SECONDS) }), 'expiresIn');
  }
  const maxUses = input.maxUses ?? null;
  if (maxUses !== null && (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > MAX_LINK_USES)) {
    throw badInput(errorMessage('between', { field: 'maxUses', min: '1', max: String(MAX_LINK_USES) }), 'maxUses');
  }
  const departmentIds = parseIdList(input.departmentIds, 'Department', 'departmentIds');
  const roleIds = parseIdList(input.roleIds, 'Role', 'roleIds');

  return withEvents(em, services, async (tx, emit) => {
    const { departments, roles } = await resolvePlacement(tx, viewer, departmentIds, roleIds);
    const now = new Date();
    const { token, tokenHash } = newInvitationToken();
    const invitation = tx.create(Invitation, {
      orgId: org.id,
      channel: InvitationChannel.LINK,
      departmentIds: departments.map((d) => d.id),
      roleIds: roles.map((r) => r.id),
      tokenHash,
      tokenCiphertext: linkTokenVault(services.config.jwtSecret).seal(token),
      expiresAt: new Date(now.getTime() + lifetime * 1000),
      lifetimeSeconds: lifetime,
      maxUses,
      invitedByMemberId: inviter?.id ?? null,
      statusChangedAt: now,
      statusChangedByMemberId: inviter?.id ?? null,
      statusChangedByUserId: viewer.user?.id ?? null,
      lastSentAt: now,
      createdAt: now,
    });
    await emit(invitationEvent(invitation, InvitationEventType.SENT));
    recordAudit(tx, viewer, 'inviteLink.create', { type: 'Invitation', id: invitation.id }, {
      departmentIds: toGlobalIds('Department', invitation.departmentIds),
      roleIds: toGlobalIds('Role', invitation.roleIds),
      expiresAt: invitation.expiresAt.toISOString(),
      maxUses,
    });
    await tx.flush();
    return { invitation, token, url: invitationUrl(services.config.publicUrl, token) };
  });
}

/** `revokeInvitation`: the token stops working; a message not yet sent is cancelled. PENDING and FAILED invitations only (as shown). */
export async function revokeInvitation(em: EntityManager, viewer: Viewer, globalId: string, services: InvitationServices): Promise<Invitation> {
  const id = rawId(globalId, 'Invitation');
  return withEvents(em, services, async (tx, emit) => {
    const invitation = await loadInvitationToManage(tx, viewer, id, PermissionAction.DELETE);
    // By the status shown, so the answer does not depend on whether the expiry job has run yet.
    const from = effectiveStatus(invitation);
    if (from !== InvitationStatus.PENDING && from !== InvitationStatus.FAILED) {
      throw badInput(errorMessage('cannotRevoke', { status: from }), 'id');
    }
    setStatus(invitation, InvitationStatus.REVOKED, viewer);
    await cancelQueuedMessages(tx, invitation.id, 'invitation revoked');
    await emit(invitationEvent(invitation, InvitationEventType.REVOKED));
    recordAudit(tx, viewer, 'invitation.revoke', { type: 'Invitation', id }, { channel: invitation.channel, from });
    await tx.flush();
    return invitation;
  });
}

/**
 * `resendInvitation`: a fresh token (the old one stops working) and a fresh lifetime, for a PENDING, EXPIRED or FAILED
 * invitation; at most 5 a day. Phone and email invitations get a new message, optionally to a corrected phone or email
 * (which the PENDING member takes too) [004]; a link is regenerated with the lifetime it was created with.
 */
export async function resendInvitation(
  em: EntityManager,
  viewer: Viewer,
  globalId: string,
  correction: { phone?: string | null; email?: string | null },
  services: InvitationServices,
): Promise<InvitationPayload> {
  const org = viewer.requireOrg();
  const id = rawId(globalId, 'Invitation');
  const hasPhone = correction.phone != null && correction.phone.trim() !== '';
  const hasEmail = correction.email != null && correction.email.trim() !== '';
  if (hasPhone && hasEmail) throw badInput(errorMessage('atMostOnePhoneOrEmail'), 'email');
  const phone = hasPhone ? normalizeMobilePhone(correction.phone!, services.config.phoneDefaultRegion) : null;
  const email = hasEmail ? optionalEmail(correction.email) : null;

  return withEvents(em, services, async (tx, emit) => {
    const invitation = await loadInvitationToManage(tx, viewer, id, PermissionAction.EDIT);
    const status = effectiveStatus(invitation);
    if (![InvitationStatus.PENDING, InvitationStatus.EXPIRED, InvitationStatus.FAILED].includes(status)) {
      throw badInput(errorMessage('cannotResend', { status }), 'id');
    }
    if (invitation.channel === InvitationChannel.LINK && (phone || email)) throw badInput(errorMessage('linkHasNoAddress'), phone ? 'phone' : 'email');

    const now = Date.now();
    const recent = invitation.resentAt.filter((at) => Date.parse(at) > now - DAY_MS).sort();
    if (recent.length >= MAX_RESENDS_PER_DAY) {
      throw new AppError(ErrorCode.TooManyAttempts, errorMessage('resendLimit', { max: String(MAX_RESENDS_PER_DAY) }), {
        retryAfter: Math.ceil((Date.parse(recent[0]!) + DAY_MS - now) / 1000),
      });
    }

    let member: Member | null = null;
    if (invitation.channel !== InvitationChannel.LINK) {
      member = invitation.memberId ? await tx.findOne(Member, { id: invitation.memberId, orgId: org.id }) : null;
      if (!member || member.status !== MemberStatus.PENDING) throw badInput(errorMessage('nothingToResend'), 'id');
      if (phone && (invitation.channel !== InvitationChannel.PHONE || phone !== invitation.phone)) {
        await assertNoSuchMember(tx, org.id, { phone, email: null }, member.id);
        Object.assign(invitation, { channel: InvitationChannel.PHONE, phone, email: null });
        member.phone = phone;
      } else if (email && (invitation.channel !== InvitationChannel.EMAIL || email !== invitation.email)) {
        await assertNoSuchMember(tx, org.id, { phone: null, email }, member.id);
        Object.assign(invitation, { channel: InvitationChannel.EMAIL, phone: null, email });
        member.email = email;
      }
      await assertNoOpenInvitation(tx, org.id, invitation, invitation.id);
    }

    // A link keeps the lifetime it was created with; a person invitation gets the org's current one.
    const lifetimeMs = (invitation.lifetimeSeconds ?? org.invitationTtlSeconds) * 1000;
    const { token, tokenHash } = newInvitationToken();
    invitation.tokenHash = tokenHash;
    if (invitation.channel === InvitationChannel.LINK) invitation.tokenCiphertext = linkTokenVault(services.config.jwtSecret).seal(token);
    setStatus(invitation, InvitationStatus.PENDING, viewer);
    invitation.failureReason = null;
    invitation.expiresAt = new Date(now + lifetimeMs);
    invitation.lastSentAt = new Date(now);
    invitation.sentCount += 1;
    invitation.resentAt = [...recent, new Date(now).toISOString()];

    await cancelQueuedMessages(tx, invitation.id, 'superseded by a resend');
    const url =
      invitation.channel === InvitationChannel.LINK ? invitationUrl(services.config.publicUrl, token) : await queueInvitationMessage(tx, services, viewer, invitation, token);
    await emit(invitationEvent(invitation, InvitationEventType.SENT));
    recordAudit(tx, viewer, 'invitation.resend', { type: 'Invitation', id }, {
      channel: invitation.channel,
      from: status,
      sentCount: invitation.sentCount,
      corrected: phone ? 'phone' : email ? 'email' : null,
    });
    await tx.flush();
    return { invitation, token, url };
  }).catch(rethrowConflict);
}

function setStatus(invitation: Invitation, status: InvitationStatus, viewer: Viewer): void {
  invitation.status = status;
  invitation.statusChangedAt = new Date();
  invitation.statusChangedByMemberId = viewer.member?.id ?? null;
  invitation.statusChangedByUserId = viewer.user?.id ?? null;
}

/** Queues the SMS or email carrying the link; returns the link. */
async function queueInvitationMessage(tx: EntityManager, services: Pick<AppServices, 'config'>, viewer: Viewer, invitation: Invitation, token: string): Promise<string> {
  const org = viewer.requireOrg();
  const url = invitationUrl(services.config.publicUrl, token);
  const sms = invitation.channel === InvitationChannel.PHONE;
  // Written in the invitee's language and zone when their account is known, else in the org's.
  const preferences = await recipientPreferences(tx, sms ? { phone: invitation.phone } : { email: invitation.email }, org);
  enqueueMessage(tx, {
    preferences,
    orgId: org.id,
    invitationId: invitation.id,
    channel: sms ? OutboxChannel.SMS : OutboxChannel.EMAIL,
    recipient: (sms ? invitation.phone : invitation.email)!,
    template: INVITATION_TEMPLATE,
    payload: {
      url,
      orgName: org.name,
      inviterName: viewer.actorName,
      inviteeName: invitation.name,
      message: invitation.message,
      expiresAt: invitation.expiresAt.toISOString(),
    },
  });
  return url;
}

/** Messages of the invitation still waiting in the outbox carry a dead token now: they are not sent. */
async function cancelQueuedMessages(tx: EntityManager, invitationId: string, reason: string): Promise<void> {
  // The dispatcher holds no lock while it sends (skip locked only steps over a claim being taken this instant), so a
  // message on the wire is cancelled too: should it go out after all, the dispatcher marks it SENT; should it fail,
  // it stays cancelled and does not mark the invitation FAILED (see outbox.dispatcher.ts).
  await tx.execute(
    `update outbox_messages set status = 'FAILED', last_error = ?
      where id in (select id from outbox_messages where invitation_id = ? and status = 'PENDING' for update skip locked)`,
    [`cancelled: ${reason}`, invitationId],
  );
}

/** Loads and locks an invitation of the viewer's org, and checks `action` on one of its departments. */
async function loadInvitationToManage(tx: EntityManager, viewer: Viewer, id: string, action: PermissionAction): Promise<Invitation> {
  const invitation = await tx.findOne(Invitation, { id, orgId: viewer.orgId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!invitation) throw notFound('Invitation');
  const departments = await tx.find(Department, { orgId: viewer.orgId, id: { $in: invitation.departmentIds } });
  assertCan(viewer, PermissionModule.INVITATIONS, action, { departmentPaths: departments.map((d) => d.path), match: 'any' }, 'this invitation');
  return invitation;
}

/** Departments (default: the org root) and roles (default: MEMBER) of a new invitation, checked against `assertCanInvite`. */
async function resolvePlacement(
  tx: EntityManager,
  viewer: Viewer,
  departmentIds: string[] | null,
  roleIds: string[] | null,
): Promise<{ departments: Department[]; roles: Role[] }> {
  const org = viewer.requireOrg();
  const member = viewer.member;
  const departments = await tx.find(Department, { orgId: org.id, id: { $in: departmentIds ?? [org.rootDepartmentId] } });
  if (departments.length !== (departmentIds ?? [org.rootDepartmentId]).length) throw notFound('Department');
  const roles = await tx.find(Role, roleIds ? { orgId: org.id, id: { $in: roleIds } } : { orgId: org.id, builtin: BuiltinRole.MEMBER });
  if (roleIds && roles.length !== roleIds.length) throw notFound('Role');
  if (roles.some((role) => role.builtin === BuiltinRole.SUB_ADMIN)) {
    throw badInput(errorMessage('subAdminViaRolesAfterJoin'), 'roleIds');
  }
  // An API client has no departments of its own (and never invites through the open-invitations rule).
  const own = member
    ? await tx.getConnection().execute<Array<{ path: string }>>(
        `select d.path from member_departments md join departments d on d.id = md.department_id where md.org_id = ? and md.member_id = ?`,
        [org.id, member.id],
        'all',
        tx.getTransactionContext(),
      )
    : [];
  assertCanInvite(viewer, {
    departmentPaths: departments.map((d) => d.path),
    roles,
    openDepartmentPaths: [`/${org.rootDepartmentId}/`, ...own.map((row) => row.path)],
  });
  return { departments, roles };
}

/** A person can be invited once: CONFLICT when a member of the org (other than `exceptMemberId`) has this phone or email. */
async function assertNoSuchMember(tx: EntityManager, orgId: string, who: { phone: string | null; email: string | null }, exceptMemberId?: string): Promise<void> {
  const where = who.phone ? { orgId, phone: who.phone } : { orgId, email: who.email };
  const existing = await tx.findOne(Member, exceptMemberId ? { ...where, id: { $ne: exceptMemberId } } : where);
  if (existing) {
    const field = who.phone ? 'phone' : 'email';
    throw conflict(errorMessage(field === 'phone' ? 'memberPhoneTaken' : 'memberEmailTaken'), { field });
  }
}

/** CONFLICT when another open invitation of the org goes to the same phone or email (resend that one instead). */
async function assertNoOpenInvitation(
  tx: EntityManager,
  orgId: string,
  to: { phone: string | null; email: string | null },
  exceptId?: string,
): Promise<void> {
  if (!to.phone && !to.email) return;
  const where = { orgId, status: InvitationStatus.PENDING, ...(to.phone ? { phone: to.phone } : { email: to.email }) };
  const open = await tx.findOne(Invitation, exceptId ? { ...where, id: { $ne: exceptId } } : where);
  if (open) throw openInvitationConflict(to.phone ? 'phone' : 'email');
}

function openInvitationConflict(field: 'phone' | 'email'): AppError {
  return conflict(errorMessage(field === 'phone' ? 'openInvitationToPhone' : 'openInvitationToEmail'), { field });
}

function rethrowConflict(error: unknown): never {
  if (isUniqueViolation(error, 'members_org_phone_unique')) throw conflict(errorMessage('memberPhoneTaken'), { field: 'phone' });
  if (isUniqueViolation(error, 'invitations_open_phone_unique')) throw openInvitationConflict('phone');
  if (isUniqueViolation(error, 'invitations_open_email_unique')) throw openInvitationConflict('email');
  throw error;
}

/** Raw ids of a list of global ids; null when omitted (the default applies). */
function parseIdList(ids: string[] | null | undefined, type: string, field: string): string[] | null {
  if (ids == null) return null;
  if (ids.length === 0) throw badInput(errorMessage('emptyOrOmit', { field }), field);
  return [...new Set(ids.map((id) => rawId(id, type)))];
}
