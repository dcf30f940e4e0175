import { registerEnumType } from 'type-graphql';
import { badInput, errorMessage } from '../errors';

/** The width of one bar of a chart over time; buckets start at UTC midnight (weeks on Monday, months on the 1st). */
export enum TimeBucket {
  DAY = 'DAY',
  WEEK = 'WEEK',
  MONTH = 'MONTH',
}
registerEnumType(TimeBucket, {
  name: 'TimeBucket',
  description: 'The width of one bucket of a series over time, in UTC.',
  valuesConfig: {
    DAY: { description: 'From 00:00 UTC.' },
    WEEK: { description: 'From Monday 00:00 UTC (ISO weeks).' },
    MONTH: { description: 'From the 1st, 00:00 UTC.' },
  },
});

/** At most this many buckets in one series: a chart has no use for more, and the query stays cheap. */
export const MAX_BUCKETS = 400;

/** Postgres `date_trunc` unit of a bucket. */
export function truncUnit(bucket: TimeBucket): 'day' | 'week' | 'month' {
  return bucket === TimeBucket.DAY ? 'day' : bucket === TimeBucket.WEEK ? 'week' : 'month';
}

/** The start of the bucket holding `at` (UTC). */
export function bucketStart(at: Date, bucket: TimeBucket): Date {
  const day = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  if (bucket === TimeBucket.DAY) return new Date(day);
  if (bucket === TimeBucket.MONTH) return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
  const sinceMonday = (new Date(day).getUTCDay() + 6) % 7;
  return new Date(day - sinceMonday * 86_400_000);
}

function nextBucket(start: Date, bucket: TimeBucket): Date {
  if (bucket === TimeBucket.MONTH) return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  return new Date(start.getTime() + (bucket === TimeBucket.DAY ? 1 : 7) * 86_400_000);
}

/**
 * The starts of the buckets covering [from, to): the first holds `from`, the last holds the instant before `to`.
 * BAD_USER_INPUT when `to` is not after `from` or when that makes more than MAX_BUCKETS.
 */
export function bucketStarts(from: Date, to: Date, bucket: TimeBucket): Date[] {
  if (!(to.getTime() > from.getTime())) throw badInput(errorMessage('toAfterFrom'), 'to');
  const starts: Date[] = [];
  for (let start = bucketStart(from, bucket); start.getTime() < to.getTime(); start = nextBucket(start, bucket)) {
    if (starts.length === MAX_BUCKETS) throw badInput(errorMessage('bucketsMax', { max: MAX_BUCKETS }), 'bucket');
    starts.push(start);
  }
  return starts;
}
