import { Arg, Ctx, FieldResolver, Int, Resolver, Root, UseMiddleware } from 'type-graphql';
import { MemberSensitiveField } from '../members/member-fields';
import { badInput, errorMessage } from '../../errors';
import { contextOf, type GraphQLContext } from '../../graphql/context';
import { Member } from '../members/member.entity';
import { LogInRecord, MemberAccount } from './accounts.inputs';

const MAX_RECORDS = 100;

@Resolver(() => Member)
export class MemberAccountResolver {
  @FieldResolver(() => MemberAccount, {
    nullable: true,
    description: 'The linked sign-in account. Null when none is linked, and for viewers who may not see sensitive fields of this member.',
  })
  @UseMiddleware(MemberSensitiveField)
  async account(@Root() member: Member, @Ctx() ctx: GraphQLContext): Promise<MemberAccount | null> {
    if (!member.userId) return null;
    const user = await contextOf(ctx, member).loaders.accountUserById.load(member.userId);
    if (!user) return null;
    return {
      userId: user.id,
      kind: user.kind,
      loginName: user.loginName,
      mustChangePassword: user.mustChangePassword,
      phoneVerified: user.phoneVerified,
    };
  }
}

@Resolver(() => MemberAccount)
export class MemberAccountFieldsResolver {
  @FieldResolver(() => Date, { nullable: true, description: 'The latest successful sign-in into this org.' })
  lastLogInAt(@Root() account: MemberAccount, @Ctx() ctx: GraphQLContext): Promise<Date | null> {
    return ctx.loaders.lastLogInIntoOrg.load(account.userId);
  }

  @FieldResolver(() => [LogInRecord], {
    description: 'Latest sign-in attempts into this org, newest first: all of an enterprise account, the ones into this org of a personal account.',
  })
  logInRecords(
    @Root() account: MemberAccount,
    @Arg('first', () => Int, { nullable: true, defaultValue: 20, description: `1 to ${MAX_RECORDS}.` }) first: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<LogInRecord[]> {
    if (!Number.isInteger(first) || first < 1 || first > MAX_RECORDS) throw badInput(errorMessage('between', { field: 'first', min: '1', max: String(MAX_RECORDS) }), 'first');
    return ctx.loaders.logInRecords(first).load(account.userId);
  }
}
