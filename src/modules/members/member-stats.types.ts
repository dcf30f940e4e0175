import { Field, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'Members who joined the org in one ISO week.' })
export class JoinsInWeek {
  @Field(() => Date, { description: 'Monday 00:00 UTC.' })
  weekStart!: Date;

  @Field(() => Int, { description: 'Members whose joinedAt falls in the week (whatever their status now; removed members are gone).' })
  joins!: number;
}
