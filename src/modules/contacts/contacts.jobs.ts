import type { AppServices } from '../../app';
import { recordedEventsHooks } from '../../realtime/events';
import { toGlobalId } from '../../graphql/relay';
import { PeriodicJob } from '../../jobs/periodic-job';
import { translator } from '../../i18n';
import { memberPreferences, preferencesOf, type RecipientPreferences } from '../accounts/recipient-preferences';
import { notifyEachMember, NotificationKind } from '../notifications';
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
 * `for update skip locked` selection, so parallel sweeps on several gateway instances never notify one twice; each
 * assignee gets one FOLLOW_UP notification per follow-up, all written set-based (`notifyEachMember`: one statement for
 * the notifications and their deliveries, one batch of events per org), and the NOTIFICATION events are published to
 * `notificationReceived` after commit. A failure rolls the claim back; the next sweep retries.
 *
 * Follow-ups on deleted contacts wait (they are notified if the contact is restored while still open). An assignee
 * who no longer sees the contact is not told about it (the follow-up is marked all the same, so it is not retried).
 * Returns how many follow-ups were claimed.
 */
export async function notifyDueFollowUps(app: AppServices, limit = BATCH): Promise<number> {
  const { claimed, events } = await app.orm.em.fork().transactional(async (tx) => {
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
    // Each assignee's sight of their contacts, checked once per assignee by the rule of their own reads.
    const seen = new Set<string>();
    const assignees = new Map<string, DueRow[]>();
    for (const row of rows) assignees.set(`${row.org_id}:${row.assignee_member_id}`, [...(assignees.get(`${row.org_id}:${row.assignee_member_id}`) ?? []), row]);
    for (const list of assignees.values()) {
      const { org_id: orgId, assignee_member_id: memberId } = list[0]!;
      for (const contactId of await contactsSeenByMember(tx, orgId, memberId, list.map((row) => row.contact_id))) seen.add(`${memberId}:${contactId}`);
    }
    const reminded = rows.filter((row) => seen.has(`${row.assignee_member_id}:${row.contact_id}`));
    // Each assignee reads the reminder in their language, the due time in their zone.
    const preferences = new Map<string, RecipientPreferences>();
    for (const orgId of new Set(reminded.map((row) => row.org_id))) {
      const ofOrg = await memberPreferences(tx, orgId, [...new Set(reminded.filter((row) => row.org_id === orgId).map((row) => row.assignee_member_id))]);
      for (const [memberId, preference] of ofOrg) preferences.set(memberId, preference);
    }
    const events = await notifyEachMember(
      tx,
      app.contributions.of(recordedEventsHooks),
      reminded
        .sort((a, b) => new Date(a.due_at).getTime() - new Date(b.due_at).getTime() || a.id.localeCompare(b.id))
        .map((row) => {
          const dueAt = new Date(row.due_at).toISOString();
          const { locale, timeZone } = preferences.get(row.assignee_member_id) ?? preferencesOf(null, null);
          const t = translator(locale, timeZone);
          const args = { contactName: row.contact_name, hasNote: row.note ? 'yes' : 'no', note: row.note ?? '', dueAt: new Date(row.due_at), authorName: row.author_name };
          return {
            orgId: row.org_id,
            kind: NotificationKind.FOLLOW_UP as const,
            memberId: row.assignee_member_id,
            title: t('notifications.followUp.title', args),
            body: t('notifications.followUp.body', args),
            data: {
              followUpId: toGlobalId('FollowUp', row.id),
              contactId: toGlobalId('Contact', row.contact_id),
              contactName: row.contact_name,
              dueAt,
            },
          };
        }),
    );
    return { claimed: rows.length, events };
  });
  if (events.length) app.eventBus.publish(events);
  return claimed;
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
