import { randomUUID } from 'node:crypto';
import {
  AddMemberDocument,
  AssignRoleDocument,
  ChangePasswordDocument,
  CreateEnterpriseAccountDocument,
  LogInWithEnterpriseAccountDocument,
} from '../generated/graphql';
import type { GraphQLClient } from './client';
import { PASSWORD, uniquePhone } from './factories';

export interface Person {
  /** Signed in to the org. */
  client: GraphQLClient;
  memberId: string;
  phone: string;
}

/**
 * A person who joins an org entirely through the API, as an admin onboards staff with enterprise accounts [004]:
 * `addMember` (PENDING), `createEnterpriseAccount` (ACTIVE), first log-in, `changePassword`; then each role in
 * `roles` is assigned with its scope.
 */
export async function addPersonWithLogin(
  admin: GraphQLClient,
  orgCode: string,
  options: {
    name?: string;
    departmentIds?: string[];
    email?: string;
    employeeNo?: string;
    roles?: Array<{ roleId: string; scopeDepartmentIds?: string[] }>;
  } = {},
): Promise<Person> {
  const phone = uniquePhone();
  const { addMember } = await admin.ok(AddMemberDocument, {
    input: { name: options.name ?? 'Person', phone, email: options.email, employeeNo: options.employeeNo, departmentIds: options.departmentIds },
  });
  const loginName = `p${randomUUID().slice(0, 8)}`;
  const { createEnterpriseAccount } = await admin.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName });
  const { logInWithEnterpriseAccount } = await admin
    .as(undefined)
    .ok(LogInWithEnterpriseAccountDocument, { input: { orgCode, loginName, password: createEnterpriseAccount.initialPassword } });
  const client = admin.as(logInWithEnterpriseAccount.token);
  await client.ok(ChangePasswordDocument, { input: { currentPassword: createEnterpriseAccount.initialPassword, newPassword: PASSWORD } });
  for (const role of options.roles ?? []) {
    await admin.ok(AssignRoleDocument, { input: { memberId: addMember.id, roleId: role.roleId, scopeDepartmentIds: role.scopeDepartmentIds } });
  }
  return { client, memberId: addMember.id, phone };
}
