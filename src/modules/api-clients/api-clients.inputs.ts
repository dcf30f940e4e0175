import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ApiScopeValue } from '../../auth/api-scopes';
import { ApiClient } from './api-client.entity';

registerEnumType(ApiScopeValue, {
  name: 'ApiScope',
  description: 'What an API client may do. In access tokens and the `scope` parameter of POST /oauth/token a scope is written `<module>:<action>` (MEMBERS_READ is `members:read`).',
  valuesConfig: {
    MEMBERS_READ: { description: '`members:read`: members, their departments and roles (no contact details).' },
    MEMBERS_WRITE: { description: '`members:write`: add, update, disable and remove members; includes MEMBERS_READ.' },
    MEMBERS_READ_SENSITIVE: { description: "`members:read_sensitive`: members' phone, email, employee number and account details, and invitation recipients." },
    DEPARTMENTS_READ: { description: '`departments:read`: the department tree.' },
    DEPARTMENTS_WRITE: { description: '`departments:write`: create, rename, move and delete departments; includes DEPARTMENTS_READ.' },
    INVITATIONS_READ: { description: '`invitations:read`: invitations and invite links.' },
    INVITATIONS_WRITE: { description: '`invitations:write`: send, resend and revoke invitations; includes INVITATIONS_READ.' },
    ROLES_READ: { description: '`roles:read`: roles, role groups and who holds them.' },
    ROLES_WRITE: { description: '`roles:write`: create, change, assign and revoke roles; includes ROLES_READ.' },
    CONTACTS_READ: { description: '`contacts:read`: external contacts, their tags and groups.' },
    CONTACTS_WRITE: { description: '`contacts:write`: create, change, merge and delete contacts; includes CONTACTS_READ.' },
    AUDIT_READ: { description: '`audit:read`: the audit log.' },
    EVENTS_SUBSCRIBE: { description: '`events:subscribe`: subscriptions over graphql-ws; each event still needs the read scope of its module.' },
    WEBHOOKS_MANAGE: { description: "`webhooks:manage`: the org's webhook endpoints and their deliveries." },
  },
});

@InputType({ description: 'A partner system to register.' })
export class CreateApiClientInput {
  @Field(() => String, { description: '1 to 100 characters, e.g. the partner system, unique in the org.' })
  name!: string;

  @Field(() => [ApiScopeValue], { description: 'At least one scope. A `_WRITE` scope includes reading the same module.' })
  scopes!: ApiScopeValue[];
}

@ObjectType({ description: 'A client and its secret: the secret is shown here once and never again (only its hash is kept).' })
export class ApiClientSecretPayload {
  @Field(() => ApiClient, { description: 'The API client registered or changed.' })
  client!: ApiClient;

  @Field(() => String, { description: 'The `client_id` of the token request.' })
  clientId!: string;

  @Field(() => String, { description: 'The `client_secret` of the token request.' })
  clientSecret!: string;
}
