import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { JSONObjectResolver } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node, toGlobalId } from '../../graphql/relay';

export enum NotificationKind {
  /** A work notification sent by an admin (`sendNotification`). */
  NOTIFICATION = 'NOTIFICATION',
  /** An announcement (`publishAnnouncement`): may be pinned and expire. */
  ANNOUNCEMENT = 'ANNOUNCEMENT',
  /** An invitation to join an org, addressed to a user by their verified phone or email. */
  INVITATION = 'INVITATION',
  /** External contacts handed over to the member. */
  CONTACT_TRANSFER = 'CONTACT_TRANSFER',
  /** A follow-up with an external contact falling due. */
  FOLLOW_UP = 'FOLLOW_UP',
  /** A webhook endpoint disabled after its deliveries failed for the whole retry window (to the org's owners and admins). */
  WEBHOOK_DISABLED = 'WEBHOOK_DISABLED',
}
registerEnumType(NotificationKind, {
  name: 'NotificationKind',
  description: 'What a notification is about.',
  valuesConfig: {
    ANNOUNCEMENT: { description: 'An announcement to the org or part of it.' },
    CONTACT_TRANSFER: { description: 'Contacts were handed to the recipient.' },
    FOLLOW_UP: { description: 'A follow-up with a contact fell due.' },
    INVITATION: { description: 'About an invitation.' },
    NOTIFICATION: { description: 'A work notification sent by a member.' },
    WEBHOOK_DISABLED: { description: 'A webhook endpoint was disabled after failing for its whole retry window.' },
  },
});

export enum NotificationPriority {
  NORMAL = 'NORMAL',
  HIGH = 'HIGH',
  /** Shown as a pop-up that needs acknowledging ("DING"). */
  URGENT = 'URGENT',
}
registerEnumType(NotificationPriority, {
  name: 'NotificationPriority',
  description: 'How urgent a notification is.',
  valuesConfig: {
    HIGH: { description: 'Important.' },
    NORMAL: { description: 'The default.' },
    URGENT: { description: 'Needs attention now.' },
  },
});

/** The audience as the sender chose it (raw ids), kept for the sender's view. */
export interface StoredAudience {
  memberIds: string[];
  departmentIds: string[];
  roleIds: string[];
  everyone: boolean;
}

/** One message sent to many: its deliveries (`NotificationDelivery`) say who got it and who read it. */
@Entity({ tableName: 'notifications' })
@ObjectType({ implements: Node, description: 'A notification or announcement, as sent.' })
export class Notification extends OrgOwnedEntity {
  @Enum({ items: () => NotificationKind, type: 'text' })
  @Field(() => NotificationKind, { description: 'What kind of notification it is.' })
  kind!: NotificationKind;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'Its title.' })
  title!: string;

  @Property({ type: 'text' })
  @Field(() => String, { description: 'The text of the notification.' })
  body!: string;

  @Enum({ items: () => NotificationPriority, type: 'text' })
  @Field(() => NotificationPriority, { description: 'How urgent it is.' })
  priority: Opt<NotificationPriority> = NotificationPriority.NORMAL;

  @Property({ type: 'boolean' })
  @Field(() => Boolean, { description: 'Announcements: shown first in myAnnouncements.' })
  pinned: Opt<boolean> = false;

  @Property({ type: 'timestamptz', nullable: true })
  @Field(() => Date, { nullable: true, description: 'Announcements: hidden from recipients after this moment.' })
  expiresAt: Date | null = null;

  @Property({ type: 'json' })
  audience: Opt<StoredAudience> = { memberIds: [], departmentIds: [], roleIds: [], everyone: false };

  @Property({ type: 'json' })
  @Field(() => JSONObjectResolver, { description: 'Details for system notifications, e.g. `{invitationId}` (global ids); `{}` for messages.' })
  data: Opt<Record<string, unknown>> = {};

  @Property({ type: 'uuid', nullable: true })
  senderMemberId: string | null = null;

  /** The org event that announced it (see the migration); its position in the org's live stream. */
  @Property({ type: 'bigint' })
  eventId!: string;

  @Property({ type: 'integer' })
  recipientCount: Opt<number> = 0;
}

export enum RecipientType {
  MEMBER = 'MEMBER',
  USER = 'USER',
}

/** A delivery row as read with SQL. */
export interface DeliveryRow {
  id: string;
  notification_id: string;
  recipient_id: string;
  recipient_type: RecipientType;
  org_id: string;
  created_at: Date;
  read_at: Date | null;
}

/**
 * One recipient's copy of a notification, with its read state. Not a MikroORM entity: every read and write of the
 * deliveries table is set-based SQL (see notifications.inbox.ts), and rows become these objects with `fromRow`.
 */
@ObjectType({ implements: Node, description: "One recipient's copy of a notification, with its read state." })
export class NotificationDelivery {
  /** Raw id (uuid). */
  id!: string;
  notificationId!: string;
  recipientId!: string;
  recipientType!: RecipientType;
  orgId!: string;

  @Field(() => Date, { description: 'When it was delivered (when the notification was sent).' })
  deliveredAt!: Date;

  @Field(() => Date, { nullable: true, description: 'When the recipient read it; null while unread.' })
  readAt!: Date | null;

  /** The notification, loaded with the delivery. */
  notification!: Notification;

  /** In `notificationReceived`: the position to resume after. */
  cursor: string | null = null;

  get globalId(): string {
    return toGlobalId('NotificationDelivery', this.id);
  }

  static fromRow(row: DeliveryRow, notification: Notification, cursor: string | null = null): NotificationDelivery {
    return Object.assign(new NotificationDelivery(), {
      id: row.id,
      notificationId: row.notification_id,
      recipientId: row.recipient_id,
      recipientType: row.recipient_type,
      orgId: row.org_id,
      deliveredAt: new Date(row.created_at),
      readAt: row.read_at ? new Date(row.read_at) : null,
      notification,
      cursor,
    });
  }
}
