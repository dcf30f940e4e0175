import type { EntityManager } from '@mikro-orm/postgresql';
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

/**
 * Reacts to INVITATION SENT events (a first send, a resend, a bulk import's batch) in their own transaction: each user
 * who verified the invited phone or email, and is not yet a member of the org, gets an INVITATION notification. The
 * invitee is not a member, so the delivery is keyed by the USER (`recipient_type = 'USER'`); they see it in
 * `myNotifications` whatever org they are signed in to, and live in `notificationReceived`, which follows the same
 * events the way `myInvitations` does. One statement for all the events recorded together. Nobody matching (the person
 * has no account yet, or has not verified that phone): nothing is written; the SMS or email still reaches them.
 *
 * Pending entities of the unit of work are flushed first: the invitation is usually created in it just before its SENT
 * event, and its inviter and message go into the notification.
 */
export async function notifyInvitees(tx: EntityManager, events: OrgEvent[]): Promise<void> {
  const sent = personInvitationsSent(events);
  if (sent.length === 0) return;
  await tx.flush();
  // Parameters apart from the text: a bulk import's batch brings a thousand events.
  await nativeQuery(
    tx,
    `with sent as (
       select * from jsonb_to_recordset($1::jsonb) as s(org_id uuid, event_id bigint, invitation_id uuid, invitation_gid text, phone text, email text)
     ),
     invitees as materialized (
       select s.org_id, s.event_id, u.id as user_id
         from sent s join users u on u.phone = s.phone and u.phone_verified_at is not null
       union
       select s.org_id, s.event_id, u.id
         from sent s join users u on lower(u.email) = lower(s.email) and u.email_verified_at is not null
     ),
     eligible as materialized (
       select i.* from invitees i
        where not exists (select 1 from members m where m.org_id = i.org_id and m.user_id = i.user_id)
     ),
     notes as materialized (
       select gen_random_uuid() as id, s.org_id, s.event_id, s.invitation_gid, o.name as org_name, inviter.name as inviter_name,
              inv.message, inv.expires_at,
              (select count(*) from eligible e where e.org_id = s.org_id and e.event_id = s.event_id)::int as recipients
         from sent s
         join orgs o on o.id = s.org_id
         join invitations inv on inv.id = s.invitation_id and inv.org_id = s.org_id
         left join members inviter on inviter.id = inv.invited_by_member_id
        where exists (select 1 from eligible e where e.org_id = s.org_id and e.event_id = s.event_id)
     ),
     notified as (
       insert into notifications (id, org_id, kind, title, body, data, event_id, recipient_count, created_at)
       select n.id, n.org_id, 'INVITATION',
              left('Invitation to join ' || n.org_name, 200),
              left(coalesce(n.inviter_name || ' invited you to join ', 'You are invited to join ') || n.org_name || '.'
                   || coalesce(E'\\n\\n' || n.message, ''), 20000),
              jsonb_build_object('invitationId', n.invitation_gid, 'orgName', n.org_name, 'expiresAt', n.expires_at),
              n.event_id, n.recipients, $2::timestamptz
         from notes n
     )
     insert into notification_deliveries (notification_id, recipient_id, recipient_type, org_id, id, created_at)
     select n.id, e.user_id, 'USER', e.org_id, gen_random_uuid(), $2::timestamptz
       from eligible e join notes n on n.org_id = e.org_id and n.event_id = e.event_id`,
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
      new Date().toISOString(),
    ],
  );
}
