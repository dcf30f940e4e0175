import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';
import { SwitchOrgDocument } from '../generated/graphql';
import type { GraphQLClient } from './client';
import { signUpUser } from './factories';

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

/** A pool of its own on the run's test database, closed after the file. */
export function openTestDatabase(): pg.Pool {
  const own = new pg.Pool({ connectionString: inject('databaseUrl'), max: 4 });
  afterAll(() => own.end());
  return own;
}

export const globalIdOf = toGlobalId;

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
