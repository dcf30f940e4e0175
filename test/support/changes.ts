import { OrgChangesDocument, type OrgChangeFieldsFragment, type OrgEventType } from '../generated/graphql';
import type { GraphQLClient } from './client';

/** Follows orgChanges from `after` to the end of the log, as a poller would: every change, and the cursor to resume from. */
export async function readAll(
  reader: GraphQLClient,
  after: string | null,
  first = 100,
  types?: OrgEventType[],
): Promise<{ changes: OrgChangeFieldsFragment[]; cursor: string }> {
  const changes: OrgChangeFieldsFragment[] = [];
  let cursor = after;
  for (;;) {
    const { orgChanges } = await reader.ok(OrgChangesDocument, { first, after: cursor, types });
    changes.push(...orgChanges.changes);
    cursor = orgChanges.endCursor;
    if (!orgChanges.hasMore) return { changes, cursor };
  }
}
