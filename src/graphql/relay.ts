import 'reflect-metadata'; // decorators below and in every entity need it loaded first
import { ClassType, Field, ID, Int, InterfaceType, ObjectType, ArgsType } from 'type-graphql';
import { badInput, errorMessage, notFound } from '../errors';

/** Opaque global ids: base64url of `Type:rawId`. */
export function toGlobalId(type: string, rawId: string): string {
  return Buffer.from(`${type}:${rawId}`).toString('base64url');
}

/** The global ids of raw ids of one type (ids in audit summaries, event payloads...). */
export function toGlobalIds(type: string, rawIds: readonly string[]): string[] {
  return rawIds.map((rawId) => toGlobalId(type, rawId));
}

/** The global id of a raw id that may be absent. */
export function toOptionalGlobalId(type: string, rawId: string | null | undefined): string | null {
  return rawId ? toGlobalId(type, rawId) : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Decodes a global id into its type and raw id; null when it is not one of ours. */
export function parseGlobalId(globalId: string): { type: string; id: string } | null {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) return null;
  const id = decoded.slice(separator + 1);
  return UUID.test(id) ? { type: decoded.slice(0, separator), id } : null;
}

/** The raw id of a global id of the expected type. Malformed and foreign ids answer NOT_FOUND like unknown ones. */
export function rawId(globalId: string, type: string): string {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw notFound(type);
  return parsed.id;
}

@InterfaceType({ description: 'An object with a global id, fetchable with `node(id)`.' })
export abstract class Node {
  @Field(() => ID, { name: 'id', description: 'Global ID: opaque, stable, and the same in `node(id)`, events and webhooks.' })
  globalId!: string;
}

@ObjectType({ description: 'Where a page of a connection stands (Relay cursor connections).' })
export class PageInfo {
  @Field(() => Boolean, { description: 'True when more nodes follow `endCursor`: ask again with `after: endCursor`.' })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: 'True when nodes come before this page (pages are read forward only: false on a first page).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "The first node's cursor; null on an empty page." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "The last node's cursor, for the next page's `after`; null on an empty page." })
  endCursor!: string | null;
}

export const MAX_PAGE_SIZE = 100;

@ArgsType()
export class PageArgs {
  @Field(() => Int, { description: `Page size, 1 to ${MAX_PAGE_SIZE}.` })
  first!: number;

  @Field(() => String, { nullable: true, description: "A cursor (`pageInfo.endCursor`, an edge's `cursor`): the page starts after it. Omitted: from the start." })
  after?: string | null;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

export interface Connection<T> {
  edges: Edge<T>[];
  readonly nodes: T[];
  pageInfo: PageInfo;
  /** A getter: the count query runs only when the field is asked for. */
  readonly totalCount: Promise<number>;
}

/** Builds `<Name>Connection` and `<Name>Edge` types for a node type. */
export function ConnectionType<T extends object>(nodeType: ClassType<T>, name: string) {
  @ObjectType(`${name}Edge`, { description: `One ${name} of a page, with its cursor.` })
  class EdgeType {
    @Field(() => String, { description: 'Where this node stands: pass it as `after` to read the nodes that follow.' })
    cursor!: string;

    @Field(() => nodeType, { description: `The ${name}.` })
    node!: T;
  }

  @ObjectType(`${name}Connection`, { description: `A page of ${name} nodes (Relay cursor connection).` })
  class ConnectionClass {
    @Field(() => [EdgeType], { description: 'The nodes of the page with their cursors, in order.' })
    edges!: EdgeType[];

    @Field(() => [nodeType], { description: 'The nodes of `edges`, for clients that need no cursors.' })
    nodes!: T[];

    @Field(() => PageInfo, { description: 'Whether more pages follow, and the cursors to read them.' })
    pageInfo!: PageInfo;

    @Field(() => Int, { description: 'Count of all matching nodes (costs one more query).' })
    totalCount!: number;
  }
  return ConnectionClass;
}

export function checkPageSize(first: number): number {
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(errorMessage('between', { field: 'first', min: 1, max: MAX_PAGE_SIZE }), 'first');
  }
  return first;
}

/** Keyset cursors: the sort key values of the last row, opaque to clients. */
export function encodeCursor(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): unknown[] {
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(values) && values.length === arity) return values;
  } catch {
    // fall through
  }
  throw badInput(errorMessage('invalidCursor'), 'after');
}

/** Turns `first + 1` fetched rows into a connection page; `count` runs only if `totalCount` is selected. */
export function toConnection<T>(
  rows: T[],
  first: number,
  cursorOf: (row: T) => unknown[],
  hasPrevious: boolean,
  count: () => Promise<number>,
): Connection<T> {
  const hasNextPage = rows.length > first;
  const page = hasNextPage ? rows.slice(0, first) : rows;
  const edges = page.map((node) => ({ node, cursor: encodeCursor(cursorOf(node)) }));
  return {
    edges,
    nodes: page,
    get totalCount() {
      return count();
    },
    pageInfo: {
      hasNextPage,
      hasPreviousPage: hasPrevious,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? null,
    },
  };
}
