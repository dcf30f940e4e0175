import type { AppServices } from '../../app';
import { PeriodicJob } from '../../jobs/periodic-job';
import { recordedEventsHooks, recordEvents, type OrgEvent } from '../../realtime/events';
import { invitationEvent, InvitationEventType } from './invitation-events';
import type { InvitationChannel } from './invitation.entity';

const BATCH = 100;

/**
 * Marks up to `limit` past-due PENDING invitations EXPIRED (as of their expiry time) and appends their EXPIRED events in
 * the same transaction; publishes the events after commit. Rows are claimed with `for update skip locked`, so several
 * gateway instances sweep side by side without marking an invitation twice. Returns how many were expired.
 */
export async function expireDueInvitations(app: AppServices, limit = BATCH): Promise<number> {
  const events: OrgEvent[] = [];
  const expired = await app.orm.em.fork().transactional(async (tx) => {
    const rows = await tx.execute<
      Array<{ id: string; org_id: string; channel: InvitationChannel; phone: string | null; email: string | null; department_ids: string[] }>
    >(
      `with due as (
         select id from invitations where status = 'PENDING' and expires_at <= now()
          order by expires_at limit ? for update skip locked
       )
       update invitations i
          set status = 'EXPIRED', status_changed_at = i.expires_at, status_changed_by_member_id = null, status_changed_by_user_id = null
         from due where i.id = due.id
       returning i.id, i.org_id, i.channel, i.phone, i.email, i.department_ids`,
      [limit],
    );
    // Org counters are locked in one order by every sweeper, so two instances cannot deadlock on them.
    const byOrg = new Map<string, typeof rows>();
    for (const row of [...rows].sort((a, b) => a.org_id.localeCompare(b.org_id) || a.id.localeCompare(b.id))) {
      byOrg.set(row.org_id, [...(byOrg.get(row.org_id) ?? []), row]);
    }
    for (const [orgId, list] of byOrg) {
      const orgEvents = list.map((row) =>
        invitationEvent(
          { id: row.id, orgId, channel: row.channel, phone: row.phone, email: row.email, departmentIds: row.department_ids },
          InvitationEventType.EXPIRED,
        ),
      );
      events.push(...(await recordEvents(tx, app.contributions.of(recordedEventsHooks), orgId, orgEvents.map(({ orgId: _org, ...event }) => event))));
    }
    return rows.length;
  });
  if (events.length) app.eventBus.publish(events);
  return expired;
}

/** PENDING invitations past their expiry that the sweeper has not marked yet (its backlog; partial index). */
export async function countInvitationsDueForExpiry(app: AppServices): Promise<number> {
  const [row] = await app.orm.em
    .fork()
    .getConnection()
    .execute<Array<{ due: string }>>(`select count(*) as due from invitations where status = 'PENDING' and expires_at <= now()`);
  return Number(row?.due ?? 0);
}

/** The sweeper each gateway process runs every `config.invitationExpirySweepMs` (0: off). */
export function invitationExpiryJob(app: AppServices): PeriodicJob {
  return new PeriodicJob({
    name: 'invitation-expiry',
    intervalMs: app.config.invitationExpirySweepMs,
    logger: app.logger,
    tick: async () => (await expireDueInvitations(app)) === BATCH,
  });
}
