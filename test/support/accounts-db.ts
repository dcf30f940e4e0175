import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { rawIdOf } from './sql-fixtures';

export { rawIdOf };

/** Runs one SQL statement against the run's test database, for what the API deliberately cannot do (expire a code). */
export async function sql<T extends pg.QueryResultRow = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
  databaseUrl = inject('databaseUrl'),
): Promise<T[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/**
 * A member added to the org's root department with the MEMBER role, as an admin's manual add would leave it
 * (PENDING, no account). Written through SQL because adding members belongs to the members module.
 */
export async function insertMember(orgGlobalId: string, fields: { name: string; phone?: string | null }): Promise<{ id: string; rawId: string }> {
  const orgId = rawIdOf(orgGlobalId);
  const id = randomUUID();
  const [org] = await sql<{ root_department_id: string; role_id: string }>(
    `select o.root_department_id, r.id as role_id from orgs o join roles r on r.org_id = o.id and r.builtin = 'MEMBER' where o.id = $1`,
    [orgId],
  );
  await sql(
    `with m as (insert into members (id, org_id, name, phone, status) values ($1, $2, $3, $4, 'PENDING')),
          d as (insert into member_departments (member_id, department_id, org_id) values ($1, $5, $2))
     insert into member_roles (id, org_id, member_id, role_id) values ($6, $2, $1, $7)`,
    [id, orgId, fields.name, fields.phone ?? null, org!.root_department_id, randomUUID(), org!.role_id],
  );
  return { id: Buffer.from(`Member:${id}`).toString('base64url'), rawId: id };
}
