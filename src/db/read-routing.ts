import { AsyncLocalStorage } from 'node:async_hooks';
import type { ConnectionType } from '@mikro-orm/core';
import { PostgreSqlDriver, type EntityManager, type PostgreSqlConnection } from '@mikro-orm/postgresql';

/**
 * Where the reads of the current HTTP operation go. Everything starts on the primary; an operation is let onto the
 * replicas only once it is known to be a query whose caller has no recent write to see (`ReadRouter`). Code running
 * outside an HTTP operation (subscriptions, the event hub, jobs, the outbox, migrations) never reads from a replica.
 */
interface ReadRoute {
  replica: boolean;
  /** Set by a mutation of the same request: a later operation of a batch stays on the primary too. */
  pinned: boolean;
}

const routes = new AsyncLocalStorage<ReadRoute>();

/** Runs one HTTP request with its reads on the primary until `allowReplicaReads` says otherwise. */
export function runWithReadRoute<T>(fn: () => T): T {
  return routes.run({ replica: false, pinned: false }, fn);
}

/** The rest of the current request may read from a replica (unless a mutation of it pinned it to the primary). */
export function allowReplicaReads(): void {
  const route = routes.getStore();
  if (route && !route.pinned) route.replica = true;
}

/** The rest of the current request reads from the primary. */
export function pinReadsToPrimary(): void {
  const route = routes.getStore();
  if (route) Object.assign(route, { replica: false, pinned: true });
}

/** True inside an HTTP operation (`runWithReadRoute`): only those may be routed to a replica. */
export function insideReadRoute(): boolean {
  return routes.getStore() !== undefined;
}

/** True when reads of the current async context may go to a replica. */
export function replicaReadsAllowed(): boolean {
  return routes.getStore()?.replica ?? false;
}

/**
 * MikroORM's Postgres driver, with its choice of connection routed: MikroORM asks for a `read` connection for every
 * SELECT outside a transaction (`preferReadReplicas`), and gets a replica only when the current operation allows it;
 * otherwise (and for `write`) the primary. Transactions always run on the primary (MikroORM begins them on `write`).
 */
export class ReplicaRoutingPostgreSqlDriver extends PostgreSqlDriver {
  override getConnection(type: ConnectionType = 'write'): PostgreSqlConnection {
    return super.getConnection(type === 'read' && replicaReadsAllowed() ? 'read' : 'write');
  }

  /** The replicas' connections (empty without `DATABASE_REPLICA_URLS`). */
  get replicaConnections(): readonly PostgreSqlConnection[] {
    return this.replicas;
  }
}

/** The replicas' connections of `em`'s driver: empty without replicas (and for the embedded database's driver). */
export function replicaConnectionsOf(em: EntityManager): readonly PostgreSqlConnection[] {
  const driver = em.getDriver();
  return driver instanceof ReplicaRoutingPostgreSqlDriver ? driver.replicaConnections : [];
}

/**
 * A raw SQL read that follows the routing: inside a transaction it runs in that transaction (on the primary); outside,
 * on a replica when the operation may read from one (`em.getConnection('read')`), else on the primary.
 */
export function executeRead<T = Array<Record<string, any>>>(em: EntityManager, sql: string, params: unknown[] = []): Promise<T> {
  if (em.isInTransaction()) return em.execute(sql, params) as Promise<T>;
  return em.getConnection('read').execute(sql, params) as Promise<T>;
}
