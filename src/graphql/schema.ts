import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { accountsResolvers } from '../modules/accounts';
import { apiClientsResolvers } from '../modules/api-clients';
import { auditResolvers } from '../modules/audit';
import { contactsResolvers } from '../modules/contacts';
import { departmentsResolvers } from '../modules/departments';
import { importsResolvers } from '../modules/imports';
import { invitationsResolvers } from '../modules/invitations';
import { membersResolvers } from '../modules/members';
import { notificationsResolvers } from '../modules/notifications';
import { orgsResolvers } from '../modules/orgs';
import { rolesResolvers } from '../modules/roles';
import { realtimeResolvers } from '../realtime';
import '../db/entities'; // registers every entity's GraphQL type, so the schema does not depend on import order
import { authChecker } from './auth-checker';
import { NodeResolver } from './node.resolver';

const resolvers = [
  NodeResolver,
  ...accountsResolvers,
  ...orgsResolvers,
  ...departmentsResolvers,
  ...membersResolvers,
  ...rolesResolvers,
  ...auditResolvers,
  ...invitationsResolvers,
  ...importsResolvers,
  ...notificationsResolvers,
  ...realtimeResolvers,
  ...contactsResolvers,
  ...apiClientsResolvers,
] as unknown as NonEmptyArray<Function>;

/** Subscriptions bring their own streams (src/realtime); type-graphql only insists on having a PubSub. */
const noPubSub: PubSub = {
  publish: () => {
    throw new Error('publish through withEvents (src/realtime/events.ts)');
  },
  subscribe: () => {
    throw new Error('subscriptions return their own streams (src/realtime)');
  },
};

let built: Promise<GraphQLSchema> | undefined;

/** The executable schema; built once per process. */
export function buildAppSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({ resolvers, authChecker, validate: false, emitSchemaFile: false, pubSub: noPubSub });
  return built;
}
