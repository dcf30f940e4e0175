import type { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/knex';
import type pg from 'pg';
import { countSqlStatement } from './sql-counter';

/**
 * Runs one statement with `$1`, `$2`, … parameters on the connection of `tx`'s transaction, the parameters sent
 * apart from the text (the extended protocol), as bulk statements want them: `tx.execute` inlines every parameter
 * into the SQL text first (escaping it character by character in JS, for Postgres to parse back), which for a
 * batch's megabyte of JSON costs more than the statement. Counted like any statement (`extensions.sqlStatements`).
 */
export async function nativeQuery<T = Record<string, unknown>>(tx: EntityManager, sql: string, params: unknown[]): Promise<T[]> {
  const transaction = tx.getTransactionContext<Knex.Transaction>();
  if (!transaction) throw new Error('nativeQuery must run inside a transaction');
  const connection = (await transaction.client.acquireConnection()) as pg.ClientBase;
  countSqlStatement();
  const result = await connection.query(sql, params);
  return result.rows as T[];
}
