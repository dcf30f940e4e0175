import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { assertMayFetchNodeType } from '../auth/policy';
import { notFound } from '../errors';
import { Access } from './auth-checker';
import type { GraphQLContext } from './context';
import { Node, parseGlobalId } from './relay';

/** How each module fetches its nodes for `node(id)`; a loader bound to the viewer's org keeps tenants apart. */
export type NodeFetcher = (ctx: GraphQLContext, rawId: string) => Promise<Node | null>;
const fetchers = new Map<string, NodeFetcher>();

export function registerNodeType(type: string, fetch: NodeFetcher): void {
  fetchers.set(type, fetch);
}

@Resolver()
export class NodeResolver {
  @Authorized(Access.MEMBER)
  @Query(() => Node, { description: 'Any object by its global id. Unknown, malformed and foreign ids answer NOT_FOUND.' })
  async node(@Arg('id', () => ID) id: string, @Ctx() ctx: GraphQLContext): Promise<Node> {
    const parsed = parseGlobalId(id);
    // Decided on the type written in the id, before any lookup: it reveals nothing about the object.
    if (parsed && fetchers.has(parsed.type)) assertMayFetchNodeType(ctx.viewer, parsed.type);
    const fetch = parsed && fetchers.get(parsed.type);
    const found = fetch ? await fetch(ctx, parsed.id) : null;
    if (!found) throw notFound();
    return found;
  }
}
