import 'reflect-metadata';
import type { GraphQLSchema } from 'graphql';
import { buildSchema, type NonEmptyArray, type PubSub } from 'type-graphql';
import { authChecker } from './auth-checker';
import { NodeResolver } from './node.resolver';
import { RateLimitResolver } from './rate-limit.resolver';

/** Subscriptions bring their own streams (src/realtime); type-graphql only insists on having a PubSub. */
const noPubSub: PubSub = {
  publish: () => {
    throw new Error('publish through withEvents (src/realtime/events.ts)');
  },
  subscribe: () => {
    throw new Error('subscriptions return their own streams (src/realtime)');
  },
};

/** type-graphql names the root types but takes no description for them. */
function describeRoots(schema: GraphQLSchema): GraphQLSchema {
  const roots = {
    Query: 'Reads: the viewer, the org graph and everything in it that the viewer (a member or an API client) may see.',
    Mutation: 'Writes. Each one commits in one transaction, is audited where it changes the org, and costs 10 points on top of what it selects.',
    Subscription: 'Live events over graphql-ws (path /graphql), resumable from the last event id seen.',
  };
  for (const type of [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()]) {
    if (type && !type.description) type.description = roots[type.name as keyof typeof roots];
  }
  return schema;
}

const built = new WeakMap<readonly Function[], Promise<GraphQLSchema>>();

/** The executable schema of the modules' resolvers (`resolvers` of `src/modules.ts`); built once per process. */
export function buildAppSchema(resolvers: readonly Function[]): Promise<GraphQLSchema> {
  let schema = built.get(resolvers);
  if (!schema) {
    schema = buildSchema({ resolvers: [NodeResolver, RateLimitResolver, ...resolvers] as unknown as NonEmptyArray<Function>, authChecker, validate: false, emitSchemaFile: false, pubSub: noPubSub }).then(describeRoots);
    built.set(resolvers, schema);
  }
  return schema;
}
