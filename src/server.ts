import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { createAppServices, type AppServices } from './app';
import type { Config } from './config';
import { ensureDatabase, migrate, openOrm } from './db/orm';
import { bearerToken } from './auth/credential';
import { runWithReadRoute } from './db/read-routing';
import { runWithSqlCounter } from './db/sql-counter';
import { Explorer, EXPLORER_ASSET_PATH, wantsExplorerPage } from './web/explorer.http';
import type { GraphQLContext } from './graphql/context';
import { createLoaders } from './graphql/loaders';
import { createErrorFormatter, readYourWritesPlugin, sqlCountExtension } from './graphql/plugins';
import { createRequestContext } from './graphql/request-context';
import { buildAppSchema } from './graphql/schema';
import { clientAddressOf } from './limits/client-address';
import { operationLimitsPlugin } from './limits/operation-limits.plugin';
import { handleTokenRequest } from './modules/api-clients';
import { contactPurgeJob, followUpReminderJob } from './modules/contacts';
import { countInvitationsDueForExpiry, invitationExpiryJob } from './modules/invitations';
import { outboxBacklog } from './modules/outbox';
import { createDeliveryAdapter } from './modules/outbox/delivery';
import { handleImportRequest, IMPORT_PATHS } from './modules/imports/imports.http';
import { OutboxDispatcher } from './modules/outbox/outbox.dispatcher';
import { handleMetricsRequest } from './observability/metrics.http';
import { operationObserverPlugin } from './observability/operation-observer';
import { REQUEST_ID_HEADER, requestIdFrom } from './observability/request-id';
import { startGraphQLWs } from './realtime/graphql-ws';
import { handleDashboardRequest } from './web/dashboard.http';
import { createRedisClient } from './redis';

const MAX_BODY_BYTES = 1024 * 1024;

export interface Gateway {
  url: string;
  port: number;
  app: AppServices;
  /** Drains: stops accepting, finishes requests in flight, closes sockets with 1001, then the ORM and Redis. */
  close(): Promise<void>;
}

/** Starts one gateway process: HTTP GraphQL and graphql-ws on one port, plus health endpoints. */
export async function startGateway(config: Config, logger: Logger = pino({ level: config.logLevel })): Promise<Gateway> {
  if (config.jwtSecretIsRandom) logger.warn('JWT_SECRET is not set: using a random secret, tokens end with this process');
  await ensureDatabase(config.databaseUrl);
  const orm = await openOrm(config.databaseUrl, logger, { replicaUrls: config.databaseReplicaUrls, timeouts: config.databaseTimeouts });
  if ((await orm.getMigrator().getPendingMigrations()).length > 0) {
    // Migrations (index builds on big tables) run without the statement timeout that guards requests.
    const migrations = await openOrm(config.databaseUrl, logger);
    await migrate(migrations).finally(() => migrations.close());
  }
  // While Redis is away its commands fail at once instead of queueing: publishes are held and replayed from the event
  // log, rate limits count in the process, /readyz says "degraded". Nothing a request awaits can hang on it.
  const redis = createRedisClient(config);
  let redisDown = false; // one warning per outage, not one per reconnect attempt
  redis.on('error', (error) => {
    if (!redisDown) logger.warn({ err: error }, 'redis error; reconnecting');
    redisDown = true;
  });
  redis.on('ready', () => {
    if (redisDown) logger.info('redis reconnected');
    redisDown = false;
  });
  await redis.connect().catch((error) => logger.warn({ err: error }, 'redis unavailable at start'));
  const app = createAppServices(config, logger, orm, redis);
  await app.realtime.start();
  const schema = await buildAppSchema();

  const httpServer = createServer();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.env !== 'production',
    hideSchemaDetailsFromClientErrors: config.env === 'production', // no "Did you mean ...?" suggestions
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's own landing pages load from a CDN; browsers get the bundled GraphiQL instead (GRAPHIQL).
      ApolloServerPluginLandingPageDisabled(),
      operationLimitsPlugin,
      operationObserverPlugin,
      readYourWritesPlugin,
      ...(config.exposeSqlCount ? [sqlCountExtension] : []),
    ],
  });
  await apollo.start();

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsHandle = startGraphQLWs(wsServer, schema, app, logger);
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

  const dispatcher = new OutboxDispatcher(orm, logger, config.outboxPollMs, createDeliveryAdapter(config, logger), app.eventBus);
  dispatcher.start();
  // Postgres-backed, so invitations expire and reminders fall due on time while Redis is down.
  const jobs = [invitationExpiryJob(app), followUpReminderJob(app), contactPurgeJob(app)];
  for (const job of jobs) job.start();

  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  logger.info(
    { port, databaseReplicas: config.databaseReplicaUrls.length, redis: config.redisClusterNodes ? 'cluster' : 'single' },
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
      await app.realtime.close();
      await orm.close();
      redis.disconnect();
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
  const contextFor = () => createRequestContext(app, req.headers.authorization, clientAddress, { requestId });
  // While draining, let clients' keep-alive connections end with this response instead of idling into the close.
  if (state.draining) res.setHeader('connection', 'close');
  if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname === '/metrics' && app.config.metrics) return handleMetricsRequest(req, res, app.metrics, app.config.metricsToken);
  if (url.pathname.startsWith(EXPLORER_ASSET_PATH) && explorer) return explorer.serveAsset(req, res, url.pathname.slice(EXPLORER_ASSET_PATH.length));
  if (url.pathname === '/graphql' && explorer && wantsExplorerPage(req, url)) return explorer.servePage(req, res);
  if (url.pathname === '/readyz') {
    // Without Redis an instance still answers queries and mutations (events wait in the log), so it stays in the load
    // balancer ("degraded"); without Postgres, or while draining, it is taken out.
    const checks = await readiness(app);
    const status = state.draining ? 'draining' : !checks.postgres ? 'unavailable' : !checks.redis ? 'degraded' : 'ok';
    return sendJson(res, checks.postgres && !state.draining ? 200 : 503, { status, ...checks, draining: state.draining });
  }
  if (url.pathname === '/oauth/token') return handleTokenRequest(req, res, app, clientAddress);
  if ((Object.values(IMPORT_PATHS) as string[]).includes(url.pathname)) {
    // An import writes for a while: its caller's queries read from the primary from its start to past its end.
    const recordWrite = async () => {
      const token = bearerToken(req.headers.authorization);
      const credential = token ? await app.tokens.verifyCredential(token) : null;
      await app.readRouter.recordWrite({ credential, clientAddress });
    };
    if (req.method === 'POST') await recordWrite();
    await handleImportRequest(req, res, url, contextFor);
    if (req.method === 'POST') await recordWrite();
    return;
  }
  if (url.pathname === '/dashboard' || url.pathname.startsWith('/dashboard/')) return handleDashboardRequest(req, res, url.pathname);
  if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found' });

  const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
  if (body instanceof Error) return sendJson(res, 400, { errors: [{ message: body.message, extensions: { code: 'BAD_REQUEST' } }] });
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  // Reads start on the primary; the limits gate lets a query onto a replica (`ReadRouter`).
  const response = await runWithSqlCounter(() =>
    runWithReadRoute(() => apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      // The viewer is loaded once the operation passed its limits (operationLimitsPlugin).
      context: () => createRequestContext(app, req.headers.authorization, clientAddress, { deferViewer: true, requestId }),
    })),
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

async function readiness(app: AppServices): Promise<{ postgres: boolean; redis: boolean }> {
  const timeout = <T>(promise: Promise<T>) =>
    Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timeout')), 2000).unref())]);
  const [postgres, redis] = await Promise.all([
    timeout(app.orm.em.getConnection().execute('select 1')).then(() => true, () => false),
    timeout(app.redis.ping()).then((answer) => answer === 'PONG', () => false),
  ]);
  return { postgres, redis };
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return new Error(`Request body larger than ${MAX_BODY_BYTES} bytes`);
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
