import { Field, InputType, ObjectType } from 'type-graphql';
import { API_SCOPE_NAMES } from '../../auth/api-scopes';
import { ApiClient } from './api-client.entity';

@InputType()
export class CreateApiClientInput {
  @Field(() => String, { description: '1 to 100 characters, e.g. the partner system, unique in the org.' })
  name!: string;

  @Field(() => [String], { description: `At least one of: ${API_SCOPE_NAMES.join(', ')}. A \`:write\` scope includes reading the same module.` })
  scopes!: string[];
}

@ObjectType({ description: 'A client and its secret: the secret is shown here once and never again (only its hash is kept).' })
export class ApiClientSecretPayload {
  @Field(() => ApiClient)
  client!: ApiClient;

  @Field(() => String, { description: 'The `client_id` of the token request.' })
  clientId!: string;

  @Field(() => String, { description: 'The `client_secret` of the token request.' })
  clientSecret!: string;
}
