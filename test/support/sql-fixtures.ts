import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { SwitchOrgDocument } from '../generated/graphql';
import type { GraphQLClient } from './client';
import { signUpUser } from './factories';

/**
 * Direct SQL access to the run's test database, for fixtures no operation of this branch creates yet
 * (members other than the owner, sub-departments). Call from `beforeAll`; the pool closes after the file.
 */
export function openTestDatabase(): pg.Pool {
  const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
  afterAll(() => pool.end());
  return pool;
}

export function rawIdOf(globalId: string): string {
  return Buffer.from(globalId, 'base64url').toString('utf8').split(':')[1]!;
}

export function globalIdOf(type: string, rawId: string): string {
  return Buffer.from(`${type}:${rawId}`).toString('base64url');
}

/** An org as `createOrgWithOwner` returns it. */
interface OrgRef {
  org: { id: string; rootDepartment: { id: string } };
}

/**
 * A new user who is an ACTIVE member of `org` (in the root department, holding MEMBER), with a client
 * whose token is scoped to that org.
 */
export async function addMemberWithSql(db: pg.Pool, client: GraphQLClient, { org }: OrgRef, name = 'Member') {
  const user = await signUpUser(client, name);
  const orgId = rawIdOf(org.id);
  const memberId = randomUUID();
  await db.query(
    `insert into members (id, org_id, user_id, name, status, joined_at) values ($1, $2, $3, $4, 'ACTIVE', now())`,
    [memberId, orgId, rawIdOf(user.user.id), name],
  );
  await db.query(`insert into member_departments (member_id, department_id, org_id) values ($1, $2, $3)`, [
    memberId,
    rawIdOf(org.rootDepartment.id),
    orgId,
  ]);
  await db.query(
    `insert into member_roles (id, org_id, member_id, role_id) select $1, $2, $3, id from roles where org_id = $2 and builtin = 'MEMBER'`,
    [randomUUID(), orgId, memberId],
  );
  const { switchOrg } = await user.client.ok(SwitchOrgDocument, { orgId: org.id });
  return { client: client.as(switchOrg.token), memberId: globalIdOf('Member', memberId), userId: user.user.id, phone: user.phone };
}

/** A department under `parentId` (a global id; the org root when omitted). Returns its global id. */
export async function addDepartmentWithSql(db: pg.Pool, { org }: OrgRef, name: string, parentId = org.rootDepartment.id): Promise<string> {
  const id = randomUUID();
  const parent = await db.query<{ path: string }>(`select path from departments where id = $1`, [rawIdOf(parentId)]);
  await db.query(`insert into departments (id, org_id, name, parent_id, path) values ($1, $2, $3, $4, $5)`, [
    id,
    rawIdOf(org.id),
    name,
    rawIdOf(parentId),
    `${parent.rows[0]!.path}${id}/`,
  ]);
  return globalIdOf('Department', id);
}
