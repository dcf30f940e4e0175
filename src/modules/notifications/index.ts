import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { recordedEventsHooks } from '../../realtime/events';
import { auditTargetRules } from '../audit/audit-targets';
import { memberRemovalHooks } from '../members/member-removal';
import { Notification } from './notification.entity';
import { notifyInvitees } from './invitation-notifications';
import { findMyDelivery } from './notifications.inbox';
import { findViewableNotification, notificationsSentSeenBy } from './notifications.receipts';
import { NotificationDeliveryFieldsResolver, NotificationFieldsResolver, NotificationsResolver } from './notifications.resolver';

export { notifyEachMember, notifyMembers, type SingleSystemNotification, type SystemNotification } from './notifications.service';
export { NotificationKind } from './notification.entity';
export { createNotificationLoaders } from './notifications.receipts';

export const notificationsModule = {
  entities: [Notification],
  resolvers: [NotificationsResolver, NotificationDeliveryFieldsResolver, NotificationFieldsResolver],
  contributions: [
    contribute(
      nodeTypes,
      { type: 'Notification', fetch: async (ctx, id) => findViewableNotification(ctx.em, ctx.viewer, await ctx.loaders.notificationById.load(id)) },
      { type: 'NotificationDelivery', fetch: (ctx, id) => findMyDelivery(ctx.em, ctx.viewer, id) },
    ),
    contribute(recordedEventsHooks, notifyInvitees),
    // Deliveries carry no foreign key (see the migration): a removed member's go with them.
    contribute(memberRemovalHooks, async (tx, removal) => {
      await tx.execute('delete from notification_deliveries where recipient_id = ? and org_id = ?', [removal.memberId, removal.orgId]);
    }),
    // Audit entries on notifications (audience, counts): whoever reads the sending's receipts, not each recipient.
    contribute(auditTargetRules, { Notification: (ctx, ids) => notificationsSentSeenBy(ctx.viewer, ctx.loaders.notificationById, ids) }),
  ],
};
