import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { createAppServices, type AppServices } from './app';
import type { Config } from './config';
import { ensureDatabase, migrate, openOrm } from './db/orm';
import { runWithSqlCounter } from './db/sql-counter';
import type { GraphQLContext } from './graphql/context';
import { createLoaders } from './graphql/loaders';
import { createErrorFormatter, sqlCountExtension } from './graphql/plugins';
import { createRequestContext } from './graphql/request-context';
import { buildAppSchema } from './graphql/schema';
import { operationLimitsPlugin } from './limits/operation-limits.plugin';
import { handleTokenRequest } from './modules/api-clients';
import { contactPurgeJob, followUpReminderJob } from './modules/contacts';
import { invitationExpiryJob } from './modules/invitations';
import { createDeliveryAdapter } from './modules/outbox/delivery';
import { handleImportRequest } from './modules/imports/imports.http';
import { OutboxDispatcher } from './modules/outbox/outbox.dispatcher';
import { startGraphQLWs } from './realtime/graphql-ws';

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
  const orm = await openOrm(config.databaseUrl, logger);
  await migrate(orm);
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', (error) => logger.warn({ err: error }, 'redis error'));
  await redis.connect().catch((error) => logger.warn({ err: error }, 'redis unavailable at start'));
  const app = createAppServices(config, logger, orm, redis);
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
  // Postgres-backed, so invitations expire and reminders fall due on time while Redis is down.
  const jobs = [invitationExpiryJob(app), followUpReminderJob(app), contactPurgeJob(app)];
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
      redis.disconnect();
    })());

  return { url: `http://127.0.0.1:${port}/graphql`, port, app, close };
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
    const ready = checks.postgres && checks.redis && !state.draining;
    return sendJson(res, ready ? 200 : 503, { ...checks, draining: state.draining });
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
