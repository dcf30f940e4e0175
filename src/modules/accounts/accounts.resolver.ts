import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context';
import { AuthPayload, LogInInput, SignUpInput } from './accounts.inputs';
import { logIn, signUp } from './accounts.service';

@Resolver()
export class AccountsResolver {
  @Mutation(() => AuthPayload, { description: 'Registers a personal account. A verification code is not sent until requestPhoneVerification.' })
  signUp(@Arg('input', () => SignUpInput) input: SignUpInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return signUp(ctx.em, ctx.app, input);
  }

  @Mutation(() => AuthPayload, { description: 'Signs in with phone and password; the token selects the earliest-joined active org, if any.' })
  logIn(@Arg('input', () => LogInInput) input: LogInInput, @Ctx() ctx: GraphQLContext): Promise<AuthPayload> {
    return logIn(ctx.em, ctx.app, input, ctx.clientAddress);
  }
}
