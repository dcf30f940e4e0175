import { AsyncLocalStorage } from 'node:async_hooks';

/** Counts SQL statements per request, for `extensions.sqlStatements`, the tests and the benchmark. */
const store = new AsyncLocalStorage<{ statements: number }>();

export function runWithSqlCounter<T>(fn: () => T): T {
  return store.run({ statements: 0 }, fn);
}

export function countSqlStatement(): void {
  const counter = store.getStore();
  if (counter) counter.statements++;
}

export function sqlStatementsSoFar(): number | undefined {
  return store.getStore()?.statements;
}
