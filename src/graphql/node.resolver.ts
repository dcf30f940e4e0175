import { Arg, Authorized, Ctx, ID, Query, Resolver } from 'type-graphql';
import { assertMayFetchNodeType } from '../auth/policy';
import { ContributionKind, type Contributions } from '../contributions';
import { badInput, errorMessage, notFound } from '../errors';
import { Access } from './auth-checker';
import type { GraphQLContext } from './context';
import type { AppServices } from '../app';
import type { Reader } from './loaders';
import { Node, parseGlobalId } from './relay';

/** How each module fetches its nodes for `node(id)`; a loader bound to the viewer's org keeps tenants apart. */
export type NodeFetcher = (reader: Reader, rawId: string, services: Pick<AppServices, 'config'>) => Promise<Node | null>;

/** The node types the modules contribute (see `src/modules.ts`): a GraphQL type name and how to fetch its objects. */
export interface NodeType {
  type: string;
  fetch: NodeFetcher;
}
export const nodeTypes = new ContributionKind<NodeType>('nodeTypes');

const fetchersOf = new WeakMap<Contributions, Map<string, NodeFetcher>>();

function nodeFetcher(contributions: Contributions, type: string): NodeFetcher | undefined {
  let fetchers = fetchersOf.get(contributions);
  if (!fetchers) fetchersOf.set(contributions, (fetchers = new Map(contributions.of(nodeTypes).map((node) => [node.type, node.fetch]))));
  return fetchers.get(type);
}

/** Most ids one `nodes` call may ask for: a page's worth. */
export const MAX_NODE_IDS = 100;

@Resolver()
export class NodeResolver {
  @Authorized(Access.MEMBER)
  @Query(() => Node, { nullable: true, description: 'Any object by its global id. Unknown, malformed and foreign ids are null with a NOT_FOUND error.' })
  node(@Arg('id', () => ID, { description: 'A global ID.' }) id: string, @Ctx() ctx: GraphQLContext): Promise<Node> {
    return fetchNode(ctx, id);
  }

  @Authorized(Access.MEMBER)
  @Query(() => [Node], {
    nullable: 'items',
    description: `Objects by their global ids, in the order given (at most ${MAX_NODE_IDS}). Each unknown, malformed or foreign id is null, with a NOT_FOUND error at its index.`,
  })
  nodes(@Arg('ids', () => [ID], { description: 'Global IDs, at most 100.' }) ids: string[], @Ctx() ctx: GraphQLContext): Promise<Node>[] {
    if (ids.length > MAX_NODE_IDS) throw badInput(errorMessage('nodeIdsMax', { max: MAX_NODE_IDS }), 'ids');
    // One promise per id: graphql-js nulls the ones that fail and keeps the rest; the loaders batch the lookups.
    return ids.map((id) => fetchNode(ctx, id));
  }
}

async function fetchNode(ctx: GraphQLContext, id: string): Promise<Node> {
  const parsed = parseGlobalId(id);
  // Decided on the type written in the id, before any lookup: it reveals nothing about the object.
  const fetch = parsed && nodeFetcher(ctx.app.contributions, parsed.type);
  if (fetch) assertMayFetchNodeType(ctx.viewer, parsed.type);
  const found = fetch ? await fetch(ctx, parsed.id, ctx.app) : null;
  if (!found) throw notFound();
  return found;
}
