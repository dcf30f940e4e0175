import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { createAppServices, type AppServices } from './app';
import type { Config } from './config';
import { bearerToken } from './auth/credential';
import { embeddedJwtSecret, startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import { ensureDatabase, migrate, openOrm, withMigrationLock, type Orm } from './db/orm';
import { runWithReadRoute } from './db/read-routing';
import { runWithSqlCounter } from './db/sql-counter';
import { CORS_PATHS, handleCors } from './web/cors';
import { Explorer, EXPLORER_ASSET_PATH, wantsExplorerPage } from './web/explorer.http';
import type { GraphQLContext } from './graphql/context';
import { MAX_OPERATION_BYTES, OperationPipeline } from './graphql/operation-pipeline';
import { createErrorFormatter, operationGatePlugin, readYourWritesPlugin, sqlCountExtension } from './graphql/plugins';
import { createRequestContext } from './graphql/request-context';
import { runWithRequestLocale } from './graphql/request-locale';
import { buildAppSchema } from './graphql/schema';
import { clientAddressOf } from './limits/client-address';
import { handleOAuthMetadataRequest, handleTokenRequest, OAUTH_METADATA_PATH } from './modules/api-clients';
import { contactPurgeJob, followUpReminderJob } from './modules/contacts';
import { countInvitationsDueForExpiry, invitationExpiryJob } from './modules/invitations';
import { outboxBacklog } from './modules/outbox';
import { createDeliveryAdapter } from './modules/outbox/delivery';
import { handleImportRequest, IMPORT_PATHS } from './modules/imports/imports.http';
import { OutboxDispatcher } from './modules/outbox/outbox.dispatcher';
import { WebhookWorker } from './modules/webhooks';
import { handleMetricsRequest } from './observability/metrics.http';
import { operationObserverPlugin } from './observability/operation-observer';
import { REQUEST_ID_HEADER, requestIdFrom } from './observability/request-id';
import { startGraphQLWs } from './graphql/graphql-ws';
import { handleDashboardRequest } from './web/dashboard.http';
import { handleInviteRequest } from './web/invite.http';
import { handleDocsRequest, handleLandingRequest } from './web/landing.http';
import { InProcessPubSub, RedisPubSub, type PubSub } from './realtime/pubsub';
import { contributions as moduleContributionSet, createLoaders, createSubscriberDirectory, entities, guessedSecrets, loadViewerFor, moduleContributions, resolvers } from './modules';
import { Contributions, type Contribution } from './contributions';

export interface Gateway {
  url: string;
  port: number;
  app: AppServices;
  /** Drains: stops accepting, finishes requests in flight, closes sockets with 1001, then the ORM, Redis and PGlite. */
  close(): Promise<void>;
}

/** Starts one gateway process: HTTP GraphQL and graphql-ws on one port, plus health endpoints. */
export interface GatewayOptions {
  /** Contributions added to the modules' (a test's own hooks). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a list mixes kinds
  contributions?: ReadonlyArray<Contribution<any>>;
}

export async function startGateway(given: Config, logger: Logger = pino({ level: given.logLevel }), options: GatewayOptions = {}): Promise<Gateway> {
  let config = given;
  if (config.jwtSecretIsRandom && !config.databaseUrl) {
    config = { ...config, jwtSecret: embeddedJwtSecret(config.dataDir), jwtSecretIsRandom: false };
    logger.info({ dataDir: config.dataDir }, 'JWT_SECRET is not set: using the secret kept in the data folder');
  }
  if (config.jwtSecretIsRandom) logger.warn('JWT_SECRET is not set: using a random secret, tokens end with this process');
  const { orm, embeddedPostgres } = await openDatabase(config, logger);
  let pubsub: PubSub;
  if (config.redisUrl || config.redisClusterNodes) {
    // While Redis is away its commands fail at once instead of queueing: publishes are held and replayed from the event
    // log, rate limits count in the process, /readyz says "degraded". Nothing a request awaits can hang on it.
    const redis = new RedisPubSub(config, logger);
    await redis.connect();
    pubsub = redis;
  } else {
    pubsub = new InProcessPubSub();
  }
  logServices(config, logger, embeddedPostgres);
  const contributions = options.contributions ? new Contributions([...moduleContributions, ...options.contributions]) : moduleContributionSet;
  const app = createAppServices(config, logger, orm, pubsub, { contributions, loadViewer: loadViewerFor, subscriberDirectory: createSubscriberDirectory });
  await app.realtime.start();
  await app.viewerCache.start();
  const schema = await buildAppSchema(resolvers);
  const pipeline = new OperationPipeline({
    schema,
    limits: config.operationLimits,
    rateLimiter: app.rateLimiter,
    readRouter: app.readRouter,
    guessedSecrets,
    phoneDefaultRegion: config.phoneDefaultRegion,
  });

  // No limit on the time to receive a whole request (Node's default cuts it at 300 s with a 408): an upload to
  // `POST /imports` is read at the pace its batches are written, and 100,000 people on a busy machine take longer.
  // Headers still have to arrive within `headersTimeout` (60 s), and bodies are bounded in bytes by the import limits.
  const httpServer = createServer({ requestTimeout: 0 });
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.env !== 'production',
    hideSchemaDetailsFromClientErrors: config.env === 'production', // no "Did you mean ...?" suggestions
    parseOptions: pipeline.parseOptions,
    // The gateway drains on SIGTERM itself (`close`, after DRAIN_DELAY_MS); Apollo's own handler would stop at once.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's own landing pages load from a CDN; browsers get the bundled GraphiQL instead (GRAPHIQL).
      ApolloServerPluginLandingPageDisabled(),
      // No field carries a cache hint; Apollo's default cache-control plugin would still wrap every field resolver.
      ApolloServerPluginCacheControlDisabled(),
      operationGatePlugin(pipeline),
      operationObserverPlugin,
      readYourWritesPlugin,
      ...(config.exposeSqlCount ? [sqlCountExtension] : []),
    ],
  });
  await apollo.start();

  // A message over the limit closes its socket (1009) as its length arrives, before it is buffered or parsed.
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_OPERATION_BYTES });
  const wsHandle = startGraphQLWs(wsServer, pipeline, app, createLoaders, logger);
  registerGatewayGauges(app, () => wsServer.clients.size);

  const state = { draining: false };
  const http: HttpHandlers = { apollo, app, state, explorer: config.graphiql ? new Explorer() : null };
  httpServer.on('request', (req, res) => {
    handleHttp(req, res, http).catch((error) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });

  const dispatcher = new OutboxDispatcher(orm, logger, {
    pollMs: config.outboxPollMs,
    adapter: createDeliveryAdapter(config, logger),
    eventBus: app.eventBus,
    retry: config.outboxRetry,
    leaseMs: config.outboxLeaseMs,
    batchSize: config.outboxBatchSize,
    metrics: app.metrics,
    contributions: app.contributions,
  });
  dispatcher.start();
  // Postgres-backed, so invitations expire and reminders fall due on time while Redis is down.
  const jobs = [invitationExpiryJob(app), followUpReminderJob(app), contactPurgeJob(app)];
  for (const job of jobs) job.start();
  // Webhook deliveries: a pg-boss queue on this database; any number of instances share it.
  let webhookWorker = config.webhooks.delivery ? new WebhookWorker(app, createLoaders) : null;
  try {
    await webhookWorker?.start();
  } catch (error) {
    // The API serves without it: events wait in the log and are delivered once a process runs the queue.
    logger.error({ err: error }, 'webhook delivery did not start: webhooks are not delivered by this process');
    await webhookWorker?.stop().catch(() => undefined);
    webhookWorker = null;
  }

  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  // Where a person goes next, and the mode this process really runs in.
  const origin = `http://${['0.0.0.0', '::'].includes(config.host) ? 'localhost' : config.host}:${port}`;
  logger.info(
    {
      port,
      urls: { home: `${origin}/`, api: `${origin}/graphql`, dashboard: `${origin}/dashboard`, ...(config.graphiql ? { graphiql: `${origin}/graphql` } : {}) },
      database: embeddedPostgres ? 'embedded' : 'postgres',
      pubsub: pubsub.kind,
      databaseReplicas: config.databaseReplicaUrls.length,
      // No Redis at all with the in-process pub/sub: saying `single` there would name a server that is not used.
      redis: pubsub.kind === 'in-process' ? 'none' : config.redisClusterNodes ? 'cluster' : 'single',
    },
    'orggraph gateway listening',
  );

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      state.draining = true;
      await new Promise((resolve) => setTimeout(resolve, config.drainDelayMs));
      for (const socket of wsServer.clients) socket.close(1001, 'Server shutting down');
      await wsHandle.dispose();
      wsServer.close();
      await apollo.stop(); // the drain plugin stops accepting and waits for requests in flight
      await dispatcher.stop();
      await Promise.all(jobs.map((job) => job.stop()));
      await webhookWorker?.stop();
      await app.realtime.close();
      app.viewerCache.close();
      await orm.close();
      pubsub.close();
      await embeddedPostgres?.close();
    })());

  return { url: `http://127.0.0.1:${port}/graphql`, port, app, close };
}

/** Socket count and the backlogs Prometheus reads on each scrape (cheap counts on partial indexes). */
function registerGatewayGauges(app: AppServices, openSockets: () => number): void {
  const { metrics, orm } = app;
  metrics.countSocketsWith(openSockets);
  metrics.addBacklog({
    name: 'orggraph_outbox_pending_messages',
    help: 'SMS and emails waiting in the outbox for the dispatcher',
    read: async () => (await outboxBacklog(orm.em.fork())).pending,
  });
  metrics.addBacklog({
    name: 'orggraph_outbox_oldest_pending_seconds',
    help: 'Age of the oldest message waiting in the outbox (0 when none)',
    read: async () => (await outboxBacklog(orm.em.fork())).oldestPendingSeconds,
  });
  metrics.addBacklog({
    name: 'orggraph_invitations_due_for_expiry',
    help: 'PENDING invitations past their expiry that the expiry job has not marked EXPIRED yet',
    read: () => countInvitationsDueForExpiry(app),
  });
}

/** Opens and migrates PostgreSQL: the one at `databaseUrl`, or without it an embedded one (a pool of one connection). */
async function openDatabase(config: Config, logger: Logger): Promise<{ orm: Orm; embeddedPostgres: EmbeddedPostgres | null }> {
  if (config.databaseUrl) {
    await ensureDatabase(config.databaseUrl).catch((error: Error) => {
      throw new Error(`PostgreSQL (DATABASE_URL) cannot be reached: ${error.message || (error as { code?: string }).code}`, { cause: error });
    });
    const orm = await openOrm(config.databaseUrl, logger, {
      replicaUrls: config.databaseReplicaUrls,
      timeouts: config.databaseTimeouts,
      poolMax: config.databasePoolMax,
      entities,
    });
    const databaseUrl = config.databaseUrl;
    try {
      await withMigrationLock(databaseUrl, async () => {
        if ((await orm.getMigrator().getPendingMigrations()).length === 0) return;
        // Migrations (index builds on big tables) run without the statement timeout that guards requests.
        const migrations = await openOrm(databaseUrl, logger);
        await migrate(migrations).finally(() => migrations.close());
      });
    } catch (error) {
      await orm.close();
      throw error;
    }
    return { orm, embeddedPostgres: null };
  }
  const embeddedPostgres = await startEmbeddedPostgres(config.dataDir, logger);
  try {
    const orm = await openOrm(embeddedPostgres.url, logger, { poolMax: 1, entities });
    await migrate(orm).catch(async (error: unknown) => {
      await orm.close();
      throw error;
    });
    return { orm, embeddedPostgres };
  } catch (error) {
    await embeddedPostgres.close();
    throw error;
  }
}

/** One line saying which services this process runs on and, when any is embedded, what that mode cannot do. */
function logServices(config: Config, logger: Logger, embeddedPostgres: EmbeddedPostgres | null): void {
  const database = embeddedPostgres ? 'embedded' : 'postgres';
  // A Redis Cluster (REDIS_CLUSTER_NODES) without REDIS_URL is Redis too, not the in-process pub/sub.
  const usesRedis = Boolean(config.redisUrl || config.redisClusterNodes);
  const pubsub = usesRedis ? 'redis' : 'in-process';
  if (!embeddedPostgres && usesRedis) {
    logger.info({ database, pubsub }, 'using PostgreSQL (DATABASE_URL) and Redis (REDIS_URL or REDIS_CLUSTER_NODES)');
    return;
  }
  const parts: string[] = [];
  if (embeddedPostgres) parts.push(`PostgreSQL runs inside this process (PGlite, no DATABASE_URL), data in ${embeddedPostgres.directory}`);
  if (!usesRedis) parts.push('pub/sub and rate limits are in-process (no REDIS_URL)');
  const limits: string[] = [];
  if (!usesRedis) limits.push('events reach only the subscribers of this process and rate limits are counted per process');
  if (embeddedPostgres) limits.push('the data folder serves one process, on one database connection (requests queue for it)');
  logger.warn(
    { mode: 'embedded', database, pubsub, dataDir: embeddedPostgres ? config.dataDir : undefined },
    `embedded mode: ${parts.join('; ')}. One gateway instance only: ${limits.join('; ')}. ` +
      'For several instances or production set DATABASE_URL and REDIS_URL.',
  );
}

interface HttpHandlers {
  apollo: ApolloServer<GraphQLContext>;
  app: AppServices;
  state: { draining: boolean };
  /** Null when GRAPHIQL is off. */
  explorer: Explorer | null;
}

async function handleHttp(req: IncomingMessage, res: ServerResponse, { apollo, app, state, explorer }: HttpHandlers): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const requestId = requestIdFrom(req.headers[REQUEST_ID_HEADER]);
  res.setHeader(REQUEST_ID_HEADER, requestId);
  const clientAddress = clientAddressOf(req, app.config.trustProxy);
  const contextFor = () => createRequestContext(app, createLoaders, req.headers.authorization, clientAddress, { requestId, acceptLanguage: req.headers['accept-language'] });
  // While draining, let clients' keep-alive connections end with this response instead of idling into the close.
  if (state.draining) res.setHeader('connection', 'close');
  // Partners' web pages (CORS_ORIGINS): the preflight is answered here, before any handler reads a body.
  if (CORS_PATHS.has(url.pathname) && handleCors(req, res, app.config.corsOrigins)) return;
  if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname === '/metrics' && app.config.metrics) return handleMetricsRequest(req, res, app.metrics, app.config.metricsToken);
  if (url.pathname.startsWith(EXPLORER_ASSET_PATH) && explorer) return explorer.serveAsset(req, res, url.pathname.slice(EXPLORER_ASSET_PATH.length));
  if (url.pathname === '/graphql' && explorer && wantsExplorerPage(req, url)) return explorer.servePage(req, res);
  if (url.pathname === '/readyz') {
    // Without Redis an instance still answers queries and mutations (events wait in the log), so it stays in the load
    // balancer ("degraded"); without Postgres, or while draining, it is taken out.
    const checks = await readiness(app);
    // Without Redis an instance still answers queries and mutations (events wait in the log), so it stays in the load
    // balancer ("degraded"); without Postgres, or while draining, it is taken out. `redis` with Redis, `pubsub` for the
    // in-process one.
    const { postgres, pubsub } = checks;
    const status = state.draining ? 'draining' : !postgres ? 'unavailable' : !pubsub ? 'degraded' : 'ok';
    const body = app.pubsub.kind === 'redis' ? { postgres, redis: pubsub } : { postgres, pubsub };
    return sendJson(res, postgres && !state.draining ? 200 : 503, { status, ...body, draining: state.draining });
  }
  if (url.pathname === '/oauth/token') return handleTokenRequest(req, res, app, clientAddress);
  if (url.pathname === OAUTH_METADATA_PATH) return handleOAuthMetadataRequest(req, res, app);
  if ((Object.values(IMPORT_PATHS) as string[]).includes(url.pathname)) {
    // An import writes for a while: its caller's queries read from the primary from its start to past its end.
    const recordWrite = async () => {
      const token = bearerToken(req.headers.authorization);
      const credential = token ? await app.tokens.verifyCredential(token) : null;
      await Promise.all([app.readRouter.recordWrite({ credential, clientAddress }), app.viewerCache.invalidate({ orgId: credential?.org })]);
    };
    if (req.method === 'POST') await recordWrite();
    await handleImportRequest(req, res, url, contextFor);
    if (req.method === 'POST') await recordWrite();
    return;
  }
  if (url.pathname === '/dashboard' || url.pathname.startsWith('/dashboard/')) return handleDashboardRequest(req, res, url.pathname);
  if (url.pathname.startsWith('/invite/')) return handleInviteRequest(req, res, url.pathname, url.search);
  if (url.pathname === '/') return handleLandingRequest(req, res, { graphiql: explorer !== null });
  if (url.pathname === '/docs' || url.pathname.startsWith('/docs/')) return handleDocsRequest(req, res, url.pathname);
  if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found' });

  const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
  if (body instanceof Error) return sendJson(res, 400, { errors: [{ message: body.message, extensions: { code: 'BAD_REQUEST' } }] });
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  // Reads start on the primary; the limits gate lets a query onto a replica (`ReadRouter`).
  const response = await runWithSqlCounter(() =>
    runWithReadRoute(() => runWithRequestLocale(req.headers['accept-language'], () => apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      // The viewer is loaded once the operation passed its limits (operationLimitsPlugin).
      context: () => createRequestContext(app, createLoaders, req.headers.authorization, clientAddress, { deferViewer: true, requestId, acceptLanguage: req.headers['accept-language'] }),
    }))),
  );
  res.statusCode = response.status ?? 200;
  for (const [key, value] of response.headers) res.setHeader(key, value);
  if (response.body.kind === 'complete') {
    res.end(response.body.string);
  } else {
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  }
}

async function readiness(app: AppServices): Promise<{ postgres: boolean; pubsub: boolean }> {
  const timeout = <T>(promise: Promise<T>) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
  const [postgres, pubsub] = await Promise.all([
    timeout(app.orm.em.getConnection().execute('select 1')).then(() => true, () => false),
    timeout(app.pubsub.ping()).catch(() => false),
  ]);
  return { postgres, pubsub };
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_OPERATION_BYTES) return new Error(`Request body larger than ${MAX_OPERATION_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return new Error('Request body is not valid JSON');
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
