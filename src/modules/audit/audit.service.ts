import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { assertCanViewAuditLog } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, errorMessage } from '../../errors';
import { checkPageSize, decodeCursor, parseGlobalId, toConnection, type Connection } from '../../graphql/relay';
import type { AuditActionName } from './audit-action';
import { AuditEntry } from './audit-entry.entity';
import type { AuditLogArgs, AuditLogFilter } from './audit.inputs';

/**
 * Records an admin operation. Call inside the transaction of the change (`em.transactional`) so both
 * land or neither does.
 */
export function recordAudit(
  em: EntityManager,
  viewer: Viewer,
  action: AuditActionName,
  target: { type: string; id: string } | null,
  summary: Record<string, unknown> = {},
): AuditEntry {
  const entry = em.create(AuditEntry, {
    orgId: viewer.orgId,
    actorUserId: viewer.user?.id ?? null,
    actorMemberId: viewer.member?.id ?? null,
    actorApiClientId: viewer.apiClient?.id ?? null,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    summary,
    createdAt: new Date(),
  });
  em.persist(entry);
  return entry;
}

/** A filter id must be one of our global ids; an unknown or foreign one simply matches nothing. */
function filterId(globalId: string, field: string): { type: string; id: string } {
  const parsed = parseGlobalId(globalId);
  if (!parsed) throw badInput(errorMessage('invalidId', { field }), `filter.${field}`);
  return parsed;
}

function conditions(orgId: string, filter: AuditLogFilter | null | undefined): FilterQuery<AuditEntry> {
  const where: FilterQuery<AuditEntry> & Record<string, unknown> = { orgId };
  if (!filter) return where;
  if (filter.action != null) where.action = filter.action;
  if (filter.actorId != null) {
    const actor = filterId(filter.actorId, 'actorId');
    if (actor.type === 'ApiClient') where.actorApiClientId = actor.id;
    else if (actor.type === 'Member') where.actorMemberId = actor.id;
    else throw badInput(errorMessage('actorIdExpected'), 'filter.actorId');
  }
  if (filter.targetId != null) {
    const target = filterId(filter.targetId, 'targetId');
    where.targetType = target.type;
    where.targetId = target.id;
  }
  if (filter.since != null || filter.until != null) {
    where.createdAt = { ...(filter.since != null && { $gte: filter.since }), ...(filter.until != null && { $lt: filter.until }) };
  }
  return where;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The internal key of the entry a cursor names. Cursors carry the entry's random public id, never the identity shared
 * by all orgs; an entry of another org (or none) is an invalid cursor, like garbage.
 */
async function cursorPosition(em: EntityManager, orgId: string, cursor: string): Promise<string> {
  const [publicId] = decodeCursor(cursor, 1);
  if (typeof publicId !== 'string' || !UUID.test(publicId)) throw badInput(errorMessage('invalidCursor'), 'after');
  const [row] = await em.execute<Array<{ id: string }>>('select id::text as id from audit_entries where org_id = ? and public_id = ?', [orgId, publicId]);
  if (!row) throw badInput(errorMessage('invalidCursor'), 'after');
  return row.id;
}

/** The org's audit log, newest first; keyset pagination on the entry's internal key, cursors by its public id. */
export async function auditLog(em: EntityManager, viewer: Viewer, args: AuditLogArgs): Promise<Connection<AuditEntry>> {
  const orgId = viewer.orgId;
  assertCanViewAuditLog(viewer);
  const first = checkPageSize(args.first);
  const where = conditions(orgId, args.filter);
  const before = args.after != null ? await cursorPosition(em, orgId, args.after) : null;
  const rows = await em.find(AuditEntry, before ? { $and: [where, { id: { $lt: before } }] } : where, {
    orderBy: { id: 'desc' },
    limit: first + 1,
  });
  return toConnection(rows, first, (entry) => [entry.publicId], before !== null, () => em.count(AuditEntry, where));
}
