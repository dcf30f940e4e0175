import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { AuditEntry } from './audit-entry.entity';

/**
 * Records an admin operation. Call inside the transaction of the change (`em.transactional`) so both
 * land or neither does.
 */
export function recordAudit(
  em: EntityManager,
  viewer: Viewer,
  action: string,
  target: { type: string; id: string } | null,
  summary: Record<string, unknown> = {},
): AuditEntry {
  const entry = em.create(AuditEntry, {
    orgId: viewer.orgId,
    actorUserId: viewer.user?.id ?? null,
    actorMemberId: viewer.member?.id ?? null,
    action,
    targetType: target?.type ?? null,
    targetId: target?.id ?? null,
    summary,
    createdAt: new Date(),
  });
  em.persist(entry);
  return entry;
}
