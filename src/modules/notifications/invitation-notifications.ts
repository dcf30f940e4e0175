import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { translator } from '../../i18n';
import { preferencesOf } from '../accounts/recipient-preferences';
import { nativeQuery } from '../../db/native-sql';
import { toGlobalId } from '../../graphql/relay';
import { EventTopic, type OrgEvent } from '../../realtime/events';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** INVITATION SENT events addressed to a phone or email (person invitations; a link is addressed to nobody). */
function personInvitationsSent(events: OrgEvent[]): OrgEvent[] {
  return events.filter(
    (event) =>
      event.topic === EventTopic.INVITATION &&
      event.type === 'SENT' &&
      (event.recipientPhone || event.recipientEmail) &&
      typeof event.payload.invitationId === 'string' &&
      UUID.test(event.payload.invitationId),
  );
}

/** One invitee of one INVITATION SENT event, with what their notification says. */
interface Invitee {
  org_id: string;
  event_id: string;
  user_id: string;
  locale: string | null;
  time_zone: string | null;
  org_name: string;
  org_locale: string;
  org_time_zone: string;
  inviter_name: string | null;
  message: string | null;
  expires_at: Date;
  data: Record<string, unknown>;
}

/**
 * Reacts to INVITATION SENT events (a first send, a resend, a bulk import's batch) in their own transaction: each user
 * who verified the invited phone or email, and is not yet a member of the org, gets an INVITATION notification. The
 * invitee is not a member, so the delivery is keyed by the USER (`recipient_type = 'USER'`); they see it in
 * `myNotifications` whatever org they are signed in to, and live in `notificationReceived`, which follows the same
 * events the way `myInvitations` does. Nobody matching (the person has no account yet, or has not verified that
 * phone): nothing is written; the SMS or email still reaches them.
 *
 * The text is written in each invitee's language and time zone (their saved ones, else the org's), from the
 * `notifications` catalogue: one notification per event and language. Two statements for all the events recorded
 * together (a bulk import's batch brings a thousand): who is invited, then the notifications and their deliveries.
 *
 * Pending entities of the unit of work are flushed first: the invitation is usually created in it just before its SENT
 * event, and its inviter and message go into the notification.
 */
export async function notifyInvitees(tx: EntityManager, events: OrgEvent[]): Promise<void> {
  const sent = personInvitationsSent(events);
  if (sent.length === 0) return;
  await tx.flush();
  // Parameters apart from the text: a bulk import's batch brings a thousand events.
  const invitees = await nativeQuery<Invitee>(
    tx,
    `with sent as (
       select * from jsonb_to_recordset($1::jsonb) as s(org_id uuid, event_id bigint, invitation_id uuid, invitation_gid text, phone text, email text)
     ),
     invitees as materialized (
       select s.org_id, s.event_id, u.id as user_id, u.locale, u.time_zone
         from sent s join users u on u.phone = s.phone and u.phone_verified_at is not null
       union
       select s.org_id, s.event_id, u.id, u.locale, u.time_zone
         from sent s join users u on lower(u.email) = lower(s.email) and u.email_verified_at is not null
     )
     select i.org_id, i.event_id::text, i.user_id, i.locale, i.time_zone, o.name as org_name, o.locale as org_locale,
            o.time_zone as org_time_zone, inviter.name as inviter_name, inv.message, inv.expires_at,
            jsonb_build_object('invitationId', s.invitation_gid, 'orgName', o.name, 'expiresAt', inv.expires_at) as data
       from invitees i
       join sent s on s.org_id = i.org_id and s.event_id = i.event_id
       join orgs o on o.id = s.org_id
       join invitations inv on inv.id = s.invitation_id and inv.org_id = s.org_id
       left join members inviter on inviter.id = inv.invited_by_member_id
      where not exists (select 1 from members m where m.org_id = i.org_id and m.user_id = i.user_id)
      order by i.event_id, i.user_id`,
    [
      JSON.stringify(
        sent.map((event) => ({
          org_id: event.orgId,
          event_id: event.id,
          invitation_id: event.payload.invitationId,
          invitation_gid: toGlobalId('Invitation', event.payload.invitationId as string),
          phone: event.recipientPhone,
          email: event.recipientEmail,
        })),
      ),
    ],
  );
  if (invitees.length === 0) return;

  const notes = new Map<string, { id: string; org_id: string; event_id: string; title: string; body: string; data: Record<string, unknown>; recipients: number }>();
  const deliveries: Array<{ notification_id: string; user_id: string; org_id: string }> = [];
  for (const invitee of invitees) {
    const { locale, timeZone } = preferencesOf({ locale: invitee.locale, timeZone: invitee.time_zone }, { locale: invitee.org_locale, timeZone: invitee.org_time_zone });
    const key = `${invitee.org_id}:${invitee.event_id}:${locale}:${timeZone}`;
    let note = notes.get(key);
    if (!note) {
      const t = translator(locale, timeZone);
      const args = {
        orgName: invitee.org_name,
        invitedBy: invitee.inviter_name ? 'yes' : 'no',
        inviterName: invitee.inviter_name ?? '',
        hasNote: invitee.message ? 'yes' : 'no',
        note: invitee.message ?? '',
        expiresAt: new Date(invitee.expires_at),
      };
      note = {
        id: randomUUID(),
        org_id: invitee.org_id,
        event_id: invitee.event_id,
        title: t('notifications.invitation.title', args).slice(0, 200),
        body: t('notifications.invitation.body', args).slice(0, 20000),
        data: invitee.data,
        recipients: 0,
      };
      notes.set(key, note);
    }
    note.recipients += 1;
    deliveries.push({ notification_id: note.id, user_id: invitee.user_id, org_id: invitee.org_id });
  }
  await nativeQuery(
    tx,
    `with notified as (
       insert into notifications (id, org_id, kind, title, body, data, event_id, recipient_count, created_at)
       select n.id, n.org_id, 'INVITATION', n.title, n.body, n.data, n.event_id, n.recipients, $3::timestamptz
         from jsonb_to_recordset($1::jsonb) as n(id uuid, org_id uuid, event_id bigint, title text, body text, data jsonb, recipients int)
       returning id
     )
     insert into notification_deliveries (notification_id, recipient_id, recipient_type, org_id, id, created_at)
     select d.notification_id, d.user_id, 'USER', d.org_id, gen_random_uuid(), $3::timestamptz
       from jsonb_to_recordset($2::jsonb) as d(notification_id uuid, user_id uuid, org_id uuid)
       join notified n on n.id = d.notification_id`,
    [JSON.stringify([...notes.values()]), JSON.stringify(deliveries), new Date().toISOString()],
  );
}
