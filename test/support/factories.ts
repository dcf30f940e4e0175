import { randomInt, randomUUID } from 'node:crypto';
import { CreateOrgDocument, SignUpDocument } from '../generated/graphql';
import { GraphQLClient } from './client';

/** A valid, unused mainland-China mobile number (the default region). */
export function uniquePhone(): string {
  return `+86139${String(randomInt(0, 100_000_000)).padStart(8, '0')}`;
}

export function uniqueOrgCode(): string {
  return `org-${randomUUID().slice(0, 12)}`;
}

export const PASSWORD = 'correct horse battery';

/** Signs a new personal account up; returns a client holding its token. */
export async function signUpUser(client: GraphQLClient, name = 'Test User') {
  const phone = uniquePhone();
  const { signUp } = await client.ok(SignUpDocument, { input: { phone, name, password: PASSWORD } });
  return { client: client.as(signUp.token), user: signUp.user, phone };
}

/** A new user who owns a new org; the client's token is scoped to that org. */
export async function createOrgWithOwner(client: GraphQLClient, orgName = 'Test Org') {
  const owner = await signUpUser(client, 'Owner');
  const { createOrg } = await owner.client.ok(CreateOrgDocument, { input: { name: orgName, code: uniqueOrgCode() } });
  return { ...owner, client: client.as(createOrg.token), org: createOrg.org, member: createOrg.member };
}
