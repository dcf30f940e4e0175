import { Cluster, Redis } from 'ioredis';
import { LOCAL_REDIS_URL, type Config } from './config';

/**
 * The gateway's Redis: one server (`REDIS_URL`) or a Redis Cluster (`REDIS_CLUSTER_NODES`). Both carry only what can be
 * lost: pub/sub fan-out of committed events (the event log in Postgres is the truth) and rate-limit counters.
 */
export type RedisClient = Redis | Cluster;

export type RedisConfig = Pick<Config, 'redisUrl' | 'redisClusterNodes'>;

/** True when the configuration names a Redis Cluster: pub/sub is then sharded (SPUBLISH / SSUBSCRIBE, Redis 7). */
export function usesRedisCluster(config: RedisConfig): boolean {
  return config.redisClusterNodes !== null;
}

const reconnectDelay = (attempt: number) => Math.min(100 * attempt, 1000);

/** The command connection (publishing, rate limits, health checks). Connects lazily: call `connect()`. */
export function createRedisClient(config: RedisConfig): RedisClient {
  // No offline queue and a command timeout: while Redis is away commands fail at once instead of waiting for it.
  const failFast = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 2000 };
  if (!config.redisClusterNodes) return new Redis(config.redisUrl ?? LOCAL_REDIS_URL, { ...failFast, lazyConnect: true, retryStrategy: reconnectDelay });
  return new Cluster(config.redisClusterNodes, {
    lazyConnect: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelay,
    // Commands fail fast while a slot has no master instead of queueing (rate limits fall back, publishes are swept).
    retryDelayOnClusterDown: 100,
    redisOptions: { maxRetriesPerRequest: 1, commandTimeout: 2000 },
  });
}

/**
 * A connection for subscribing, owned by the event hub: no offline queue and no automatic resubscription on a single
 * server (the hub resubscribes and sweeps on every 'ready'); on a cluster, one sharded subscriber connection per
 * master (ioredis `shardedSubscribers`), which follows slot moves and resubscribes by itself.
 */
export function createSubscriberClient(config: RedisConfig): RedisClient {
  if (!config.redisClusterNodes) {
    return new Redis(config.redisUrl ?? LOCAL_REDIS_URL, {
      lazyConnect: true,
      autoResubscribe: false,
      autoResendUnfulfilledCommands: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: null,
      retryStrategy: reconnectDelay,
    });
  }
  return new Cluster(config.redisClusterNodes, {
    lazyConnect: true,
    shardedSubscribers: true,
    enableOfflineQueue: false,
    clusterRetryStrategy: reconnectDelay,
    redisOptions: { maxRetriesPerRequest: null },
  });
}
