import { Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from './context';

/** The caller's budget in cost points, as GitHub's `rateLimit` answers it (the same figures as the X-RateLimit-* headers). */
@ObjectType({ description: "The caller's rate-limit budget in cost points after this operation was charged (the same figures as the X-RateLimit-* headers)." })
export class RateLimit {
  @Field(() => Int, { description: 'Cost points the caller may spend per window: its API client or user, else its address (the tighter one).' })
  limit!: number;

  @Field(() => Int, { description: 'Cost points left in the current window, after this operation.' })
  remaining!: number;

  @Field(() => Date, { description: 'When the window restarts with the whole budget.' })
  resetAt!: Date;

  @Field(() => Int, { description: 'What this operation cost, computed before it ran (`extensions.cost.requested`).' })
  cost!: number;
}

@Resolver()
export class RateLimitResolver {
  @Query(() => RateLimit, {
    nullable: true,
    description: "The caller's rate-limit budget after this operation, and what the operation cost. Costs nothing itself. Null when no budget applies.",
  })
  rateLimit(@Ctx() ctx: GraphQLContext): RateLimit | null {
    const report = ctx.costReport;
    if (!report || report.limit === undefined || report.remaining === undefined || !report.resetAt) return null;
    return { limit: report.limit, remaining: report.remaining, resetAt: new Date(report.resetAt), cost: report.requested };
  }
}
