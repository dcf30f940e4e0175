import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, ErrorCode, forbidden, unauthenticated } from '../errors';
import { User } from '../modules/accounts/user.entity';
import { Member, MemberStatus } from '../modules/members/member.entity';
import { Org } from '../modules/orgs/org.entity';
import type { BuiltinRole, Permission } from '../modules/roles/role.entity';
import { permissionsForScopes, type ApiScope } from './api-scopes';
import { executeRead } from '../db/read-routing';

/** A role the viewer holds, with the department subtrees it is limited to (empty: org-wide). */
export interface RoleGrant {
  roleId: string;
  builtin: BuiltinRole | null;
  permissions: Permission[];
  scopeDepartmentIds: string[];
  /** Materialised paths of the scope departments, for subtree checks without queries. */
  scopePaths: string[];
}

/** A partner system calling with an access token from `POST /oauth/token`: bound to one org and its scopes. */
export interface ApiClientIdentity {
  id: string;
  name: string;
  orgId: string;
  scopes: ApiScope[];
}

/**
 * Who is asking: loaded once per operation from the bearer token. Either a person (`user`, and in an org `member`
 * with its role grants) or an API client (`apiClient`, no user or member, one grant made of its scopes).
 */
export class Viewer {
  /**
   * Set on the stand-in viewer of a shared subscription execution (`src/realtime/shared-execution.ts`): the member
   * ids that "is the viewer this member?" rules asked about (see `isViewerMember`).
   */
  identityProbe: Set<string> | null = null;

  constructor(
    readonly user: User | null,
    readonly org: Org | null = null,
    readonly member: Member | null = null,
    readonly grants: RoleGrant[] = [],
    readonly apiClient: ApiClientIdentity | null = null,
  ) {}

  static anonymous(): Viewer {
    return new Viewer(null);
  }

  /** A client's scopes act as one org-wide custom role, so `policy.ts` decides for clients exactly as for people. */
  static forApiClient(org: Org, client: ApiClientIdentity): Viewer {
    const grant: RoleGrant = { roleId: `api-client:${client.id}`, builtin: null, permissions: permissionsForScopes(client.scopes), scopeDepartmentIds: [], scopePaths: [] };
    return new Viewer(null, org, null, [grant], client);
  }

  /** A person's account. API clients are refused: what needs a person (their own account, joining orgs) is not theirs. */
  requireUser(): User {
    if (this.apiClient) throw apiClientRefused();
    if (!this.user) throw unauthenticated();
    return this.user;
  }

  /** The viewer's active membership in the current org; for operations only a person may run (API clients: FORBIDDEN). */
  requireMember(): { user: User; org: Org; member: Member } {
    const user = this.requireUser();
    if (!this.org || !this.member) throw forbidden('Select an org first (createOrg or switchOrg)');
    if (this.member.status === MemberStatus.DISABLED) throw forbidden('Your membership in this org is disabled');
    return { user, org: this.org, member: this.member };
  }

  /** The org the viewer acts in: an active member's, or an API client's. Every org-scoped operation starts here. */
  requireOrg(): Org {
    if (this.apiClient && this.org) return this.org;
    return this.requireMember().org;
  }

  get orgId(): string {
    return this.requireOrg().id;
  }

  /** Who acts, for messages people receive (an invitation's sender): the member's name or the API client's. */
  get actorName(): string | null {
    return this.member?.name ?? this.apiClient?.name ?? null;
  }
}

export function apiClientRefused(): AppError {
  return forbidden('No permission: API clients cannot use this operation; it needs a signed-in person');
}

/** Loads the viewer for a verified token: the user, and for an org-scoped token the membership and its grants. */
export async function loadViewer(em: EntityManager, userId: string, orgId: string | undefined): Promise<Viewer> {
  const user = await em.findOne(User, { id: userId });
  if (!user) return Viewer.anonymous();
  if (!orgId) return new Viewer(user);
  const [org, member] = await Promise.all([
    em.findOne(Org, { id: orgId }),
    em.findOne(Member, { orgId, userId: user.id }),
  ]);
  if (!org || !member) return new Viewer(user);
  return new Viewer(user, org, member, await loadGrants(em, member));
}

async function loadGrants(em: EntityManager, member: Member): Promise<RoleGrant[]> {
  return (await loadGrantsOfMembers(em, [member])).get(member.id) ?? [];
}

/** The grants of many members in one query, keyed by member id. */
export async function loadGrantsOfMembers(em: EntityManager, members: ReadonlyArray<{ id: string }>): Promise<Map<string, RoleGrant[]>> {
  const grants = new Map<string, RoleGrant[]>(members.map((member) => [member.id, []]));
  if (members.length === 0) return grants;
  const rows: Array<{ member_id: string; role_id: string; builtin: BuiltinRole | null; permissions: Permission[]; scope: string[]; paths: string[] | null }> =
    await executeRead(
      em,
      `select mr.member_id, mr.role_id, r.builtin, r.permissions, mr.scope_department_ids as scope,
              (select array_agg(d.path) from departments d
                where d.org_id = mr.org_id and d.id::text in (select jsonb_array_elements_text(mr.scope_department_ids))) as paths
         from member_roles mr join roles r on r.id = mr.role_id
        where mr.member_id = any(array[?]::uuid[])
        order by mr.created_at`,
      [members.map((member) => member.id)],
    );
  for (const row of rows) {
    grants.get(row.member_id)?.push({
      roleId: row.role_id,
      builtin: row.builtin,
      permissions: row.permissions,
      scopeDepartmentIds: row.scope,
      scopePaths: row.paths ?? [],
    });
  }
  return grants;
}

/**
 * Loads many org-scoped viewers at once (four queries whatever their number), as fresh as `loadViewer`: for
 * re-checking the access of every subscriber an event is about to reach. Unknown users load as anonymous.
 */
export async function loadViewers(em: EntityManager, keys: ReadonlyArray<{ userId: string; orgId: string }>): Promise<Viewer[]> {
  if (keys.length === 0) return [];
  const userIds = [...new Set(keys.map((key) => key.userId))];
  const orgIds = [...new Set(keys.map((key) => key.orgId))];
  const [users, orgs, members] = await Promise.all([
    em.find(User, { id: { $in: userIds } }),
    em.find(Org, { id: { $in: orgIds } }),
    em.find(Member, { userId: { $in: userIds }, orgId: { $in: orgIds } }),
  ]);
  const userById = new Map(users.map((user) => [user.id, user]));
  const orgById = new Map(orgs.map((org) => [org.id, org]));
  const memberByKey = new Map(members.map((member) => [`${member.userId}:${member.orgId}`, member]));
  const grants = await loadGrantsOfMembers(em, members);
  return keys.map(({ userId, orgId }) => {
    const user = userById.get(userId);
    if (!user) return Viewer.anonymous();
    const org = orgById.get(orgId);
    const member = memberByKey.get(`${userId}:${orgId}`);
    if (!org || !member) return new Viewer(user);
    return new Viewer(user, org, member, grants.get(member.id) ?? []);
  });
}

export function passwordChangeRequired(): AppError {
  return new AppError(ErrorCode.PasswordChangeRequired, 'Change the initial password first (changePassword)');
}
