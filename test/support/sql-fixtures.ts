import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

/**
 * Direct SQL on the run's test database, for set-ups no operation offers yet (quotas, departments, seeded members).
 * One small pool per test file, closed after the file.
 */
let pool: pg.Pool | undefined;
afterAll(async () => {
  await pool?.end();
  pool = undefined;
});

export async function sql<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  pool ??= new pg.Pool({ connectionString: inject('databaseUrl'), max: 3 });
  return (await pool.query(text, params)).rows as T[];
}

// The wire format of global ids (base64url of `Type:rawId`), spelled out here so helpers need not load the schema code.
export function toGlobalId(type: string, rawId: string): string {
  return Buffer.from(`${type}:${rawId}`).toString('base64url');
}

/** The raw uuid behind a global id. */
export function rawIdOf(globalId: string): string {
  const decoded = Buffer.from(globalId, 'base64url').toString('utf8');
  const separator = decoded.indexOf(':');
  if (separator <= 0) throw new Error(`not a global id: ${globalId}`);
  return decoded.slice(separator + 1);
}

export async function setMemberLimit(orgId: string, limit: number): Promise<void> {
  await sql('update orgs set member_limit = $1 where id = $2', [limit, rawIdOf(orgId)]);
}

export interface SeededDepartment {
  /** Global id. */
  id: string;
  rawId: string;
  path: string;
}

/** Inserts a department under `parentId` (a global id), or under the org root when null. Path: `<parent.path><id>/`. */
export async function insertDepartment(orgId: string, name: string, parentId: string | null = null): Promise<SeededDepartment> {
  const org = rawIdOf(orgId);
  const [parent] = await sql<{ id: string; path: string }>(
    parentId
      ? 'select id, path from departments where org_id = $1 and id = $2'
      : 'select d.id, d.path from departments d join orgs o on o.root_department_id = d.id where o.id = $1',
    parentId ? [org, rawIdOf(parentId)] : [org],
  );
  if (!parent) throw new Error('parent department not found');
  const id = randomUUID();
  const path = `${parent.path}${id}/`;
  await sql('insert into departments (id, org_id, name, parent_id, path) values ($1, $2, $3, $4, $5)', [id, org, name, parent.id, path]);
  return { id: toGlobalId('Department', id), rawId: id, path };
}

/** The global id of one of the org's built-in roles. */
export async function builtinRoleId(orgId: string, builtin: 'OWNER' | 'ADMIN' | 'SUB_ADMIN' | 'MEMBER'): Promise<string> {
  const [role] = await sql<{ id: string }>('select id from roles where org_id = $1 and builtin = $2', [rawIdOf(orgId), builtin]);
  return toGlobalId('Role', role!.id);
}
