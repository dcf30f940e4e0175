import { Field, ObjectType } from 'type-graphql';
import { InvitationChannel } from './invitation.entity';

/**
 * What the invitee of a token needs to decide, and nothing more: the invitation page shows every field. No ids, no
 * department paths, no full phone or email.
 */
@ObjectType({ description: 'What an invitation offers, as its invitee sees it before signing in (invitationPreview).' })
export class InvitationPreview {
  @Field(() => String, { description: 'The org it invites to.' })
  orgName!: string;

  @Field(() => String, { nullable: true, description: 'The name of the member who sent it; null when they are gone, or for the system.' })
  invitedByName!: string | null;

  @Field(() => InvitationChannel, { description: 'How the invitation was sent.' })
  channel!: InvitationChannel;

  @Field(() => String, { nullable: true, description: 'Phone and email invitations: the masked number or address it was sent to, which the invitee must verify (`+86 139****5678`, `z***@example.com`).' })
  sentTo!: string | null;

  @Field(() => [String], { description: 'Names of the roles offered (the built-in Member when the link names none).' })
  roles!: string[];

  @Field(() => [String], { description: 'Names of the departments offered (the org itself when none is named).' })
  departments!: string[];

  @Field(() => String, { nullable: true, description: 'The note the sender wrote, if any.' })
  message!: string | null;

  @Field(() => Date, { description: 'When the token stops working.' })
  expiresAt!: Date;
}
