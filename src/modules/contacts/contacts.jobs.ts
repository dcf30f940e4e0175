import type { AppServices } from '../../app';
import { toGlobalId } from '../../graphql/relay';
import { PeriodicJob } from '../../jobs/periodic-job';
import { notifyMembers, NotificationKind } from '../notifications';
import { contactsSeenByMember } from './contact-visibility';
import { purgeExpiredContacts } from './contacts.service';

const BATCH = 100;

interface DueRow {
  id: string;
  org_id: string;
  contact_id: string;
  contact_name: string;
  assignee_member_id: string;
  due_at: Date;
  note: string;
  author_name: string;
}

/**
 * Notifies the assignees of up to `limit` OPEN follow-ups that fell due and were not notified yet [001], in one
 * transaction: the rows are claimed and marked (`notified_at`) by one `update ... returning` over a
 * `for update skip locked` selection, so parallel sweeps on several gateway instances never notify one twice, and each
 * assignee gets a FOLLOW_UP notification (`notifyMembers`: deliveries set-based, the NOTIFICATION event published to
 * `notificationReceived` after commit). A failure rolls the claim back; the next sweep retries.
 *
 * Follow-ups on deleted contacts wait (they are notified if the contact is restored while still open). An assignee
 * who no longer sees the contact is not told about it (the follow-up is marked all the same, so it is not retried).
 * Returns how many follow-ups were claimed.
 */
export async function notifyDueFollowUps(app: AppServices, limit = BATCH): Promise<number> {
  return app.orm.em.fork().transactional(async (tx) => {
    const rows = await tx.execute<DueRow[]>(
      `with due as (
         select f.id from contact_follow_ups f
          where f.status = 'OPEN' and f.notified_at is null and f.due_at <= now() and f.assignee_member_id is not null
            and exists (select 1 from contacts c where c.id = f.contact_id and c.deleted_at is null)
          order by f.due_at limit ? for update of f skip locked
       )
       update contact_follow_ups f set notified_at = now()
         from due, contacts c
        where f.id = due.id and c.id = f.contact_id
       returning f.id, f.org_id, f.contact_id, c.name as contact_name, f.assignee_member_id, f.due_at, f.note, f.author_name`,
      [limit],
    );
    // Org event counters are locked in one order by every sweeper, so two instances cannot deadlock on them.
    rows.sort((a, b) => a.org_id.localeCompare(b.org_id) || new Date(a.due_at).getTime() - new Date(b.due_at).getTime() || a.id.localeCompare(b.id));
    const seenCache = new Map<string, Set<string>>();
    for (const row of rows) {
      const key = `${row.org_id}:${row.assignee_member_id}`;
      let seen = seenCache.get(key);
      if (!seen) {
        const contactIds = rows.filter((other) => other.org_id === row.org_id && other.assignee_member_id === row.assignee_member_id).map((other) => other.contact_id);
        seen = await contactsSeenByMember(tx, row.org_id, row.assignee_member_id, contactIds);
        seenCache.set(key, seen);
      }
      if (!seen.has(row.contact_id)) continue;
      const dueAt = new Date(row.due_at);
      await notifyMembers(tx, app, {
        orgId: row.org_id,
        kind: NotificationKind.FOLLOW_UP,
        title: `Follow up with ${row.contact_name}`,
        body: `${row.note || `Follow up with ${row.contact_name}.`}\n\nDue ${dueAt.toISOString()}, scheduled by ${row.author_name}.`,
        memberIds: [row.assignee_member_id],
        data: {
          followUpId: toGlobalId('FollowUp', row.id),
          contactId: toGlobalId('Contact', row.contact_id),
          contactName: row.contact_name,
          dueAt: dueAt.toISOString(),
        },
      });
    }
    return rows.length;
  });
}

/** The sweeper each gateway process runs every `config.followUpSweepMs` (0: off). */
export function followUpReminderJob(app: AppServices): PeriodicJob {
  return new PeriodicJob({
    name: 'follow-up-reminders',
    intervalMs: app.config.followUpSweepMs,
    logger: app.logger,
    tick: async () => (await notifyDueFollowUps(app)) === BATCH,
  });
}

const PURGE_BATCH = 1000;

/**
 * Empties the contacts' bin [001]: contacts deleted (or merged away) more than 30 days ago go for good, with their
 * interaction records, follow-ups and group places, at most `PURGE_BATCH` per tick (`purgeExpiredContacts`, rows
 * claimed with `skip locked`, so instances share the work). Runs every `config.contactPurgeSweepMs` (0: off).
 */
export function contactPurgeJob(app: AppServices): PeriodicJob {
  return new PeriodicJob({
    name: 'contact-purge',
    intervalMs: app.config.contactPurgeSweepMs,
    logger: app.logger,
    tick: async () => (await purgeExpiredContacts(app.orm.em.fork(), new Date(), PURGE_BATCH)) === PURGE_BATCH,
  });
}
