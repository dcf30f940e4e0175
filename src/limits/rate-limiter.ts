import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { AttemptLimit, RateLimits } from '../config';
import type { RedisClient } from '../redis';

/** One counter to charge: `cost` points against `limit` per fixed window of `windowSeconds`. */
export interface Bucket {
  /** e.g. `cost:user:<id>`, `logIn:target:<phone>`. */
  name: string;
  limit: number;
  windowSeconds: number;
  cost: number;
}

export interface BucketState {
  name: string;
  limit: number;
  used: number;
  remaining: number;
  resetAt: Date;
  allowed: boolean;
}

export interface RateDecision {
  allowed: boolean;
  /** Seconds until every refusing bucket has room again (0 when allowed). */
  retryAfterSeconds: number;
  buckets: BucketState[];
}

/**
 * Check-and-charge of one fixed-window counter, atomic in Redis: a charge that would pass the limit is not counted
 * (a refused caller does not push its own window further), and the window starts with the first charge.
 * Returns {admitted 0|1, used, milliseconds left in the window}. One key per script call, so on a Redis Cluster each
 * call runs on the master of that key's slot (no CROSSSLOT); the buckets of one `take` may live on different masters.
 */
const TAKE_SCRIPT = `
local cost = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then ttl = window end
if used + cost > limit then return {0, used, ttl} end
used = redis.call('INCRBY', KEYS[1], cost)
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], window)
  ttl = window
end
return {1, used, ttl}
`;

const REDIS_TIMEOUT_MS = 250;

type TakeResult = [admitted: number, used: number, ttlMs: number];

type RedisWithTake = RedisClient & {
  orggraphRateTake(key: string, cost: number, limit: number, windowMs: number): Promise<TakeResult>;
};

/**
 * Rate limits in cost points, counted in Redis so every gateway instance shares them. While Redis is unreachable the
 * limiter falls back to counters of this process (each instance then enforces the budget on its own) and says so in
 * the log once per outage, so requests never fail because Redis is down. Without Redis at all (`redis` null: the
 * embedded mode, one instance) it counts in the process from the start, quietly.
 */
export class RateLimiter {
  private readonly memory = new Map<string, { used: number; resetAt: number }>();
  private degraded = false;

  constructor(
    private readonly redis: RedisClient | null,
    readonly config: RateLimits,
    private readonly logger: Logger,
  ) {
    if (redis && !('orggraphRateTake' in redis)) redis.defineCommand('orggraphRateTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
  }

  get enabled(): boolean {
    return this.config.enabled;
  }

  /** The two buckets of a guessable secret (`attempt`), for one address and one target, one point per attempt. */
  attemptBuckets(kind: string, limit: AttemptLimit, address: string | null, target: string | null, attempts = 1): Bucket[] {
    const buckets: Bucket[] = [];
    if (address) buckets.push({ name: `${kind}:addr:${address}`, limit: limit.perAddress, windowSeconds: limit.windowSeconds, cost: attempts });
    if (target) buckets.push({ name: `${kind}:target:${target}`, limit: limit.perTarget, windowSeconds: limit.windowSeconds, cost: attempts });
    return buckets;
  }

  /** Charges every bucket, or none: when one refuses, the ones already charged are refunded. */
  async take(buckets: Bucket[]): Promise<RateDecision> {
    if (!this.config.enabled || buckets.length === 0) {
      const now = Date.now();
      return {
        allowed: true,
        retryAfterSeconds: 0,
        buckets: buckets.map((b) => ({ name: b.name, limit: b.limit, used: 0, remaining: b.limit, resetAt: new Date(now + b.windowSeconds * 1000), allowed: true })),
      };
    }
    let results: TakeResult[] | null = null;
    if (this.redis?.status === 'ready') {
      try {
        results = await this.takeInRedis(buckets);
        if (this.degraded) {
          this.degraded = false;
          this.logger.info('rate limits are counted in Redis again');
        }
      } catch (error) {
        this.fallBack(error);
      }
    } else if (this.redis) {
      this.fallBack(new Error(`redis is ${this.redis.status}`));
    }
    results ??= this.takeInMemory(buckets);
    return decide(buckets, results);
  }

  private async takeInRedis(buckets: Bucket[]): Promise<TakeResult[]> {
    const redis = this.redis as RedisWithTake;
    const keys = buckets.map((bucket) => this.key(bucket));
    const results = await withTimeout(
      Promise.all(buckets.map((bucket, i) => redis.orggraphRateTake(keys[i]!, bucket.cost, bucket.limit, bucket.windowSeconds * 1000))),
    );
    if (results.some(([admitted]) => admitted === 0)) {
      const refunds = results.flatMap(([admitted], i) => (admitted === 1 ? [redis.decrby(keys[i]!, buckets[i]!.cost)] : []));
      await withTimeout(Promise.all(refunds));
    }
    return results.map(([admitted, used, ttl]) => [Number(admitted), Number(used), Number(ttl)]);
  }

  private takeInMemory(buckets: Bucket[]): TakeResult[] {
    const now = Date.now();
    if (this.memory.size > 50_000) {
      for (const [key, entry] of this.memory) if (entry.resetAt <= now) this.memory.delete(key);
    }
    const entries = buckets.map((bucket) => {
      const key = this.key(bucket);
      let entry = this.memory.get(key);
      if (!entry || entry.resetAt <= now) {
        entry = { used: 0, resetAt: now + bucket.windowSeconds * 1000 };
        this.memory.set(key, entry);
      }
      return entry;
    });
    const admitted = buckets.every((bucket, i) => entries[i]!.used + bucket.cost <= bucket.limit);
    return buckets.map((bucket, i) => {
      const entry = entries[i]!;
      const fits = entry.used + bucket.cost <= bucket.limit;
      if (admitted) entry.used += bucket.cost;
      // Same shape as the Redis script's answer: a bucket that fitted reports itself charged (refunded in `decide`).
      const reported = !admitted && fits ? entry.used + bucket.cost : entry.used;
      return [fits ? 1 : 0, reported, entry.resetAt - now];
    });
  }

  private fallBack(error: unknown): void {
    if (this.degraded) return;
    this.degraded = true;
    this.logger.warn({ err: error }, 'rate limits fall back to per-process counters while Redis is unavailable');
  }

  private key(bucket: Bucket): string {
    // Targets are caller-chosen text (phones, login names): long ones are hashed to keep keys small.
    const name = bucket.name.length > 120 ? `h:${createHash('sha256').update(bucket.name).digest('base64url')}` : bucket.name;
    return `${this.config.prefix}:${name}`;
  }
}

function decide(buckets: Bucket[], results: TakeResult[]): RateDecision {
  const now = Date.now();
  const allowed = results.every(([admitted]) => admitted === 1);
  const states = buckets.map((bucket, i): BucketState => {
    const [admitted, charged, ttl] = results[i]!;
    // A refused take charges nothing: the buckets that admitted it were refunded.
    const used = allowed || admitted === 0 ? charged : charged - bucket.cost;
    return {
      name: bucket.name,
      limit: bucket.limit,
      used,
      remaining: Math.max(0, bucket.limit - used),
      resetAt: new Date(now + Math.max(0, ttl)),
      allowed: admitted === 1,
    };
  });
  const refusing = states.filter((state) => !state.allowed);
  const retryAfterSeconds = allowed ? 0 : Math.max(1, ...refusing.map((state) => Math.ceil((state.resetAt.getTime() - now) / 1000)));
  return { allowed, retryAfterSeconds, buckets: states };
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('redis rate limit timeout')), REDIS_TIMEOUT_MS).unref()),
  ]);
}
