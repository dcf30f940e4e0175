import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ChangeMyPhoneDocument,
  ChangePasswordDocument,
  CreateEnterpriseAccountDocument,
  CreateOrgDocument,
  LogInDocument,
  LogInWithEnterpriseAccountDocument,
  MemberAccountDocument,
  VerifyPhoneDocument,
  ViewerAccountDocument,
  ViewerDocument,
} from './generated/graphql';
import { hashPassword, parsePasswordHash, scryptParams } from '../src/auth/password';
import { insertMember, rawIdOf, sql } from './support/accounts-db';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, signUpUser, uniqueOrgCode, uniquePhone } from './support/factories';
import { startTestGateway, TEST_SCRYPT_PARAMS } from './support/gateway';
import { keyDerivationsDuring } from './support/passwords';
import { latestCodeSentTo } from './support/outbox';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

const NEW_PASSWORD = 'a new and better password';

/** An org, its owner, and a member of it issued an enterprise account (initial password not yet changed). */
async function orgWithEnterpriseMember(loginName = 'wang.fang') {
  const owner = await createOrgWithOwner(client);
  const member = await insertMember(owner.org.id, { name: 'Wang Fang', phone: uniquePhone() });
  const { createEnterpriseAccount } = await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: member.id, loginName });
  const logIn = (password: string, name = loginName) =>
    client.request(LogInWithEnterpriseAccountDocument, { input: { orgCode: owner.org.code, loginName: name, password } });
  return { owner, member, account: createEnterpriseAccount, logIn };
}

/** Signs the enterprise account in and replaces its initial password: a plain member with a token for the org. */
async function signedInEnterpriseMember(loginName?: string) {
  const setup = await orgWithEnterpriseMember(loginName);
  const { logInWithEnterpriseAccount } = await client.ok(LogInWithEnterpriseAccountDocument, {
    input: { orgCode: setup.owner.org.code, loginName: setup.account.loginName, password: setup.account.initialPassword },
  });
  const memberClient = client.as(logInWithEnterpriseAccount.token);
  await memberClient.ok(ChangePasswordDocument, { input: { currentPassword: setup.account.initialPassword, newPassword: NEW_PASSWORD } });
  return { ...setup, memberClient };
}

describe('enterprise accounts', () => {
  it('full flow: issue, sign in, forced password change, then bind a phone', async () => {
    const { owner, member, account, logIn } = await orgWithEnterpriseMember('Wang.Fang');
    expect(account.loginName).toBe('Wang.Fang');
    expect(account.initialPassword.length).toBeGreaterThanOrEqual(16);
    expect(account.member).toMatchObject({ id: member.id, status: 'ACTIVE' });
    expect(account.member.joinedAt).toBeTruthy();
    expect(account.member.account).toEqual({ kind: 'ENTERPRISE', loginName: 'Wang.Fang', mustChangePassword: true, phoneVerified: false });

    // Never stored in clear; the issuing is audited.
    const [stored] = await sql<{ password_hash: string; id: string }>(`select id, password_hash from users where org_id = $1`, [rawIdOf(owner.org.id)]);
    expect(stored!.password_hash).not.toContain(account.initialPassword);
    const audit = await sql(`select action, target_id from audit_entries where org_id = $1 and action = 'account.createEnterprise'`, [rawIdOf(owner.org.id)]);
    expect(audit).toEqual([{ action: 'account.createEnterprise', target_id: member.rawId }]);

    // Org code and login name are read regardless of case.
    const first = await client.request(LogInWithEnterpriseAccountDocument, {
      input: { orgCode: owner.org.code.toUpperCase(), loginName: 'WANG.FANG', password: account.initialPassword },
    });
    expect(first.data?.logInWithEnterpriseAccount.user).toMatchObject({ kind: 'ENTERPRISE', mustChangePassword: true, phone: null });
    const holder = client.as(first.data!.logInWithEnterpriseAccount.token);

    // Everything but changePassword is refused until the initial password is replaced.
    expect(errorCode(await holder.request(ViewerDocument))).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(errorCode(await holder.request(ChangeMyPhoneDocument, { phone: uniquePhone() }))).toBe('PASSWORD_CHANGE_REQUIRED');
    expect(errorCode(await holder.request(ChangePasswordDocument, { input: { currentPassword: 'not it at all', newPassword: NEW_PASSWORD } }))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await holder.request(ChangePasswordDocument, { input: { currentPassword: account.initialPassword, newPassword: 'short' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await holder.request(ChangePasswordDocument, { input: { currentPassword: account.initialPassword, newPassword: account.initialPassword } }))).toBe('BAD_USER_INPUT');
    const { changePassword } = await holder.ok(ChangePasswordDocument, { input: { currentPassword: account.initialPassword, newPassword: NEW_PASSWORD } });
    expect(changePassword).toMatchObject({ kind: 'ENTERPRISE', mustChangePassword: false });

    const { viewer } = await holder.ok(ViewerDocument);
    expect(viewer.org?.id).toBe(owner.org.id);
    expect(viewer.member?.id).toBe(member.id);
    expect(errorCode(await logIn(account.initialPassword))).toBe('INVALID_CREDENTIALS');
    expect((await logIn(NEW_PASSWORD)).data?.logInWithEnterpriseAccount.user.mustChangePassword).toBe(false);

    // Binding a phone: the code goes to it, and the verified number becomes the member's phone in the org.
    const phone = uniquePhone();
    await holder.ok(ChangeMyPhoneDocument, { phone });
    const { verifyPhone } = await holder.ok(VerifyPhoneDocument, { code: await latestCodeSentTo(phone) });
    expect(verifyPhone).toMatchObject({ phone, phoneVerified: true });
    const after = (await holder.ok(ViewerAccountDocument)).viewer;
    expect(after.member).toMatchObject({ phone, account: { kind: 'ENTERPRISE', phoneVerified: true, mustChangePassword: false } });
  });

  it('does not copy a bound phone onto the membership when another member of the org has it', async () => {
    const { owner, memberClient } = await signedInEnterpriseMember();
    const phone = uniquePhone();
    await insertMember(owner.org.id, { name: 'Has it already', phone });
    await memberClient.ok(ChangeMyPhoneDocument, { phone });
    await memberClient.ok(VerifyPhoneDocument, { code: await latestCodeSentTo(phone) });
    const { viewer } = await memberClient.ok(ViewerAccountDocument);
    expect(viewer.user.phone).toBe(phone);
    expect(viewer.member?.phone).not.toBe(phone);
  });

  it('refuses a login name taken in the org (ignoring case), a member that has an account, and malformed names', async () => {
    const { owner, member } = await orgWithEnterpriseMember('li.lei');
    const other = await insertMember(owner.org.id, { name: 'Li Lei the second' });
    const taken = await owner.client.request(CreateEnterpriseAccountDocument, { memberId: other.id, loginName: 'LI.LEI' });
    expect(errorCode(taken)).toBe('CONFLICT');
    expect(errorCode(await owner.client.request(CreateEnterpriseAccountDocument, { memberId: member.id, loginName: 'another' }))).toBe('CONFLICT');
    for (const loginName of ['ab', 'has space', 'x'.repeat(65), 'naïve']) {
      expect(errorCode(await owner.client.request(CreateEnterpriseAccountDocument, { memberId: other.id, loginName }))).toBe('BAD_USER_INPUT');
    }
    // Nothing was linked by the refusals; another org may use the same name.
    await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: other.id, loginName: 'li_lei-2' });
    const elsewhere = await createOrgWithOwner(client);
    const stranger = await insertMember(elsewhere.org.id, { name: 'Li Lei elsewhere' });
    await elsewhere.client.ok(CreateEnterpriseAccountDocument, { memberId: stranger.id, loginName: 'li.lei' });
  });

  it('links one account when two admins issue one to the same member at once', async () => {
    const owner = await createOrgWithOwner(client);
    const member = await insertMember(owner.org.id, { name: 'Contested' });
    const results = await Promise.all([
      owner.client.request(CreateEnterpriseAccountDocument, { memberId: member.id, loginName: 'first.try' }),
      owner.client.request(CreateEnterpriseAccountDocument, { memberId: member.id, loginName: 'second.try' }),
    ]);
    expect(results.map(errorCode).sort()).toEqual(['CONFLICT', undefined]);
    const users = await sql(`select id from users where org_id = $1`, [rawIdOf(owner.org.id)]);
    expect(users).toHaveLength(1);
  });

  it('seals tenants: another org’s member answers NOT_FOUND, like an unknown or malformed id', async () => {
    const a = await createOrgWithOwner(client);
    const b = await createOrgWithOwner(client);
    const foreign = await insertMember(b.org.id, { name: 'Of org B' });
    const result = await a.client.request(CreateEnterpriseAccountDocument, { memberId: foreign.id, loginName: 'intruder' });
    expect(errorCode(result)).toBe('NOT_FOUND');
    expect(errorCode(await a.client.request(CreateEnterpriseAccountDocument, { memberId: 'garbage', loginName: 'intruder' }))).toBe('NOT_FOUND');
    expect(errorCode(await a.client.request(CreateEnterpriseAccountDocument, { memberId: a.org.id, loginName: 'intruder' }))).toBe('NOT_FOUND');
    expect(errorCode(await a.client.request(MemberAccountDocument, { id: foreign.id }))).toBe('NOT_FOUND');
    const [row] = await sql<{ user_id: string | null }>(`select user_id from members where id = $1`, [foreign.rawId]);
    expect(row!.user_id).toBeNull();
  });

  it('only owners, admins and those who may edit the member issue accounts', async () => {
    const { owner, memberClient, member } = await signedInEnterpriseMember();
    const target = await insertMember(owner.org.id, { name: 'Target' });
    expect(errorCode(await memberClient.request(CreateEnterpriseAccountDocument, { memberId: target.id, loginName: 'target' }))).toBe('FORBIDDEN');
    expect(errorCode(await client.request(CreateEnterpriseAccountDocument, { memberId: target.id, loginName: 'target' }))).toBe('UNAUTHENTICATED');

    // A custom role granting MEMBERS EDIT org-wide is enough.
    const orgId = rawIdOf(owner.org.id);
    const [role] = await sql<{ id: string }>(
      `insert into roles (id, org_id, name, permissions) values (gen_random_uuid(), $1, 'HR', '[{"module":"MEMBERS","actions":["EDIT"]}]') returning id`,
      [orgId],
    );
    await sql(`insert into member_roles (id, org_id, member_id, role_id) values (gen_random_uuid(), $1, $2, $3)`, [orgId, member.rawId, role!.id]);
    const { createEnterpriseAccount } = await memberClient.ok(CreateEnterpriseAccountDocument, { memberId: target.id, loginName: 'target' });
    expect(createEnterpriseAccount.member.status).toBe('ACTIVE');
  });
});

describe('logInWithEnterpriseAccount', () => {
  it('answers unknown org, unknown login name and wrong password alike', async () => {
    const { account, logIn } = await orgWithEnterpriseMember();
    const wrongPassword = await logIn('not the password');
    const unknownLogin = await logIn(account.initialPassword, 'nobody.here');
    const unknownOrg = await client.request(LogInWithEnterpriseAccountDocument, {
      input: { orgCode: uniqueOrgCode(), loginName: account.loginName, password: account.initialPassword },
    });
    expect(errorCode(wrongPassword)).toBe('INVALID_CREDENTIALS');
    expect(unknownLogin.errors).toEqual(wrongPassword.errors);
    expect(unknownOrg.errors).toEqual(wrongPassword.errors);
    expect(typeof wrongPassword.extensions?.sqlStatements).toBe('number');
    expect(unknownLogin.extensions?.sqlStatements).toBe(wrongPassword.extensions?.sqlStatements);
    expect(unknownOrg.extensions?.sqlStatements).toBe(wrongPassword.extensions?.sqlStatements);
  });

  it('derives a key for an unknown org or login name as for a wrong password, with the same parameters', async () => {
    const { account, logIn } = await orgWithEnterpriseMember();
    const wrongPassword = await keyDerivationsDuring(() => logIn('not the password'));
    const unknownLogin = await keyDerivationsDuring(() => logIn('not the password', 'nobody.here'));
    const unknownOrg = await keyDerivationsDuring(() =>
      client.request(LogInWithEnterpriseAccountDocument, { input: { orgCode: uniqueOrgCode(), loginName: account.loginName, password: 'not the password' } }),
    );
    expect(wrongPassword).toEqual([TEST_SCRYPT_PARAMS]);
    expect(unknownLogin).toEqual(wrongPassword);
    expect(unknownOrg).toEqual(wrongPassword);
  });

  it('replaces a hash of a lower cost at the next sign-in', async () => {
    const { owner, account, logIn } = await orgWithEnterpriseMember();
    const orgId = rawIdOf(owner.org.id);
    await sql('update users set password_hash = $1 where org_id = $2', [await hashPassword(account.initialPassword, scryptParams(12)), orgId]);
    expect(errorCode(await logIn(account.initialPassword))).toBeUndefined();
    const [stored] = await sql<{ password_hash: string }>('select password_hash from users where org_id = $1', [orgId]);
    expect(parsePasswordHash(stored!.password_hash)?.params).toEqual(TEST_SCRYPT_PARAMS);
    expect(errorCode(await logIn(account.initialPassword))).toBeUndefined();
  });

  it('locks a login name out after 10 failures in 15 minutes, whatever its case', async () => {
    const { account, logIn } = await orgWithEnterpriseMember('locked.out');
    for (let i = 0; i < 10; i++) expect(errorCode(await logIn(`wrong-${i}-password`, i % 2 ? 'LOCKED.OUT' : 'locked.out'))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await logIn(account.initialPassword))).toBe('TOO_MANY_ATTEMPTS');
  });

  it('issues an account to a DISABLED member without enabling it', async () => {
    const owner = await createOrgWithOwner(client);
    const member = await insertMember(owner.org.id, { name: 'Left for now' });
    await sql(`update members set status = 'DISABLED' where id = $1`, [member.rawId]);
    const { createEnterpriseAccount } = await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: member.id, loginName: 'left.for.now' });
    expect(createEnterpriseAccount.member.status).toBe('DISABLED');
    const logIn = await client.request(LogInWithEnterpriseAccountDocument, {
      input: { orgCode: owner.org.code, loginName: 'left.for.now', password: createEnterpriseAccount.initialPassword },
    });
    expect(errorCode(logIn)).toBe('INVALID_CREDENTIALS');
  });

  it('refuses a DISABLED member with INVALID_CREDENTIALS', async () => {
    const { member, account, logIn } = await orgWithEnterpriseMember();
    await sql(`update members set status = 'DISABLED' where id = $1`, [member.rawId]);
    expect(errorCode(await logIn(account.initialPassword))).toBe('INVALID_CREDENTIALS');
    await sql(`update members set status = 'ACTIVE' where id = $1`, [member.rawId]);
    expect(errorCode(await logIn(account.initialPassword))).toBeUndefined();
  });
});

describe('changePassword', () => {
  it('works for personal accounts too, and locks out after 10 wrong current passwords', async () => {
    const { client: user, phone } = await signUpUser(client);
    await user.ok(ChangePasswordDocument, { input: { currentPassword: PASSWORD, newPassword: NEW_PASSWORD } });
    expect(errorCode(await client.request(LogInDocument, { input: { phone, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');
    await client.ok(LogInDocument, { input: { phone, password: NEW_PASSWORD } });

    for (let i = 0; i < 10; i++) {
      const wrong = await user.request(ChangePasswordDocument, { input: { currentPassword: `wrong-${i}-password`, newPassword: PASSWORD } });
      expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    }
    expect(errorCode(await user.request(ChangePasswordDocument, { input: { currentPassword: NEW_PASSWORD, newPassword: PASSWORD } }))).toBe('TOO_MANY_ATTEMPTS');
    expect(errorCode(await client.request(ChangePasswordDocument, { input: { currentPassword: NEW_PASSWORD, newPassword: PASSWORD } }))).toBe('UNAUTHENTICATED');
  });
});

describe('Member.account', () => {
  it('is visible to the owner with the login records, null to a plain member looking at someone else', async () => {
    const { owner, member, memberClient, logIn } = await signedInEnterpriseMember();
    await logIn('a wrong password');
    await logIn(NEW_PASSWORD);

    const seen = await owner.client.ok(MemberAccountDocument, { id: member.id });
    const account = seen.node!.__typename === 'Member' ? seen.node.account : undefined;
    expect(account).toMatchObject({ kind: 'ENTERPRISE', loginName: 'wang.fang', mustChangePassword: false, phoneVerified: false });
    // Newest first: the last sign-in, the failure, the first sign-in (with the initial password).
    expect(account!.logInRecords.map((r) => r.succeeded)).toEqual([true, false, true]);
    expect(account!.logInRecords[0]!.clientAddress).toBeTruthy();
    expect(account!.lastLogInAt).toBe(account!.logInRecords[0]!.at);
    const one = await owner.client.ok(MemberAccountDocument, { id: member.id, first: 1 });
    expect(one.node!.__typename === 'Member' && one.node.account?.logInRecords).toHaveLength(1);
    expect(errorCode(await owner.client.request(MemberAccountDocument, { id: member.id, first: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(MemberAccountDocument, { id: member.id, first: 101 }))).toBe('BAD_USER_INPUT');

    // The plain member sees their own account, not the owner's.
    const ownerSeen = await memberClient.ok(MemberAccountDocument, { id: owner.member.id });
    expect(ownerSeen.node).toMatchObject({ id: owner.member.id, name: 'Owner', phone: null, account: null });
    const self = await memberClient.ok(MemberAccountDocument, { id: member.id });
    expect(self.node).toMatchObject({ account: { kind: 'ENTERPRISE', loginName: 'wang.fang' } });
  });

  it('is null when no account is linked', async () => {
    const owner = await createOrgWithOwner(client);
    const pending = await insertMember(owner.org.id, { name: 'No account yet' });
    const { node } = await owner.client.ok(MemberAccountDocument, { id: pending.id });
    expect(node).toMatchObject({ id: pending.id, account: null });
  });

  it('shows a personal account only its sign-ins into this org', async () => {
    const owner = await createOrgWithOwner(client);
    const second = await owner.client.ok(CreateOrgDocument, { input: { name: 'Second', code: uniqueOrgCode() } });
    await client.request(LogInDocument, { input: { phone: owner.phone, password: 'wrong password!' } });
    // logIn selects the earliest-joined org: the first one.
    await client.ok(LogInDocument, { input: { phone: owner.phone, password: PASSWORD } });

    const inFirst = await owner.client.ok(MemberAccountDocument, { id: owner.member.id });
    const firstAccount = inFirst.node!.__typename === 'Member' ? inFirst.node.account : undefined;
    expect(firstAccount).toMatchObject({ kind: 'PERSONAL', loginName: null });
    expect(firstAccount!.logInRecords.map((r) => r.succeeded)).toEqual([true]);
    expect(firstAccount!.lastLogInAt).toBe(firstAccount!.logInRecords[0]!.at);

    const inSecond = await client.as(second.createOrg.token).ok(MemberAccountDocument, { id: second.createOrg.member.id });
    expect(inSecond.node).toMatchObject({ account: { kind: 'PERSONAL', logInRecords: [], lastLogInAt: null } });
  });

  it('costs the same number of SQL statements for a page of 3 and of 12 members', async () => {
    const owner = await createOrgWithOwner(client);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      const member = await insertMember(owner.org.id, { name: `Member ${i}`, phone: uniquePhone() });
      await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: member.id, loginName: `member-${i}` });
      ids.push(member.id);
    }
    const statementsFor = async (page: string[]) => {
      const fields = page
        .map((id, i) => `m${i}: node(id: "${id}") { ... on Member { account { kind loginName lastLogInAt logInRecords(first: 5) { at succeeded } } } }`)
        .join('\n');
      const document = parse(`query { ${fields} }`) as TypedDocumentNode<Record<string, { account: unknown }>, Record<string, never>>;
      const result = await owner.client.request(document);
      expect(result.errors).toBeUndefined();
      expect(Object.values(result.data!).every((node) => node.account)).toBe(true);
      return result.extensions?.sqlStatements as number;
    };
    await statementsFor(ids.slice(0, 3)); // warms the credential's cached viewer: both pages below are warm
    const small = await statementsFor(ids.slice(0, 3));
    expect(small).toBeGreaterThan(0);
    expect(await statementsFor(ids)).toBe(small);
  });
});
