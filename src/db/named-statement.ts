import { createHash } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Knex } from '@mikro-orm/knex';
import { countSqlStatement } from './sql-counter';

// The driver's own conversion of a parameter to its text form (no type declarations ship for it).
const { prepareValue } = require('pg/lib/utils') as { prepareValue(value: unknown): string | null };

/** A read written once with `$n` placeholders; its name lets Postgres plan it once per connection. */
export interface NamedStatement {
  name: string;
  text: string;
  /**
   * Run with Postgres's generic plan (planned once per connection): for statements written for it (every value a
   * filter or gate the plan cannot see through), whose custom plan costs more to make than to run (see
   * `queryNamed`).
   */
  genericPlan?: boolean;
}

/**
 * Runs a hot read as a named prepared statement straight on a pooled pg connection: no query building, no values
 * inlined into the text, plain rows back. Follows the routing of `executeRead`: inside a transaction on its
 * connection, outside on a replica when the operation may read from one, else on the primary.
 */
export async function queryNamed<T>(em: EntityManager, statement: NamedStatement, values: unknown[]): Promise<T[]> {
  const knex: Knex = em.isInTransaction() ? (em.getTransactionContext() as Knex.Transaction) : em.getConnection('read').getKnex();
  const client = knex.client as { acquireConnection(): Promise<PgConnection>; releaseConnection(connection: PgConnection): Promise<void> };
  const connection = await client.acquireConnection();
  try {
    countSqlStatement();
    if (statement.genericPlan && statement.name) return (await runGeneric(connection, statement, values)) as T[];
    const result = (await connection.query(statement.name ? { name: statement.name, text: statement.text, values } : { text: statement.text, values })) as { rows: unknown[] };
    return result.rows as T[];
  } finally {
    await client.releaseConnection(connection);
  }
}

const namesByText = new Map<string, string>();
const MAX_NAMED_TEXTS = 2_000;

/**
 * A statement named after its text, for SQL built at run time (a query builder's output): each distinct text is
 * prepared once per connection. Past `MAX_NAMED_TEXTS` distinct texts, new ones go unnamed rather than grow every
 * connection's statement cache without bound.
 */
export function statementFor(text: string, { genericPlan = false }: { genericPlan?: boolean } = {}): NamedStatement {
  let name = namesByText.get(text);
  if (name === undefined && namesByText.size < MAX_NAMED_TEXTS) {
    name = `built-${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    namesByText.set(text, name);
  }
  return { name: name ?? '', text, ...(genericPlan && { genericPlan }) };
}

interface PgConnection {
  query(config: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: unknown[] } | Array<{ rows: unknown[] }>>;
  escapeLiteral(value: string): string;
}

/** The generic-plan statements each connection has prepared (by SQL `PREPARE`, as `generic-<name>`). */
const preparedGeneric = new WeakMap<PgConnection, Set<string>>();

/**
 * Runs a statement with its generic plan, in one round trip. Postgres keeps planning a statement anew for its values
 * (a custom plan) while that looks cheaper than its generic plan; a search's many gated branches make it look so,
 * and planning them took 3-15 ms where running the generic plan takes under one (issue 14). `plan_cache_mode` is a
 * session setting, so it is set for this statement only and put back in the same simple-protocol message: `set`,
 * `execute` of the statement prepared once per connection by SQL `PREPARE` (the same types inferred as for a
 * protocol-level one) with its values as literals (`escapeLiteral`), `reset`.
 */
async function runGeneric(connection: PgConnection, statement: NamedStatement, values: unknown[]): Promise<unknown[]> {
  const name = `generic_${statement.name.replace(/[^A-Za-z0-9_]/g, '_')}`;
  let prepared = preparedGeneric.get(connection);
  if (!prepared) preparedGeneric.set(connection, (prepared = new Set()));
  const literals = values.map((value) => {
    const text = prepareValue(value); // as the driver sends a parameter: dates, arrays, buffers, JSON
    return text === null || text === undefined ? 'null' : connection.escapeLiteral(String(text));
  });
  const execute = `execute ${name}${literals.length ? `(${literals.join(', ')})` : ''}`;
  const prepare = prepared.has(name) ? '' : `prepare ${name} as ${statement.text};\n`;
  let results;
  try {
    results = await connection.query({ text: `${prepare}set plan_cache_mode = force_generic_plan;\n${execute};\nreset plan_cache_mode` });
  } catch (error) {
    // Prepared by an earlier message that then failed (PREPARE is not undone with it): run it as prepared.
    if ((error as { code?: string }).code !== '42P05' || !prepare) throw error;
    prepared.add(name);
    return runGeneric(connection, statement, values);
  }
  prepared.add(name);
  const all = Array.isArray(results) ? results : [results];
  return all[all.length - 2]!.rows;
}
