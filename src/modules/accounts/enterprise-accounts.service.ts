import { LockMode, sql } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { generateInitialPassword } from '../../auth/password';
import { assertCan } from '../../auth/policy';
import { badInput, conflict, notFound, errorMessage } from '../../errors';
import type { Viewer } from '../../auth/viewer';
import type { Loaders } from '../../graphql/loaders';
import { withEvents } from '../../realtime/events';
import { revokeOpenInvitationsOfMember } from '../invitations/invitation-hooks';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation } from '../common/validate';
import { runMemberActivationHooks } from '../members/member-activation';
import { Member, MemberStatus } from '../members/member.entity';
import { Org } from '../orgs/org.entity';
import { PermissionAction, PermissionModule } from '../roles/role.entity';
import type { AuthPayload, EnterpriseAccountPayload, LogInWithEnterpriseAccountInput } from './accounts.inputs';
import { assertNotLockedOut, invalidCredentials, passwordMatches, recordLogInAttempt } from './accounts.service';
import { memberEvent, MemberEventType } from '../members/member-events';
import { AccountKind, User } from './user.entity';

const LOGIN_NAME = /^[A-Za-z0-9._-]{3,64}$/;
const ENTERPRISE_CREDENTIALS = errorMessage('invalidEnterpriseCredentials');

function validateLoginName(raw: string): string {
  const loginName = raw.trim();
  if (!LOGIN_NAME.test(loginName)) throw badInput(errorMessage('invalidLoginName'), 'loginName');
  return loginName;
}

/**
 * Issues an enterprise account for a member of the viewer's org [004]: OWNER/ADMIN, or whoever may edit
 * members in one of the member's departments. The member becomes ACTIVE (a DISABLED one stays disabled)
 * and the account must change its initial password at the first sign-in.
 */
export async function createEnterpriseAccount(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: { memberId: string; loginName: string },
  services: Pick<AppServices, 'passwords' | 'eventBus' | 'contributions'>,
): Promise<EnterpriseAccountPayload> {
  const { org } = viewer.requireMember();
  const member = await loaders.memberById.load(input.memberId);
  if (!member) throw notFound('Member');
  const departments = await loaders.departmentsOfMember.load(member.id);
  assertCan(viewer, PermissionModule.MEMBERS, PermissionAction.EDIT, { departmentPaths: departments.map((d) => d.path), match: 'any' }, 'this member');
  const loginName = validateLoginName(input.loginName);
  if (member.userId) throw conflict(errorMessage('memberHasAccount'));

  const initialPassword = generateInitialPassword();
  const passwordHash = await services.passwords.hash(initialPassword);
  const linked = await withEvents(em, services, async (tx, emit) => {
    const row = await tx.findOne(Member, { id: member.id, orgId: org.id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    if (!row) throw notFound('Member');
    if (row.userId) throw conflict(errorMessage('memberHasAccount'));
    const user = tx.create(User, {
      kind: AccountKind.ENTERPRISE,
      name: row.name,
      orgId: org.id,
      loginName,
      passwordHash,
      mustChangePassword: true,
    });
    row.userId = user.id;
    const joined = row.status === MemberStatus.PENDING;
    if (joined) row.status = MemberStatus.ACTIVE;
    row.joinedAt ??= new Date();
    recordAudit(tx, viewer, 'account.createEnterprise', { type: 'Member', id: row.id }, { loginName, userId: user.globalId });
    await tx.flush();
    if (joined) {
      await runMemberActivationHooks(tx, services.contributions, { orgId: org.id, memberId: row.id, userId: user.id, via: 'ENTERPRISE_ACCOUNT' });
      // The person is in through the org-issued account: the invitation sent when they were added is moot.
      await revokeOpenInvitationsOfMember(
        tx,
        { orgId: org.id, memberId: row.id, byMemberId: viewer.member?.id, byUserId: viewer.user?.id },
        'superseded by an enterprise account',
        emit,
      );
      await emit(memberEvent(MemberEventType.JOINED, row, departments.map((d) => d.id)));
    }
    return row;
  }).catch((error) => {
    if (isUniqueViolation(error, 'users_enterprise_login_unique')) {
      throw conflict(errorMessage('loginNameTaken', { loginName }), { field: 'loginName' });
    }
    throw error;
  });
  return { member: linked, loginName, initialPassword };
}

/**
 * Signs in with an org code, a login name and a password. Unknown org, unknown login name, wrong
 * password and a DISABLED membership all answer the same INVALID_CREDENTIALS; failures count towards
 * the lock-out of `<orgCode>/<loginName>`.
 */
export async function logInWithEnterpriseAccount(
  em: EntityManager,
  app: AppServices,
  input: LogInWithEnterpriseAccountInput,
  clientAddress: string | null,
): Promise<AuthPayload> {
  const orgCode = input.orgCode.trim().toLowerCase();
  const loginName = input.loginName.trim().toLowerCase();
  const identifier = `${orgCode}/${loginName}`;
  await assertNotLockedOut(em, identifier);
  const org = await em.findOne(Org, { code: orgCode });
  // Looked up for an unknown org too (no enterprise account has a null org) and with its hash, so unknown org, unknown
  // login name and wrong password cost the same statements.
  const user = await em.findOne(
    User,
    { kind: AccountKind.ENTERPRISE, orgId: org?.id ?? null, [sql`lower(login_name)`]: loginName },
    { populate: ['passwordHash'] },
  );
  const password = await passwordMatches(em, app.passwords, user, input.password);
  const member = org && user && password.ok ? await em.findOne(Member, { orgId: org.id, userId: user.id }) : null;
  const ok = member?.status === MemberStatus.ACTIVE;
  await recordLogInAttempt(em, { identifier, userId: user?.id ?? null, orgId: org?.id ?? null, succeeded: ok, clientAddress });
  if (!ok || !user || !org) throw invalidCredentials(ENTERPRISE_CREDENTIALS);
  user.lastLogInAt = new Date();
  if (password.rehash) user.passwordHash = password.rehash;
  await em.flush();
  return { token: await app.tokens.sign({ sub: user.id, org: org.id }), user };
}
