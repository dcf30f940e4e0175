import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, type Connection } from '../../graphql/relay';
import { Department } from '../departments/department.entity';
import { Member } from '../members/member.entity';
import { Role } from '../roles/role.entity';
import { acceptInvitation, declineInvitation } from './invitation-acceptance.service';
import { effectiveStatus } from './invitation-events';
import { Invitation, InvitationChannel, InvitationStatus } from './invitation.entity';
import {
  AcceptInvitationPayload,
  CreateInviteLinkInput,
  InvitationConnection,
  InvitationFilter,
  InvitationPayload,
  QrCode,
  QrCodeFormat,
  SendInvitationInput,
} from './invitations.inputs';
import { getInvitation, listInvitations } from './invitations.listing';
import { createInviteLink, resendInvitation, revokeInvitation, sendInvitation } from './invitations.service';
import { inviteLinkQrCode, inviteLinkUrl } from './invite-link-qr';

@Resolver()
export class InvitationsResolver {
  @Authorized(Access.MEMBER)
  @Mutation(() => InvitationPayload, {
    description:
      'Invites a named person by phone (SMS) or email: creates their PENDING member and sends the link. Admins, sub-admins into their departments; while settings.invitesOpen, any member with the MEMBER role. A member with that phone or email: CONFLICT. The quota is checked at acceptance.',
  })
  sendInvitation(@Arg('input', () => SendInvitationInput, { description: 'Who to invite and what they get.' }) input: SendInvitationInput, @Ctx() ctx: GraphQLContext): Promise<InvitationPayload> {
    return sendInvitation(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => InvitationPayload, { description: 'A reusable invite link (channel LINK). Same rights as sendInvitation.' })
  createInviteLink(@Arg('input', () => CreateInviteLinkInput, { description: 'What the link grants and how long it works.' }) input: CreateInviteLinkInput, @Ctx() ctx: GraphQLContext): Promise<InvitationPayload> {
    return createInviteLink(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.USER)
  @Mutation(() => AcceptInvitationPayload, {
    description:
      "Joins the org of the invitation. Phone and email invitations need the signed-in user's verified phone or email to match (else INVITATION_RECIPIENT_MISMATCH, naming the masked number to use); a link admits any user while uses are left. Unknown, expired, used-up and revoked tokens: INVITATION_INVALID. Already a member: CONFLICT. No seat left: QUOTA_EXCEEDED.",
  })
  acceptInvitation(@Arg('token', () => String, { description: 'The invitation token from the invitation link.' }) token: string, @Ctx() ctx: GraphQLContext): Promise<AcceptInvitationPayload> {
    return acceptInvitation(ctx.em, ctx.viewer, token, ctx.app);
  }

  @Authorized(Access.USER)
  @Mutation(() => Boolean, { description: 'Declines a phone or email invitation addressed to the signed-in user.' })
  declineInvitation(@Arg('token', () => String, { description: 'The invitation token from the invitation link.' }) token: string, @Ctx() ctx: GraphQLContext): Promise<boolean> {
    return declineInvitation(ctx.em, ctx.viewer, token, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Invitation, { description: 'Withdraws a PENDING or FAILED invitation: its token stops working, an unsent message is cancelled. The PENDING member stays until removed (removing it revokes its open invitation).' })
  revokeInvitation(@Arg('id', () => ID, { description: 'The invitation.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<Invitation> {
    return revokeInvitation(ctx.em, ctx.viewer, id, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => InvitationPayload, {
    description:
      'Issues a fresh token (the old one stops working) and lifetime to a PENDING, EXPIRED or FAILED invitation, and sends it again, optionally to a corrected phone or email. At most 5 a day per invitation (TOO_MANY_ATTEMPTS with extensions.retryAfter in seconds).',
  })
  resendInvitation(
    @Arg('id', () => ID, { description: 'The invitation.' }) id: string,
    @Arg('phone', () => String, { nullable: true, description: 'Send to this number instead (phone and email invitations).' }) phone: string | null,
    @Arg('email', () => String, { nullable: true, description: 'Send to this address instead (phone and email invitations).' }) email: string | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<InvitationPayload> {
    return resendInvitation(ctx.em, ctx.viewer, id, { phone, email }, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Query(() => InvitationConnection, {
    description: 'Invitations, newest first: all of them for admins; for others those into departments they manage, and the ones they sent.',
  })
  invitations(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => InvitationFilter, { nullable: true, description: 'Narrows the invitations; all of them when omitted.' }) filter: InvitationFilter | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<Invitation>> {
    return listInvitations(ctx.em, ctx.viewer, page, filter);
  }

  @Authorized(Access.MEMBER)
  @Query(() => Invitation, { nullable: true, description: 'An invitation of the current org; any other id is null with a NOT_FOUND error.' })
  invitation(@Arg('id', () => ID, { description: "The invitation's global ID." }) id: string, @Ctx() ctx: GraphQLContext): Promise<Invitation> {
    return getInvitation(ctx.viewer, ctx.loaders, id);
  }

  @Authorized(Access.MEMBER)
  @Query(() => QrCode, { description: 'A usable invite link rendered as a QR code.' })
  inviteLinkQrCode(
    @Arg('id', () => ID, { description: 'The invite link (an Invitation of channel LINK).' }) id: string,
    @Arg('format', () => QrCodeFormat, { description: 'The image format.' }) format: QrCodeFormat,
    @Ctx() ctx: GraphQLContext,
  ): Promise<QrCode> {
    return inviteLinkQrCode(ctx.viewer, ctx.loaders, id, format, ctx.app.config);
  }
}

@Resolver(() => Invitation)
export class InvitationFieldsResolver {
  @FieldResolver(() => InvitationStatus, { description: 'A PENDING invitation past expiresAt reads as EXPIRED, even before the expiry job runs.' })
  status(@Root() invitation: Invitation): InvitationStatus {
    return effectiveStatus(invitation);
  }

  @FieldResolver(() => Date, { description: 'When the status shown was reached (for a past-due invitation: its expiry).' })
  statusChangedAt(@Root() invitation: Invitation): Date {
    return effectiveStatus(invitation) !== invitation.status ? invitation.expiresAt : invitation.statusChangedAt;
  }

  @FieldResolver(() => Member, {
    nullable: true,
    description: 'Who caused the status shown: the sender (PENDING), an admin (REVOKED, resent), the member who joined (ACCEPTED); null for the system (EXPIRED, FAILED) and for a decline.',
  })
  statusChangedBy(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    if (effectiveStatus(invitation) !== invitation.status || !invitation.statusChangedByMemberId) return null;
    return ctx.loaders.memberById.load(invitation.statusChangedByMemberId);
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Who sent it.' })
  invitedBy(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return invitation.invitedByMemberId ? ctx.loaders.memberById.load(invitation.invitedByMemberId) : null;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'Phone and email invitations: the member it activates (PENDING until accepted).' })
  member(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    return invitation.memberId ? ctx.loaders.memberById.load(invitation.memberId) : null;
  }

  @FieldResolver(() => Member, {
    nullable: true,
    description: 'ACCEPTED: the member who joined (for a link, the one who took its last use).',
  })
  acceptedBy(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): Promise<Member | null> | null {
    if (invitation.status !== InvitationStatus.ACCEPTED || !invitation.statusChangedByMemberId) return null;
    return ctx.loaders.memberById.load(invitation.statusChangedByMemberId);
  }

  @FieldResolver(() => [Department], { description: 'Departments the invitee joins (departments deleted since are left out).' })
  async departments(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): Promise<Department[]> {
    const departments = await ctx.loaders.departmentById.loadMany(invitation.departmentIds);
    return departments.filter((d): d is Department => d instanceof Department);
  }

  @FieldResolver(() => [Role], { description: 'Roles the invitee gets (roles deleted since are left out).' })
  async roles(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): Promise<Role[]> {
    const roles = await ctx.loaders.roleById.loadMany(invitation.roleIds);
    return roles.filter((r): r is Role => r instanceof Role);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'Invite links: the link to share (again). Null for phone and email invitations, whose token only their message carries.',
  })
  url(@Root() invitation: Invitation, @Ctx() ctx: GraphQLContext): string | null {
    return invitation.channel === InvitationChannel.LINK ? inviteLinkUrl(ctx.app.config, invitation) : null;
  }

  @FieldResolver(() => Date, { description: 'When it was sent or created.' })
  createdAt(@Root() invitation: Invitation): Date {
    return invitation.createdAt;
  }
}
