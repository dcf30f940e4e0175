import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Int, Mutation, Query, Resolver, Root, Subscription } from 'type-graphql';
import { canViewNotificationReceipts } from '../../auth/policy';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { PageArgs, toGlobalId, type Connection } from '../../graphql/relay';
import { Member } from '../members/member.entity';
import { Notification, NotificationDelivery, RecipientType } from './notification.entity';
import { subscribeNotificationReceived } from './notification-stream';
import { countUnread, listMyAnnouncements, listMyNotifications, markAllRead, markRead } from './notifications.inbox';
import {
  NotificationAudience,
  NotificationConnection,
  NotificationDeliveryConnection,
  NotificationFilter,
  PublishAnnouncementInput,
  RecipientPageArgs,
  SendNotificationInput,
  SentNotificationFilter,
} from './notifications.inputs';
import { listRecipients, listSentNotifications } from './notifications.receipts';
import { memberDeliveries } from '../members/delivery-loaders';
import { publishAnnouncement, sendNotification } from './notifications.service';

const RECEIPTS = 'Null unless you sent it or may view NOTIFICATIONS org-wide (OWNER, ADMIN).';

/**
 * A member of the viewer's org: through the request's loader, or in a subscription through the process-wide loader
 * shared by every subscriber (one query for all of them instead of one each).
 */
function orgMember(ctx: GraphQLContext, info: GraphQLResolveInfo, orgId: string, memberId: string): Promise<Member | null> | null {
  if (ctx.viewer.member?.orgId !== orgId) return null;
  if (info.operation.operation === 'subscription') return memberDeliveries(ctx.app).member(orgId, memberId, 0);
  return ctx.loaders.memberById.load(memberId);
}

@Resolver()
export class NotificationsResolver {
  @Authorized(Access.MEMBER)
  @Mutation(() => Notification, {
    description:
      'Sends a work notification. OWNER and ADMIN to anyone; SUB_ADMIN and roles granting NOTIFICATIONS CREATE only to members of the ' +
      'departments they manage (FORBIDDEN names what reaches outside). Unknown or foreign ids: NOT_FOUND; an empty audience, one without ' +
      'active members, a title over 200 or a body over 20,000 characters: BAD_USER_INPUT. All deliveries are written in one transaction or none.',
  })
  sendNotification(@Arg('input', () => SendNotificationInput, { description: 'The notification and its audience.' }) input: SendNotificationInput, @Ctx() ctx: GraphQLContext): Promise<Notification> {
    return sendNotification(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Notification, { description: 'Publishes an announcement; same rights and errors as sendNotification.' })
  publishAnnouncement(@Arg('input', () => PublishAnnouncementInput, { description: 'The announcement and its audience.' }) input: PublishAnnouncementInput, @Ctx() ctx: GraphQLContext): Promise<Notification> {
    return publishAnnouncement(ctx.em, ctx.viewer, input, ctx.app);
  }

  @Authorized(Access.USER)
  @Query(() => NotificationDeliveryConnection, {
    description:
      'Your notifications, newest first: those to your membership in the current org, and invitations addressed to you (also without an org). ' +
      'Expired announcements are left out.',
  })
  myNotifications(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => NotificationFilter, { nullable: true, description: 'Narrows the notifications; all of them when omitted.' }) filter: NotificationFilter | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<NotificationDelivery>> {
    return listMyNotifications(ctx.em, ctx.viewer, page, filter);
  }

  @Authorized(Access.USER)
  @Query(() => Int, { description: 'How many of myNotifications are unread.' })
  unreadNotificationCount(@Ctx() ctx: GraphQLContext): Promise<number> {
    return countUnread(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Query(() => NotificationDeliveryConnection, { description: 'Your announcements in the current org: pinned ones first, then newest first; expired ones left out.' })
  myAnnouncements(@Args(() => PageArgs) page: PageArgs, @Ctx() ctx: GraphQLContext): Promise<Connection<NotificationDelivery>> {
    return listMyAnnouncements(ctx.em, ctx.viewer, page);
  }

  @Authorized(Access.MEMBER)
  @Query(() => NotificationConnection, {
    description: 'Work notifications and announcements sent in the org, newest first: all of them for OWNER and ADMIN, your own for anyone else.',
  })
  sentNotifications(
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => SentNotificationFilter, { nullable: true, description: 'Narrows the notifications; all of them when omitted.' }) filter: SentNotificationFilter | null,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<Notification>> {
    return listSentNotifications(ctx.em, ctx.viewer, page, filter);
  }

  @Authorized(Access.USER)
  @Mutation(() => [NotificationDelivery], {
    description:
      'Marks deliveries of yours read (ids of NotificationDelivery, at most 100; already read ones keep their time). Any id that is not one ' +
      'of your deliveries answers NOT_FOUND and nothing is marked.',
  })
  markNotificationsRead(@Arg('ids', () => [ID], { description: 'NotificationDelivery ids (at most 100).' }) ids: string[], @Ctx() ctx: GraphQLContext): Promise<NotificationDelivery[]> {
    return markRead(ctx.em, ctx.viewer, ids);
  }

  @Authorized(Access.USER)
  @Mutation(() => Int, { description: 'Marks all your unread notifications read; returns how many were.' })
  markAllNotificationsRead(@Ctx() ctx: GraphQLContext): Promise<number> {
    return markAllRead(ctx.em, ctx.viewer);
  }

  @Authorized(Access.USER)
  @Subscription(() => NotificationDelivery, {
    description:
      'Your notifications as they are sent: to your membership in the current org, and invitations addressed to your verified phone or email. ' +
      'Pass the `cursor` of the last one received as `after` to get exactly the ones sent since, then live ones.',
    subscribe: ({ args, context }) => subscribeNotificationReceived(context.em, context.viewer, context.credential, args, context.app),
  })
  notificationReceived(
    @Root() delivery: NotificationDelivery,
    @Arg('after', () => String, { nullable: true, description: 'The `cursor` of the last delivery received. Omit to start from now.' }) _after: string | null,
  ): NotificationDelivery {
    return delivery;
  }
}

@Resolver(() => NotificationDelivery)
export class NotificationDeliveryFieldsResolver {
  @FieldResolver(() => Notification, { description: 'The notification delivered.' })
  notification(@Root() delivery: NotificationDelivery): Notification {
    return delivery.notification;
  }

  @FieldResolver(() => Boolean, { description: 'True once the recipient read it.' })
  read(@Root() delivery: NotificationDelivery): boolean {
    return delivery.readAt !== null;
  }

  @FieldResolver(() => Member, { nullable: true, description: 'The recipient, for deliveries to members of your org; null for invitations addressed to a user.' })
  member(@Root() delivery: NotificationDelivery, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo): Promise<Member | null> | null {
    if (delivery.recipientType !== RecipientType.MEMBER) return null;
    return orgMember(ctx, info, delivery.orgId, delivery.recipientId);
  }

  @FieldResolver(() => String, { nullable: true, description: 'In notificationReceived: pass it as `after` to resume right after this delivery. Null elsewhere.' })
  cursor(@Root() delivery: NotificationDelivery): string | null {
    return delivery.cursor;
  }
}

@Resolver(() => Notification)
export class NotificationFieldsResolver {
  @FieldResolver(() => Date, { description: 'When it was sent.' })
  sentAt(@Root() notification: Notification): Date {
    return notification.createdAt;
  }

  @FieldResolver(() => Member, { nullable: true, description: "Who sent it; null for system notifications and outside the sender's org." })
  sender(@Root() notification: Notification, @Ctx() ctx: GraphQLContext, @Info() info: GraphQLResolveInfo): Promise<Member | null> | null {
    return notification.senderMemberId ? orgMember(ctx, info, notification.orgId, notification.senderMemberId) : null;
  }

  @FieldResolver(() => Int, { nullable: true, description: `How many members it was delivered to. ${RECEIPTS}` })
  recipientCount(@Root() notification: Notification, @Ctx() ctx: GraphQLContext): number | null {
    return canViewNotificationReceipts(ctx.viewer, notification) ? notification.recipientCount : null;
  }

  @FieldResolver(() => Int, { nullable: true, description: `How many recipients have read it. ${RECEIPTS}` })
  readCount(@Root() notification: Notification, @Ctx() ctx: GraphQLContext): Promise<number> | null {
    return canViewNotificationReceipts(ctx.viewer, notification) ? ctx.loaders.readCountOf.load(notification.id) : null;
  }

  @FieldResolver(() => NotificationDeliveryConnection, { nullable: true, description: `Who received it and when each read it, by recipient. ${RECEIPTS}` })
  recipients(
    @Root() notification: Notification,
    @Args(() => RecipientPageArgs) page: RecipientPageArgs,
    @Ctx() ctx: GraphQLContext,
  ): Promise<Connection<NotificationDelivery>> | null {
    if (!canViewNotificationReceipts(ctx.viewer, notification)) return null;
    return listRecipients(ctx.em, ctx.viewer, notification, page, page.filter);
  }

  @FieldResolver(() => NotificationAudience, { nullable: true, description: `The audience as chosen when sending. ${RECEIPTS}` })
  audience(@Root() notification: Notification, @Ctx() ctx: GraphQLContext): NotificationAudience | null {
    if (!canViewNotificationReceipts(ctx.viewer, notification)) return null;
    const { memberIds, departmentIds, roleIds, everyone } = notification.audience;
    return {
      memberIds: memberIds.map((id) => toGlobalId('Member', id)),
      departmentIds: departmentIds.map((id) => toGlobalId('Department', id)),
      roleIds: roleIds.map((id) => toGlobalId('Role', id)),
      everyone,
    };
  }
}
