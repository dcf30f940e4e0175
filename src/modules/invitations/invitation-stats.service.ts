import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { bucketStart, bucketStarts, truncUnit, type TimeBucket } from '../../graphql/time-buckets';
import { EventTopic } from '../../realtime/events';
import { InvitationEventType } from './invitation-events';
import type { InvitationFunnel, InvitationFunnelBucket } from './invitation-stats.types';

interface FunnelRow {
  start: Date;
  sent: string;
  accepted: string;
  declined: string;
  expired: string;
  failed: string;
}

/**
 * The invitation funnel of the viewer's org in [from, to), counted from its event log (the truth for what happened
 * when, whatever the invitations' current status): SENT once per invitation and bucket (a resend emits SENT again),
 * every ACCEPTED (each use of a link), DECLINED, EXPIRED (as the expiry job marks them) and FAILED. Admins only (the
 * resolver's `@Authorized(Access.ADMIN)`): the counts span every department.
 */
export async function invitationFunnel(em: EntityManager, viewer: Viewer, from: Date, to: Date, bucket: TimeBucket): Promise<InvitationFunnel> {
  const orgId = viewer.orgId;
  const starts = bucketStarts(from, to, bucket);
  const rows = await em.getConnection().execute<FunnelRow[]>(
    `select date_trunc(?, created_at, 'UTC') as start,
            count(distinct payload->>'invitationId') filter (where type = ?) as sent,
            count(*) filter (where type = ?) as accepted,
            count(*) filter (where type = ?) as declined,
            count(*) filter (where type = ?) as expired,
            count(*) filter (where type = ?) as failed
       from org_events
      where org_id = ? and topic = ? and created_at >= ? and created_at < ?
      group by 1`,
    [
      truncUnit(bucket),
      InvitationEventType.SENT,
      InvitationEventType.ACCEPTED,
      InvitationEventType.DECLINED,
      InvitationEventType.EXPIRED,
      InvitationEventType.FAILED,
      orgId,
      EventTopic.INVITATION,
      from,
      to,
    ],
  );
  const counted = new Map(rows.map((row) => [bucketStart(new Date(row.start), bucket).getTime(), row]));
  const buckets = starts.map((start): InvitationFunnelBucket => {
    const row = counted.get(start.getTime());
    return {
      start,
      sent: Number(row?.sent ?? 0),
      accepted: Number(row?.accepted ?? 0),
      declined: Number(row?.declined ?? 0),
      expired: Number(row?.expired ?? 0),
      failed: Number(row?.failed ?? 0),
    };
  });
  const total: InvitationFunnelBucket = { start: from, sent: 0, accepted: 0, declined: 0, expired: 0, failed: 0 };
  for (const b of buckets) {
    total.sent += b.sent;
    total.accepted += b.accepted;
    total.declined += b.declined;
    total.expired += b.expired;
    total.failed += b.failed;
  }
  return { from, to, bucket, buckets, total };
}
