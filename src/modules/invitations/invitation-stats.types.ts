import { Field, Int, ObjectType } from 'type-graphql';
import { TimeBucket } from '../../graphql/time-buckets';

@ObjectType({ description: 'What happened to invitations in one bucket of time (from the org event log).' })
export class InvitationFunnelBucket {
  @Field(() => Date, { description: 'Where the bucket starts (UTC); the first and last bucket are cut to from/to.' })
  start!: Date;

  @Field(() => Int, { description: 'Invitations sent or re-sent, each counted once per bucket (links: created or regenerated).' })
  sent!: number;

  @Field(() => Int, { description: 'Acceptances (a link counts each use).' })
  accepted!: number;

  @Field(() => Int, { description: 'Phone and email invitations declined by their invitee.' })
  declined!: number;

  @Field(() => Int, { description: 'Invitations the expiry job marked EXPIRED.' })
  expired!: number;

  @Field(() => Int, { description: 'Invitations whose message could not be delivered.' })
  failed!: number;
}

@ObjectType({ description: 'The invitation funnel over time: what was sent, accepted, declined, expired and failed.' })
export class InvitationFunnel {
  @Field(() => Date, { description: 'The start of the range asked for.' })
  from!: Date;

  @Field(() => Date, { description: 'The end of the range asked for.' })
  to!: Date;

  @Field(() => TimeBucket, { description: 'The length of each bucket.' })
  bucket!: TimeBucket;

  @Field(() => [InvitationFunnelBucket], { description: 'Every bucket from `from` to `to`, oldest first, empty ones included.' })
  buckets!: InvitationFunnelBucket[];

  @Field(() => InvitationFunnelBucket, { description: 'The sums over the range (`start` is `from`).' })
  total!: InvitationFunnelBucket;
}
