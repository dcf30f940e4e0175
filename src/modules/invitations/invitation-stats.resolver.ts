import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { TimeBucket } from '../../graphql/time-buckets';
import { invitationFunnel } from './invitation-stats.service';
import { InvitationFunnel } from './invitation-stats.types';

@Resolver()
export class InvitationStatsResolver {
  @Authorized(Access.ADMIN)
  @Query(() => InvitationFunnel, {
    description:
      'Owners and admins: invitations sent, accepted, declined, expired and failed per bucket of [from, to), from the org event log (the dashboard\'s funnel chart). `to` not after `from`, or more than 400 buckets: BAD_USER_INPUT.',
  })
  invitationFunnel(
    @Arg('from', () => Date, { description: 'Start of the range (inclusive).' }) from: Date,
    @Arg('to', () => Date, { description: 'End of the range (exclusive).' }) to: Date,
    @Arg('bucket', () => TimeBucket, { defaultValue: TimeBucket.DAY, description: 'Width of each bucket.' }) bucket: TimeBucket,
    @Ctx() ctx: GraphQLContext,
  ): Promise<InvitationFunnel> {
    return invitationFunnel(ctx.em, ctx.viewer, from, to, bucket);
  }
}
