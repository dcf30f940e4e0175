import {
  getNamedType,
  isCompositeType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLOutputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { badInput, errorMessage } from '../errors';
import { MAX_PAGE_SIZE } from '../graphql/relay';

/**
 * The cost model, computed from the document and the variables before anything runs (as GitHub and Shopify do):
 * - an object costs 1 where it is fetched, a scalar 0 (a few scalars that run a query cost 1: `totalCount`, `memberCount`);
 * - a connection costs 1 for its page query, and what is selected in its `edges`/`nodes` counts `first` (or `last`)
 *   times; a variable page size that is absent counts as the largest page (100);
 * - an unpaged list counts its expected size (`LIST_SIZE`), a list of given `ids` one per id, and costs multiply down
 *   the nesting;
 * - each mutation field costs 10 on top of what it selects;
 * - introspection costs nothing (it reads no data; it is switched off in production).
 */
export const MUTATION_FIELD_COST = 10;
const DEFAULT_LIST_SIZE = 10;

/** Expected sizes of unpaged lists, by `Type.field`. */
const LIST_SIZE: Record<string, number> = {
  'Member.departments': 5,
  'Member.roles': 5,
  'RoleAssignment.scopeDepartments': 5,
  'Invitation.departments': 5,
  'Invitation.roles': 5,
  'Department.ancestors': 10,
  'Department.children': 20,
  'Query.roles': 20,
  'Query.roleGroups': 10,
  'RoleGroup.roles': 10,
  'ViewerPayload.orgs': 10,
  'Query.apiClients': 10,
};

/** Scalars whose resolution is a query of its own, and fields that cost more than fetching a row. */
const FIELD_COST: Record<string, number> = {
  'Department.memberCount': 1,
  'Role.memberCount': 1,
  'Query.inviteLinkQrCode': 10,
  // Kept on the import row (summary.failed + summary.skipped), no count query.
  'MemberImportIssueConnection.totalCount': 0,
};

/** Objects that come with their parent, without a fetch of their own. */
function typeCost(typeName: string): number {
  if (typeName.endsWith('Edge') || typeName.startsWith('__')) return 0;
  return ['PageInfo', 'RateLimit', 'Permission', 'MemberQuota', 'OrgSettings', 'MemberImportSummary', 'ContactImportSummary', 'MemberImportError'].includes(typeName) ? 0 : 1;
}

function isConnectionType(typeName: string): boolean {
  return typeName.endsWith('Connection');
}

function hasList(type: GraphQLOutputType): boolean {
  if (isListType(type)) return true;
  return isNonNullType(type) ? hasList(type.ofType) : false;
}

/** What `analyzeOperation` found. */
export interface OperationAnalysis {
  /** The requested cost (before execution). */
  cost: number;
  /** Deepest nesting of fields (introspection not counted). */
  depth: number;
  /** Aliased fields, fragments counted where they are spread. */
  aliases: number;
  /** Directive uses, fragments counted where they are spread. */
  directives: number;
  /** Names of the object, interface and union types the operation selects (for API clients' read scopes). */
  types: Set<string>;
  /** The root fields as executed (one per response key), with their arguments, variables filled in. */
  rootFields: Array<{ name: string; responseKey: string; args: Record<string, unknown> }>;
}

interface Stats {
  cost: number;
  depth: number;
  aliases: number;
  directives: number;
  types: Set<string>;
}

const EMPTY: Stats = { cost: 0, depth: 0, aliases: 0, directives: 0, types: new Set() };

/**
 * Cost, depth, aliases and directives of the operation, in one pass whose work is linear in the document (each
 * fragment is analysed once per page-size context however often it is spread). Page sizes outside 1..100 answer
 * BAD_USER_INPUT here, before anything runs. Expects a validated document (known fields, no fragment cycles).
 */
export function analyzeOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): OperationAnalysis {
  const vars = variables ?? {};
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const memo = new Map<string, Stats>();
  const inProgress = new Set<string>();
  const rootType = schema.getRootType(operation.operation);
  if (!rootType) return { ...EMPTY, types: new Set(), rootFields: [] };
  const isMutation = operation.operation === 'mutation';

  function walk(selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, pageSize: number | undefined, root: boolean): Stats {
    const stats: Stats = { cost: 0, depth: 0, aliases: 0, directives: 0, types: new Set() };
    const add = (child: Stats) => {
      stats.cost += child.cost;
      stats.depth = Math.max(stats.depth, child.depth);
      stats.aliases += child.aliases;
      stats.directives += child.directives;
      for (const type of child.types) stats.types.add(type);
    };
    for (const selection of selectionSet.selections) {
      stats.directives += selection.directives?.length ?? 0;
      if (selection.kind === Kind.FIELD) {
        add(fieldStats(selection, parentType, pageSize, root));
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type && isCompositeType(type)) add(walk(selection.selectionSet, type, pageSize, root));
      } else {
        const name = selection.name.value;
        const key = `${name}|${pageSize ?? ''}|${root}`;
        let fragmentStats = memo.get(key);
        if (!fragmentStats) {
          const fragment = fragments.get(name);
          const type = fragment && schema.getType(fragment.typeCondition.name.value);
          if (!fragment || !type || !isCompositeType(type) || inProgress.has(key)) continue;
          inProgress.add(key);
          fragmentStats = walk(fragment.selectionSet, type, pageSize, root);
          fragmentStats.directives += fragment.directives?.length ?? 0;
          inProgress.delete(key);
          memo.set(key, fragmentStats);
        }
        add(fragmentStats);
      }
    }
    return stats;
  }

  function fieldStats(node: FieldNode, parentType: GraphQLCompositeType, pageSize: number | undefined, root: boolean): Stats {
    const name = node.name.value;
    const aliases = node.alias ? 1 : 0;
    if (name === '__typename') return { ...EMPTY, types: new Set(), depth: 1, aliases };
    // Introspection reads the schema, not data: no cost, no depth.
    if (name === '__schema' || name === '__type') return { ...EMPTY, types: new Set(), aliases };
    const field = fieldDefinition(parentType, name);
    if (!field) return { ...EMPTY, types: new Set(), depth: 1, aliases };
    const coordinate = `${parentType.name}.${name}`;
    const namedType = getNamedType(field.type);
    const paged = pageArgument(field, node, vars);
    let items = 1;
    if (pageSize !== undefined && (name === 'edges' || name === 'nodes')) items = pageSize;
    else if (hasList(field.type)) items = paged ?? idsArgument(node, vars) ?? LIST_SIZE[coordinate] ?? DEFAULT_LIST_SIZE;

    const own = FIELD_COST[coordinate] ?? (isCompositeType(namedType) ? typeCost(namedType.name) : name === 'totalCount' ? 1 : 0);
    let child: Stats = EMPTY;
    if (node.selectionSet && isCompositeType(namedType)) {
      const childPageSize = isConnectionType(namedType.name) ? (paged ?? MAX_PAGE_SIZE) : undefined;
      child = walk(node.selectionSet, namedType, childPageSize, false);
    }
    const types = new Set(child.types);
    if (isCompositeType(namedType)) types.add(namedType.name);
    return {
      cost: (root && isMutation ? MUTATION_FIELD_COST : 0) + items * (own + child.cost),
      depth: 1 + child.depth,
      aliases: aliases + child.aliases,
      directives: child.directives,
      types,
    };
  }

  const stats = walk(operation.selectionSet, rootType, undefined, true);
  return { ...stats, rootFields: collectRootFields(operation, fragments, vars) };
}

function fieldDefinition(parentType: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  return 'getFields' in parentType ? parentType.getFields()[name] : undefined;
}

/**
 * The page size a field asks for with `first` (or `last`): the value given, the argument's default, or the largest
 * page when a variable is absent. Outside 1..100 answers BAD_USER_INPUT. Undefined for fields without paging.
 */
function pageArgument(field: GraphQLField<unknown, unknown>, node: FieldNode, variables: Record<string, unknown>): number | undefined {
  let size: number | undefined;
  for (const argName of ['first', 'last']) {
    const definition = field.args.find((arg) => arg.name === argName);
    if (!definition) continue;
    const argument = node.arguments?.find((arg) => arg.name.value === argName);
    let value: unknown = argument ? valueOf(argument.value, variables) : definition.defaultValue;
    if (argument?.value.kind === Kind.VARIABLE && !(argument.value.name.value in variables)) value = undefined;
    if (value === undefined || value === null) {
      if (argument?.value.kind === Kind.VARIABLE) size = Math.max(size ?? 0, MAX_PAGE_SIZE);
      continue;
    }
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_PAGE_SIZE) {
      throw badInput(errorMessage('between', { field: argName, min: 1, max: MAX_PAGE_SIZE }), argName);
    }
    size = Math.max(size ?? 0, value);
  }
  // A connection asked for without any page size (a schema without `first: Int!`) counts as the largest page.
  if (size === undefined && isObjectType(getNamedType(field.type)) && isConnectionType(getNamedType(field.type).name)) return MAX_PAGE_SIZE;
  return size;
}

/** A list fetched by the ids it is given (`nodes(ids:)`) holds one item per id; the largest page when they are not known yet. */
function idsArgument(node: FieldNode, variables: Record<string, unknown>): number | undefined {
  const argument = node.arguments?.find((arg) => arg.name.value === 'ids');
  if (!argument) return undefined;
  const ids = valueOf(argument.value, variables);
  return Array.isArray(ids) ? ids.length : MAX_PAGE_SIZE;
}

function valueOf(node: ValueNode, variables: Record<string, unknown>): unknown {
  try {
    return valueFromASTUntyped(node, variables);
  } catch {
    return undefined;
  }
}

/** Root fields by response key, as the executor merges them (the same fragment spread twice runs once). */
function collectRootFields(
  operation: OperationDefinitionNode,
  fragments: Map<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
): OperationAnalysis['rootFields'] {
  const byKey = new Map<string, OperationAnalysis['rootFields'][number]>();
  const seen = new Set<string>();
  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const responseKey = selection.alias?.value ?? selection.name.value;
        if (byKey.has(responseKey)) continue;
        const args: Record<string, unknown> = {};
        for (const argument of selection.arguments ?? []) args[argument.name.value] = valueOf(argument.value, variables);
        byKey.set(responseKey, { name: selection.name.value, responseKey, args });
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        visit(selection.selectionSet);
      } else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  visit(operation.selectionSet);
  return [...byKey.values()];
}

/**
 * The cost the operation turned out to have, by the same model applied to the data it answered: lists count their
 * real length instead of the page size asked for. Fragments apply where their fields appear in the data.
 */
export function actualCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  data: Record<string, unknown> | null | undefined,
): number {
  const rootType = schema.getRootType(operation.operation);
  if (!rootType || !data) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const isMutation = operation.operation === 'mutation';

  function objectCost(selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, value: Record<string, unknown>, root: boolean, seen: Set<string>): number {
    let total = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FIELD) {
        const responseKey = selection.alias?.value ?? selection.name.value;
        if (seen.has(responseKey) || !(responseKey in value)) continue;
        seen.add(responseKey);
        const name = selection.name.value;
        if (name.startsWith('__')) continue;
        const field = fieldDefinition(parentType, name);
        if (!field) continue;
        const namedType = getNamedType(field.type);
        const coordinate = `${parentType.name}.${name}`;
        const own = FIELD_COST[coordinate] ?? (isCompositeType(namedType) ? typeCost(namedType.name) : name === 'totalCount' ? 1 : 0);
        if (root && isMutation) total += MUTATION_FIELD_COST;
        total += valueCost(value[responseKey], own, selection.selectionSet, namedType);
      } else {
        const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
        if (!fragment) continue;
        const typeName = fragment.typeCondition?.name.value;
        const type = typeName ? schema.getType(typeName) : parentType;
        if (type && isCompositeType(type)) total += objectCost(fragment.selectionSet, type, value, root, seen);
      }
    }
    return total;
  }

  function valueCost(value: unknown, own: number, selectionSet: SelectionSetNode | undefined, namedType: ReturnType<typeof getNamedType>): number {
    if (value === null || value === undefined) return 0;
    if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueCost(item, own, selectionSet, namedType), 0);
    if (!selectionSet || !isCompositeType(namedType) || typeof value !== 'object') return own;
    return own + objectCost(selectionSet, namedType, value as Record<string, unknown>, false, new Set());
  }

  return objectCost(operation.selectionSet, rootType, data, true, new Set());
}
