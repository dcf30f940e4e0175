import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** The fields selected directly under `selections`, through inline fragments and fragment spreads. */
function* fieldsOf(selections: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): Generator<FieldNode> {
  for (const selection of selections?.selections ?? []) {
    if (selection.kind === 'Field') yield selection;
    else if (selection.kind === 'InlineFragment') yield* fieldsOf(selection.selectionSet, fragments);
    else yield* fieldsOf(fragments[selection.name.value]?.selectionSet, fragments);
  }
}

/**
 * Whether the connection being resolved selects `field` on its nodes (`edges { node { field } }` or `nodes { field }`),
 * so its page can fetch what that field needs in the same statement. A guess that errs towards "no": a miss costs
 * one batched statement more, never a wrong answer.
 */
export function connectionSelects(info: GraphQLResolveInfo, field: string): boolean {
  const fragments = info.fragments;
  for (const connection of info.fieldNodes) {
    for (const child of fieldsOf(connection.selectionSet, fragments)) {
      const nodes =
        child.name.value === 'nodes'
          ? [child]
          : child.name.value === 'edges'
            ? [...fieldsOf(child.selectionSet, fragments)].filter((edge) => edge.name.value === 'node')
            : [];
      for (const node of nodes) {
        for (const selected of fieldsOf(node.selectionSet, fragments)) if (selected.name.value === field) return true;
      }
    }
  }
  return false;
}
