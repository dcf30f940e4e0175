import { Arg, Authorized, Ctx, Int, Query, Resolver } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { joinsPerWeek } from './member-stats.service';
import { JoinsInWeek } from './member-stats.types';

@Resolver()
export class MemberStatsResolver {
  @Authorized(Access.ADMIN)
  @Query(() => [JoinsInWeek], {
    description:
      'Owners and admins: members who joined per ISO week (UTC), oldest first, the current week last (the dashboard\'s joins chart). weeks outside 1..104: BAD_USER_INPUT.',
  })
  joinsPerWeek(
    @Arg('weeks', () => Int, { defaultValue: 12, description: 'How many weeks, the current one included.' }) weeks: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<JoinsInWeek[]> {
    return joinsPerWeek(ctx.em, ctx.viewer, weeks);
  }
}
