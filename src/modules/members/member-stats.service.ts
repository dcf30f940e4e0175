import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { badInput, errorMessage } from '../../errors';
import { bucketStart, bucketStarts, TimeBucket } from '../../graphql/time-buckets';
import type { JoinsInWeek } from './member-stats.types';

export const MAX_WEEKS = 104;

/**
 * Joins per ISO week (UTC) of the viewer's org for the last `weeks` weeks, the current one last and counted so far:
 * members by `joinedAt` (set when a person accepts an invitation, or is imported or added active). Admins only.
 */
export async function joinsPerWeek(em: EntityManager, viewer: Viewer, weeks: number, now = new Date()): Promise<JoinsInWeek[]> {
  if (!Number.isInteger(weeks) || weeks < 1 || weeks > MAX_WEEKS) throw badInput(errorMessage('between', { field: 'weeks', min: '1', max: String(MAX_WEEKS) }), 'weeks');
  const orgId = viewer.orgId;
  const thisWeek = bucketStart(now, TimeBucket.WEEK);
  const from = new Date(thisWeek.getTime() - (weeks - 1) * 7 * 86_400_000);
  const to = new Date(thisWeek.getTime() + 7 * 86_400_000);
  const rows = await em.getConnection().execute<Array<{ week: Date; joins: string }>>(
    `select date_trunc('week', joined_at, 'UTC') as week, count(*) as joins
       from members
      where org_id = ? and joined_at >= ? and joined_at < ?
      group by 1`,
    [orgId, from, to],
  );
  const counted = new Map(rows.map((row) => [new Date(row.week).getTime(), Number(row.joins)]));
  return bucketStarts(from, to, TimeBucket.WEEK).map((weekStart) => ({ weekStart, joins: counted.get(weekStart.getTime()) ?? 0 }));
}
