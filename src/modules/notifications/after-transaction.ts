import type { EntityManager } from '@mikro-orm/postgresql';

/** The parts of a knex transaction this relies on: its outer transaction, and a promise settled once it has ended. */
interface KnexTransaction {
  parentTransaction?: KnexTransaction;
  executionPromise?: Promise<unknown>;
}

/**
 * Runs `run` once the outermost transaction `tx` belongs to has ended, committed or rolled back: knex settles its
 * `executionPromise` either way (MikroORM ends it without an error), so `run` must find out which, e.g. by reading a row
 * the transaction wrote. For code that writes into a transaction it did not open (`notifyMembers`), where `withEvents`
 * cannot publish for it.
 */
export function afterTransaction(tx: EntityManager, run: () => Promise<void>): void {
  let transaction = tx.getTransactionContext<KnexTransaction>();
  if (!transaction) throw new Error('afterTransaction must run inside a transaction');
  while (transaction.parentTransaction) transaction = transaction.parentTransaction;
  const settled = transaction.executionPromise ?? Promise.resolve();
  void settled.then(run, run).catch(() => undefined);
}
