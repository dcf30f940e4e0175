import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { createAppServices, type AppServices } from './app';
import type { Config } from './config';
import { embeddedJwtSecret, startEmbeddedPostgres, type EmbeddedPostgres } from './db/embedded-postgres';
import { ensureDatabase, migrate, openOrm, type Orm } from './db/orm';
import { runWithSqlCounter } from './db/sql-counter';
import type { GraphQLContext } from './graphql/context';
import { createLoaders } from './graphql/loaders';
import { createErrorFormatter, sqlCountExtension } from './graphql/plugins';
import { createRequestContext } from './graphql/request-context';
import { buildAppSchema } from './graphql/schema';
import { operationLimitsPlugin } from './limits/operation-limits.plugin';
import { handleTokenRequest } from './modules/api-clients';
import { invitationExpiryJob } from './modules/invitations';
import { createDeliveryAdapter } from './modules/outbox/delivery';
import { handleImportRequest } from './modules/imports/imports.http';
import { OutboxDispatcher } from './modules/outbox/outbox.dispatcher';
import { startGraphQLWs } from './realtime/graphql-ws';
import { InProcessPubSub, RedisPubSub, type PubSub } from './realtime/pubsub';

const MAX_BODY_BYTES = 1024 * 1024;

export interface Gateway {
  url: string;
  port: number;
  app: AppServices;
  /** Drains: stops accepting, finishes requests in flight, closes sockets with 1001, then the ORM, Redis and PGlite. */
  close(): Promise<void>;
}

/** Starts one gateway process: HTTP GraphQL and graphql-ws on one port, plus health endpoints. */
export async function startGateway(given: Config, logger: Logger = pino({ level: given.logLevel })): Promise<Gateway> {
  let config = given;
  if (config.jwtSecretIsRandom && !config.databaseUrl) {
    config = { ...config, jwtSecret: embeddedJwtSecret(config.dataDir), jwtSecretIsRandom: false };
    logger.info({ dataDir: config.dataDir }, 'JWT_SECRET is not set: using the secret kept in the data folder');
  }
  if (config.jwtSecretIsRandom) logger.warn('JWT_SECRET is not set: using a random secret, tokens end with this process');
  const { orm, embeddedPostgres } = await openDatabase(config, logger);
  let pubsub: PubSub;
  if (config.redisUrl) {
    const redis = new RedisPubSub(config.redisUrl, logger);
    await redis.connect();
    pubsub = redis;
  } else {
    pubsub = new InProcessPubSub();
  }
  logServices(config, logger, embeddedPostgres);
  const app = createAppServices(config, logger, orm, pubsub);
  await app.realtime.start();
  const schema = await buildAppSchema();

  const contextFor = (authorization: string | undefined, clientAddress: string | null): Promise<GraphQLContext> =>
    createRequestContext(app, authorization, clientAddress);

  const httpServer = createServer();
  const apollo = new ApolloServer<GraphQLContext>({
    schema,
    introspection: config.env !== 'production',
    hideSchemaDetailsFromClientErrors: config.env === 'production', // no "Did you mean ...?" suggestions
    parseOptions: { maxTokens: config.operationLimits.maxTokens },
    includeStacktraceInErrorResponses: false,
    formatError: createErrorFormatter(logger),
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer }), operationLimitsPlugin, ...(config.exposeSqlCount ? [sqlCountExtension] : [])],
  });
  await apollo.start();

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const wsHandle = startGraphQLWs(wsServer, schema, app, logger);

  const state = { draining: false };
  httpServer.on('request', (req, res) => {
    handleHttp(req, res, apollo, contextFor, app, state).catch((error) => {
      logger.error({ err: error }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      else res.end();
    });
  });

  const dispatcher = new OutboxDispatcher(orm, logger, config.outboxPollMs, createDeliveryAdapter(config, logger), app.eventBus);
  dispatcher.start();
  // Postgres-backed, so invitations expire on time while Redis is down.
  const jobs = [invitationExpiryJob(app)];
  for (const job of jobs) job.start();

  await new Promise<void>((resolve) => httpServer.listen(config.port, config.host, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  logger.info({ port }, 'orggraph gateway listening');

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
      pubsub.close();
      await embeddedPostgres?.close();
    })());

  return { url: `http://127.0.0.1:${port}/graphql`, port, app, close };
}

/** Opens and migrates PostgreSQL: the one at `databaseUrl`, or without it an embedded one (a pool of one connection). */
async function openDatabase(config: Config, logger: Logger): Promise<{ orm: Orm; embeddedPostgres: EmbeddedPostgres | null }> {
  if (config.databaseUrl) {
    await ensureDatabase(config.databaseUrl);
    const orm = await openOrm(config.databaseUrl, logger, { poolMax: config.databasePoolMax });
    await migrate(orm);
    return { orm, embeddedPostgres: null };
  }
  const embeddedPostgres = await startEmbeddedPostgres(config.dataDir, logger);
  try {
    const orm = await openOrm(embeddedPostgres.url, logger, { poolMax: 1 });
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
  const pubsub = config.redisUrl ? 'redis' : 'in-process';
  if (!embeddedPostgres && config.redisUrl) {
    logger.info({ database, pubsub }, 'using PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)');
    return;
  }
  const parts: string[] = [];
  if (embeddedPostgres) parts.push(`PostgreSQL runs inside this process (PGlite, no DATABASE_URL), data in ${embeddedPostgres.directory}`);
  if (!config.redisUrl) parts.push('pub/sub and rate limits are in-process (no REDIS_URL)');
  const limits: string[] = [];
  if (!config.redisUrl) limits.push('events reach only the subscribers of this process and rate limits are counted per process');
  if (embeddedPostgres) limits.push('the data folder serves one process, on one database connection (requests queue for it)');
  logger.warn(
    { mode: 'embedded', database, pubsub, dataDir: embeddedPostgres ? config.dataDir : undefined },
    `embedded mode: ${parts.join('; ')}. One gateway instance only: ${limits.join('; ')}. ` +
      'For several instances or production set DATABASE_URL and REDIS_URL.',
  );
}

async function handleHttp(
  req: IncomingMessage,
  res: ServerResponse,
  apollo: ApolloServer<GraphQLContext>,
  contextFor: (authorization: string | undefined, clientAddress: string | null) => Promise<GraphQLContext>,
  app: AppServices,
  state: { draining: boolean },
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  // While draining, let clients' keep-alive connections end with this response instead of idling into the close.
  if (state.draining) res.setHeader('connection', 'close');
  if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
  if (url.pathname === '/readyz') {
    const checks = await readiness(app);
    const ready = checks.postgres && checks.pubsub && !state.draining;
    // `redis` with Redis, `pubsub` for the in-process one.
    const { postgres, pubsub } = checks;
    const body = app.pubsub.kind === 'redis' ? { postgres, redis: pubsub } : { postgres, pubsub };
    return sendJson(res, ready ? 200 : 503, { ...body, draining: state.draining });
  }
  if (url.pathname === '/oauth/token') return handleTokenRequest(req, res, app, req.socket.remoteAddress ?? null);
  if (url.pathname === '/imports') {
    return handleImportRequest(req, res, url, () => contextFor(req.headers.authorization, req.socket.remoteAddress ?? null));
  }
  if (url.pathname !== '/graphql') return sendJson(res, 404, { error: 'Not found' });

  const body = req.method === 'POST' ? await readJsonBody(req) : undefined;
  if (body instanceof Error) return sendJson(res, 400, { errors: [{ message: body.message, extensions: { code: 'BAD_REQUEST' } }] });
  const headers = new HeaderMap();
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await runWithSqlCounter(() =>
    apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search: url.search, body },
      // The viewer is loaded once the operation passed its limits (operationLimitsPlugin).
      context: () => createRequestContext(app, req.headers.authorization, req.socket.remoteAddress ?? null, { deferViewer: true }),
    }),
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
