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

const built = new WeakMap<readonly Function[], Promise<GraphQLSchema>>();

/** The executable schema of the modules' resolvers (`resolvers` of `src/modules.ts`); built once per process. */
export function buildAppSchema(resolvers: readonly Function[]): Promise<GraphQLSchema> {
  let schema = built.get(resolvers);
  if (!schema) {
    schema = buildSchema({ resolvers: [NodeResolver, RateLimitResolver, ...resolvers] as unknown as NonEmptyArray<Function>, authChecker, validate: false, emitSchemaFile: false, pubSub: noPubSub });
    built.set(resolvers, schema);
  }
  return schema;
}
