import type { Logger } from 'pino';
import { TokenService } from './auth/jwt';
import { PasswordHasher, scryptParams } from './auth/password';
import type { ViewerLoader } from './auth/credential';
import type { SubscriberDirectory } from './auth/subscribers';
import { ViewerCache } from './auth/viewer-cache';
import type { Config } from './config';
import type { Contributions } from './contributions';
import { ReadRouter } from './db/read-router';
import type { Orm } from './db/orm';
import { RateLimiter } from './limits/rate-limiter';
import { GatewayMetrics } from './observability/metrics';
import { EventBus } from './realtime/event-bus';
import { EventHub } from './realtime/event-hub';
import type { PubSub } from './realtime/pubsub';

/** Long-lived dependencies shared by every operation of one gateway process. */
export interface AppServices {
  config: Config;
  logger: Logger;
  orm: Orm;
  /** Redis, or the in-process pub/sub of the embedded mode. */
  pubsub: PubSub;
  tokens: TokenService;
  /** Password hashing at this gateway's scrypt parameters. */
  passwords: PasswordHasher;
  eventBus: EventBus;
  /** Live delivery of org events to this process's subscriptions (its own pub/sub subscriber connection). */
  realtime: EventHub;
  /** Rate limits in cost points, shared by instances through Redis (in-process counters without Redis). */
  rateLimiter: RateLimiter;
  /** This process's Prometheus metrics (`GET /metrics`). */
  metrics: GatewayMetrics;
  /** Sends an HTTP query's reads to a replica unless its caller must read its own writes. */
  readRouter: ReadRouter;
  /** Queries' viewers by credential, dropped on every instance by the writes that may change them. */
  viewerCache: ViewerCache;
  /** What the feature modules contribute to one another (hooks, node types, audit rules), collected in `src/modules.ts`. */
  contributions: Contributions;
  /** The viewer a verified credential speaks for, read from the database (provided by the modules). */
  loadViewer: ViewerLoader;
  /** Subscribers as they are now, for re-checking their access at each event (provided by the modules). */
  subscribers: SubscriberDirectory;
}

/** What the feature modules give the process's services (see `src/modules.ts`). */
export interface ModuleServices {
  contributions: Contributions;
  loadViewer: ViewerLoader;
  subscriberDirectory: (orm: Orm) => SubscriberDirectory;
}

export function createAppServices(config: Config, logger: Logger, orm: Orm, pubsub: PubSub, modules: ModuleServices): AppServices {
  const metrics = new GatewayMetrics((error, name) => logger.debug({ err: error, metric: name }, 'backlog metric unavailable'));
  return {
    config,
    logger,
    orm,
    pubsub,
    tokens: new TokenService(config.jwtSecret, config.tokenTtlSeconds),
    passwords: new PasswordHasher(scryptParams(config.passwordScryptLog2N)),
    eventBus: new EventBus(pubsub, logger, metrics),
    realtime: new EventHub(orm, logger, { subscriber: pubsub.createSubscriber(), sweepMs: config.eventSweepMs }),
    rateLimiter: new RateLimiter(pubsub.redis, config.rateLimits, logger),
    metrics,
    readRouter: new ReadRouter(pubsub.redis, logger, {
      replicas: config.databaseReplicaUrls.length > 0,
      readYourWritesMs: config.readYourWritesMs,
      prefix: `${config.rateLimits.prefix}:ryw`,
    }),
    viewerCache: new ViewerCache(pubsub.createSubscriber(), (channel, message) => pubsub.publish(channel, message), logger, {
      ttlMs: config.viewerCacheMs,
      maxEntries: config.viewerCacheMax,
    }),
    contributions: modules.contributions,
    loadViewer: modules.loadViewer,
    subscribers: modules.subscriberDirectory(orm),
  };
}
