import type { Logger } from 'pino';
import { TokenService } from './auth/jwt';
import type { Config } from './config';
import { ReadRouter } from './db/read-router';
import type { Orm } from './db/orm';
import { RateLimiter } from './limits/rate-limiter';
import { GatewayMetrics } from './observability/metrics';
import { EventBus } from './realtime/event-bus';
import { EventHub } from './realtime/event-hub';
import { usesRedisCluster, type RedisClient } from './redis';

/** Long-lived dependencies shared by every operation of one gateway process. */
export interface AppServices {
  config: Config;
  logger: Logger;
  orm: Orm;
  /** One Redis server or a Redis Cluster (`src/redis.ts`). */
  redis: RedisClient;
  tokens: TokenService;
  eventBus: EventBus;
  /** Live delivery of org events to this process's subscriptions (its own Redis subscriber connection). */
  realtime: EventHub;
  /** Rate limits in cost points, shared by instances through Redis. */
  rateLimiter: RateLimiter;
  /** This process's Prometheus metrics (`GET /metrics`). */
  metrics: GatewayMetrics;
  /** Sends an HTTP query's reads to a replica unless its caller must read its own writes. */
  readRouter: ReadRouter;
}

export function createAppServices(config: Config, logger: Logger, orm: Orm, redis: RedisClient): AppServices {
  const metrics = new GatewayMetrics((error, name) => logger.debug({ err: error, metric: name }, 'backlog metric unavailable'));
  return {
    config,
    logger,
    orm,
    redis,
    tokens: new TokenService(config.jwtSecret, config.tokenTtlSeconds),
    eventBus: new EventBus(redis, logger, { sharded: usesRedisCluster(config), metrics }),
    realtime: new EventHub(orm, logger, { redis: config, sweepMs: config.eventSweepMs }),
    rateLimiter: new RateLimiter(redis, config.rateLimits, logger),
    metrics,
    readRouter: new ReadRouter(redis, logger, {
      replicas: config.databaseReplicaUrls.length > 0,
      readYourWritesMs: config.readYourWritesMs,
      prefix: `${config.rateLimits.prefix}:ryw`,
    }),
  };
}
