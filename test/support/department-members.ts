import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { rawIdOf } from './sql-fixtures';

/**
 * Writes a member placed in the given departments straight into the test database, to set up member counts
 * while `addMember` (members module) does not exist yet. Replace with `addMember` once it does.
 * With `userId`, that user can then `switchOrg` into the org as a plain member (no role).
 */
export async function insertPlacedMember(
  orgId: string,
  departmentIds: string[],
  options: { status?: 'PENDING' | 'ACTIVE' | 'DISABLED'; userId?: string; name?: string } = {},
): Promise<string> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  const memberId = randomUUID();
  const status = options.status ?? 'ACTIVE';
  try {
    await client.query('begin');
    await client.query(
      `insert into members (id, org_id, user_id, name, status, joined_at) values ($1, $2, $3, $4, $5, $6)`,
      [memberId, rawIdOf(orgId), options.userId ? rawIdOf(options.userId) : null, options.name ?? 'Placed Member', status, status === 'PENDING' ? null : new Date()],
    );
    for (const departmentId of departmentIds) {
      await client.query('insert into member_departments (member_id, department_id, org_id) values ($1, $2, $3)', [
        memberId,
        rawIdOf(departmentId),
        rawIdOf(orgId),
      ]);
    }
    await client.query('commit');
  } finally {
    await client.end();
  }
  return memberId;
}
