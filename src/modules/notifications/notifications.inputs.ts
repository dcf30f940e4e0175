import { ArgsType, Field, ID, InputType, ObjectType } from 'type-graphql';
import { ConnectionType, PageArgs } from '../../graphql/relay';
import { Notification, NotificationDelivery, NotificationKind, NotificationPriority } from './notification.entity';

export const NotificationDeliveryConnection = ConnectionType(NotificationDelivery, 'NotificationDelivery');
export const NotificationConnection = ConnectionType(Notification, 'Notification');

export const TITLE_MAX = 200;
export const BODY_MAX = 20_000;

@InputType({
  description:
    'Who receives a notification: the union of the members, departments (each with its whole subtree) and roles named, or ' +
    'everyone. Resolved once, when sending, into one delivery per ACTIVE member (a member reached twice gets one). At least one part is required.',
})
export class NotificationAudienceInput {
  @Field(() => [ID], { nullable: true, description: 'Members (at most 1000).' })
  memberIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Departments, each with all its sub-departments (at most 100).' })
  departmentIds?: string[] | null;

  @Field(() => [ID], { nullable: true, description: 'Members holding any of these roles (at most 100).' })
  roleIds?: string[] | null;

  @Field(() => Boolean, { nullable: true, description: 'Every active member of the org (OWNER, ADMIN and org-wide roles only).' })
  everyone?: boolean | null;
}

/** What work notifications and announcements share (fields inherited by both input types). */
@InputType()
abstract class NotificationContentInput {
  @Field(() => String, { description: `1 to ${TITLE_MAX} characters.` })
  title!: string;

  @Field(() => String, { description: `1 to ${BODY_MAX} characters.` })
  body!: string;

  @Field(() => NotificationAudienceInput, { description: 'Who receives it.' })
  audience!: NotificationAudienceInput;
}

@InputType({ description: 'A work notification.' })
export class SendNotificationInput extends NotificationContentInput {
  @Field(() => NotificationPriority, { nullable: true, description: 'Default NORMAL.' })
  priority?: NotificationPriority | null;
}

@InputType({ description: 'An announcement.' })
export class PublishAnnouncementInput extends NotificationContentInput {
  @Field(() => Boolean, { nullable: true, description: 'Shown first in myAnnouncements. Default false.' })
  pinned?: boolean | null;

  @Field(() => Date, { nullable: true, description: 'Hidden from recipients after this moment (must be in the future). Default: never.' })
  expiresAt?: Date | null;
}

@InputType({ description: 'Narrows myNotifications; all given conditions must hold.' })
export class NotificationFilter {
  @Field(() => Boolean, { nullable: true, description: 'true: only unread; false: only read.' })
  unread?: boolean | null;

  @Field(() => NotificationKind, { nullable: true, description: 'Only notifications of this kind.' })
  kind?: NotificationKind | null;
}

@InputType({ description: 'Narrows Notification.recipients.' })
export class NotificationRecipientFilter {
  @Field(() => Boolean, { nullable: true, description: 'true: who read it; false: who did not yet.' })
  read?: boolean | null;
}

@InputType({ description: 'Narrows sentNotifications.' })
export class SentNotificationFilter {
  @Field(() => NotificationKind, { nullable: true, description: 'NOTIFICATION or ANNOUNCEMENT.' })
  kind?: NotificationKind | null;
}

@ArgsType()
export class RecipientPageArgs extends PageArgs {
  @Field(() => NotificationRecipientFilter, { nullable: true, description: 'Narrows the recipients; all of them when omitted.' })
  filter?: NotificationRecipientFilter | null;
}

@ObjectType({ description: 'The audience as the sender chose it.' })
export class NotificationAudience {
  @Field(() => [ID], { description: 'Members it was sent to by name.' })
  memberIds!: string[];

  @Field(() => [ID], { description: 'Departments (with their subtrees) it was sent to.' })
  departmentIds!: string[];

  @Field(() => [ID], { description: 'Roles whose holders it was sent to.' })
  roleIds!: string[];

  @Field(() => Boolean, { description: 'True when sent to every member.' })
  everyone!: boolean;
}
