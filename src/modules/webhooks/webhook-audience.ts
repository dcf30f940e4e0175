import type { EntityManager } from '@mikro-orm/postgresql';
import { readableTypesOf } from '../../auth/api-scopes';
import type { Viewer } from '../../auth/viewer';
import { MemberStatus } from '../../auth/vocabulary';
import type { Contributions } from '../../contributions';
import type { CreateLoaders } from '../../graphql/loaders';
import type { OrgEvent } from '../../realtime/events';
import { loadCurrentApiClientViewer } from '../api-clients';
import { receivableChanges, type ReceivedChange } from '../changes/changes.service';
import { orgEventTypeOf, type OrgEventType } from '../changes/org-event-type';
import { loadViewer } from '../members';

/**
 * Who an endpoint delivers for (issue 13): the member or the API client that created it. The endpoint receives what
 * that reader gets from `orgChanges`, judged by the same audience rules (`receivableChanges`), with the reader as it
 * is when the events are scanned: a member's current grants (none while disabled or gone), a client's current scopes
 * (none once revoked).
 */
export interface EndpointCreator {
  orgId: string;
  memberId: string | null;
  apiClientId: string | null;
}

const readableTypesByContributions = new WeakMap<Contributions, ReturnType<typeof readableTypesOf>>();

function readableTypes(contributions: Contributions): ReturnType<typeof readableTypesOf> {
  let types = readableTypesByContributions.get(contributions);
  if (!types) readableTypesByContributions.set(contributions, (types = readableTypesOf(contributions)));
  return types;
}

/** The creator's viewer as it is now; null when nobody receives through the endpoint (a creator disabled, removed, revoked or unknown). */
export async function endpointCreatorViewer(em: EntityManager, contributions: Contributions, creator: EndpointCreator): Promise<Viewer | null> {
  if (creator.memberId) {
    const [row] = await em.getConnection().execute<Array<{ user_id: string | null; status: MemberStatus }>>(
      'select user_id, status from members where id = ? and org_id = ?',
      [creator.memberId, creator.orgId],
    );
    if (!row?.user_id || row.status !== MemberStatus.ACTIVE) return null;
    const viewer = await loadViewer(em, row.user_id, creator.orgId);
    return viewer.member?.id === creator.memberId && viewer.member.status === MemberStatus.ACTIVE ? viewer : null;
  }
  if (creator.apiClientId) return loadCurrentApiClientViewer(em, creator.orgId, creator.apiClientId, readableTypes(contributions));
  return null;
}

/**
 * The events among `events` (of the creator's org, in log order) that the endpoint receives: those of `types` its
 * creator may receive through `orgChanges`. One viewer build for the whole batch; each topic's rule judges its events
 * in one call.
 */
export async function changesForEndpoint(
  em: EntityManager,
  contributions: Contributions,
  createLoaders: CreateLoaders,
  creator: EndpointCreator,
  events: readonly OrgEvent[],
  types: ReadonlySet<OrgEventType>,
): Promise<ReceivedChange[]> {
  const wanted = events.filter((event) => {
    const type = orgEventTypeOf(event.topic, event.type);
    return !!type && types.has(type);
  });
  // A batch with nothing of the endpoint's types (the common case of a narrow endpoint) costs no viewer build.
  if (wanted.length === 0) return [];
  const viewer = await endpointCreatorViewer(em, contributions, creator);
  if (!viewer) return [];
  return receivableChanges({ em, viewer, loaders: createLoaders(em, creator.orgId) }, contributions, wanted, types);
}
