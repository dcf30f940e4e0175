import { Field, InputType, ObjectType } from 'type-graphql';
import { User } from './user.entity';

@InputType()
export class SignUpInput {
  @Field(() => String, { description: 'Mobile number; without a country code it is read in the default region.' })
  phone!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { description: '8 to 200 characters.' })
  password!: string;
}

@InputType()
export class LogInInput {
  @Field(() => String)
  phone!: string;

  @Field(() => String)
  password!: string;
}

@ObjectType({ description: 'A session token and the signed-in user.' })
export class AuthPayload {
  @Field(() => String, { description: 'Bearer token for the Authorization header and the graphql-ws connection_init payload.' })
  token!: string;

  @Field(() => User)
  user!: User;
}
