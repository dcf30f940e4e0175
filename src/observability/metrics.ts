import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** `type` label of operation metrics: the operation's kind, `unknown` when the document never resolved to one. */
export type OperationType = 'query' | 'mutation' | 'subscription' | 'unknown';

/** `outcome` label: `ok`, or the `extensions.code` of the first error answered. */
export type OperationOutcome = 'ok' | string;

/** One finished GraphQL operation, as the metrics see it. */
export interface OperationRecord {
  operation: string;
  type: OperationType;
  outcome: OperationOutcome;
  durationSeconds: number;
  /** SQL statements the operation ran; undefined when not counted (subscriptions). */
  sqlStatements?: number;
}

/** A queue whose length is read with a cheap SQL count when Prometheus scrapes. */
export interface BacklogGauge {
  name: string;
  help: string;
  read(): Promise<number>;
}

/** Most distinct operation names labelled; later names count as `other`, so clients cannot grow the series forever. */
const MAX_OPERATION_NAMES = 200;
const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,99}$/;
/** A scrape does not wait longer than this for the backlog counts. */
const BACKLOG_TIMEOUT_MS = 2000;

/**
 * The Prometheus metrics of one gateway: a registry of its own (tests run several gateways in one process, and the
 * global registry would refuse the second), the default Node process metrics, and the gateway's own (named in
 * docs/operations.md, "Observability").
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();
  private readonly operations: Counter<'operation' | 'type' | 'outcome'>;
  private readonly duration: Histogram<'operation' | 'type'>;
  private readonly sqlStatements: Histogram<'operation' | 'type'>;
  private readonly subscriptions: Gauge<'subscription'>;
  private readonly eventsPublished: Counter<'topic'>;
  private readonly eventPublishErrors: Counter<'topic'>;
  private readonly eventsDelivered: Counter<'subscription'>;
  /** The counter's child per subscription field: an event reaches thousands of sockets, each counted. */
  private readonly deliveredBySubscription = new Map<string, { inc(): void }>();
  readonly outboxAttempts: Counter<'channel' | 'outcome'>;
  private readonly backlogs: Array<{ name: string; gauge: Gauge; read: () => Promise<number> }> = [];
  private openSockets: () => number = () => 0;

  constructor(private readonly onBacklogError: (error: unknown, name: string) => void = () => undefined) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.operations = new Counter({
      name: 'orggraph_graphql_operations_total',
      help: 'GraphQL operations by operation name, type and outcome (ok, or the error code answered)',
      labelNames: ['operation', 'type', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'orggraph_graphql_operation_duration_seconds',
      help: 'Time from receiving a GraphQL operation to its response (a subscription: until it is set up)',
      labelNames: ['operation', 'type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    this.sqlStatements = new Histogram({
      name: 'orggraph_graphql_operation_sql_statements',
      help: 'SQL statements run by one GraphQL operation over HTTP',
      labelNames: ['operation', 'type'],
      buckets: [0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 64, 128],
      registers,
    });
    const metrics = this;
    new Gauge({
      name: 'orggraph_websocket_connections',
      help: 'Open graphql-ws sockets',
      registers,
      collect() {
        this.set(metrics.openSockets());
      },
    });
    this.subscriptions = new Gauge({
      name: 'orggraph_subscriptions_active',
      help: 'Running subscriptions by subscription field',
      labelNames: ['subscription'],
      registers,
    });
    this.eventsPublished = new Counter({
      name: 'orggraph_events_published_total',
      help: 'Committed events this process published to Redis, by topic',
      labelNames: ['topic'],
      registers,
    });
    this.eventPublishErrors = new Counter({
      name: 'orggraph_event_publish_errors_total',
      help: 'Redis publishes that failed (subscribers replay those events from the log), by topic',
      labelNames: ['topic'],
      registers,
    });
    this.eventsDelivered = new Counter({
      name: 'orggraph_events_delivered_total',
      help: 'Subscription results sent to subscribers, by subscription field',
      labelNames: ['subscription'],
      registers,
    });
    this.outboxAttempts = new Counter({
      name: 'orggraph_outbox_attempts_total',
      help: 'SMS and email delivery attempts of this process, by channel and outcome (sent, retry: failed and due again, failed: given up)',
      labelNames: ['channel', 'outcome'],
      registers,
    });
  }

  /** The Prometheus text exposition; backlog gauges are read first (in parallel, each with a timeout). */
  async scrape(): Promise<string> {
    await Promise.all(
      this.backlogs.map(async ({ name, gauge, read }) => {
        try {
          gauge.set(await withTimeout(read(), BACKLOG_TIMEOUT_MS));
        } catch (error) {
          gauge.set(Number.NaN); // unknown this time, rather than a stale count
          this.onBacklogError(error, name);
        }
      }),
    );
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A gauge refreshed on every scrape with `read()`. */
  addBacklog({ name, help, read }: BacklogGauge): void {
    this.backlogs.push({ name, gauge: new Gauge({ name, help, registers: [this.registry] }), read });
  }

  /** Where `orggraph_websocket_connections` is read from on scrape. */
  countSocketsWith(openSockets: () => number): void {
    this.openSockets = openSockets;
  }

  /** The `operation` label for a client-chosen name: bounded in number and shape. */
  operationLabel(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (!OPERATION_NAME.test(name)) return 'invalid';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return 'other';
    this.operationNames.add(name);
    return name;
  }

  recordOperation({ operation, type, outcome, durationSeconds, sqlStatements }: OperationRecord): void {
    this.operations.inc({ operation, type, outcome });
    this.duration.observe({ operation, type }, durationSeconds);
    if (sqlStatements !== undefined) this.sqlStatements.observe({ operation, type }, sqlStatements);
  }

  subscriptionStarted(subscription: string): void {
    this.subscriptions.inc({ subscription });
  }

  subscriptionEnded(subscription: string): void {
    this.subscriptions.dec({ subscription });
  }

  eventPublished(topic: string): void {
    this.eventsPublished.inc({ topic });
  }

  eventPublishFailed(topic: string): void {
    this.eventPublishErrors.inc({ topic });
  }

  eventDelivered(subscription: string): void {
    let child = this.deliveredBySubscription.get(subscription);
    if (!child) this.deliveredBySubscription.set(subscription, (child = this.eventsDelivered.labels({ subscription })));
    child.inc();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
