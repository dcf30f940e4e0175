import type { AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { onEventsRecorded } from '../../realtime/events';
import { onMemberRemoval } from '../members/member-removal';
import { notifyInvitees } from './invitation-notifications';
import { findMyDelivery } from './notifications.inbox';
import { findViewableNotification, notificationsSentSeenBy } from './notifications.receipts';
import { NotificationDeliveryFieldsResolver, NotificationFieldsResolver, NotificationsResolver } from './notifications.resolver';

registerNodeType('Notification', async (ctx, id) => findViewableNotification(ctx.em, ctx.viewer, await ctx.loaders.notificationById.load(id)));
registerNodeType('NotificationDelivery', (ctx, id) => findMyDelivery(ctx.em, ctx.viewer, id));
onEventsRecorded(notifyInvitees);
// Deliveries carry no foreign key (see the migration): a removed member's go with them.
onMemberRemoval(async (tx, removal) => {
  await tx.execute('delete from notification_deliveries where recipient_id = ? and org_id = ?', [removal.memberId, removal.orgId]);
});

export { notifyEachMember, notifyMembers, type SingleSystemNotification, type SystemNotification } from './notifications.service';
export { NotificationKind } from './notification.entity';
export { createNotificationLoaders } from './notifications.receipts';

export const notificationsResolvers: Function[] = [NotificationsResolver, NotificationDeliveryFieldsResolver, NotificationFieldsResolver];

/** Audit entries on notifications (audience, counts): whoever reads the sending's receipts, not each recipient. */
export const notificationAuditTargets: AuditTargetRules = {
  Notification: (ctx, ids) => notificationsSentSeenBy(ctx.viewer, ctx.loaders.notificationById, ids),
};
