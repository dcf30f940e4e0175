import { randomUUID } from 'node:crypto';
import { hashPassword } from '../../src/auth/password';
import { LogInDocument, SwitchOrgDocument } from '../generated/graphql';
import type { GraphQLClient } from './client';
import { PASSWORD, uniquePhone } from './factories';
import { TEST_SCRYPT_PARAMS } from './gateway';
import { rawIdOf, sql, toGlobalId } from './sql-fixtures';

export interface SeedMemberOptions {
  name?: string;
  /** Built-in role to hold (default MEMBER). */
  role?: 'OWNER' | 'ADMIN' | 'SUB_ADMIN' | 'MEMBER';
  /** Global ids of the departments the role is limited to (needed for SUB_ADMIN). */
  scopeDepartmentIds?: string[];
  /** Global id of the department to place the member in (default: the org root). */
  departmentId?: string;
  email?: string;
  employeeNo?: string;
}

export interface SeededMember {
  /** Signed in, with a token scoped to the org. */
  client: GraphQLClient;
  /** Global id of the membership. */
  memberId: string;
  userId: string;
  phone: string;
  name: string;
}

/**
 * An ACTIVE member with a login, written with SQL (a personal `users` row, `members`, `member_departments`,
 * `member_roles`), then signed in with `logIn` + `switchOrg`. For tests that need a second person in an org
 * before invitations exist.
 */
export async function seedActiveMember(client: GraphQLClient, orgId: string, options: SeedMemberOptions = {}): Promise<SeededMember> {
  const org = rawIdOf(orgId);
  const name = options.name ?? 'Seeded Member';
  const phone = uniquePhone();
  const userId = randomUUID();
  const memberId = randomUUID();
  await sql(
    `insert into users (id, kind, name, phone, phone_verified_at, password_hash) values ($1, 'PERSONAL', $2, $3, now(), $4)`,
    [userId, name, phone, await hashPassword(PASSWORD, TEST_SCRYPT_PARAMS)],
  );
  await sql(
    `insert into members (id, org_id, user_id, name, phone, email, employee_no, status, joined_at)
     values ($1, $2, $3, $4, $5, $6, $7, 'ACTIVE', now())`,
    [memberId, org, userId, name, phone, options.email ?? null, options.employeeNo ?? null],
  );
  const [placement] = options.departmentId
    ? [{ id: rawIdOf(options.departmentId) }]
    : await sql<{ id: string }>('select root_department_id as id from orgs where id = $1', [org]);
  await sql('insert into member_departments (member_id, department_id, org_id) values ($1, $2, $3)', [memberId, placement!.id, org]);
  await sql(
    `insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
     select $1, $2, $3, r.id, $4::jsonb from roles r where r.org_id = $2 and r.builtin = $5`,
    [randomUUID(), org, memberId, JSON.stringify((options.scopeDepartmentIds ?? []).map(rawIdOf)), options.role ?? 'MEMBER'],
  );

  const { logIn } = await client.ok(LogInDocument, { input: { phone, password: PASSWORD } });
  const { switchOrg } = await client.as(logIn.token).ok(SwitchOrgDocument, { orgId });
  return { client: client.as(switchOrg.token), memberId: toGlobalId('Member', memberId), userId, phone, name };
}
