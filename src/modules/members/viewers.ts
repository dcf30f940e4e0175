import type { EntityManager } from '@mikro-orm/postgresql';
import { Viewer, type RoleGrant, type ViewerMember, type ViewerOrg, type ViewerUser } from '../../auth/viewer';
import type { BuiltinRole, Permission } from '../../auth/vocabulary';
import { plainEntity, scalarValues } from '../../db/plain-rows';
import { executeRead } from '../../db/read-routing';
import { User } from '../accounts/user.entity';
import { Org } from '../orgs/org.entity';
import { Member } from './member.entity';

/**
 * The plain values a viewer keeps of its rows (see `auth/viewer.ts`): every scalar column, copied, so the viewer
 * outlives its EntityManager and a `viewer { user member org }` query resolves them without reading them again.
 */
export function viewerOf(em: EntityManager, user: User, org?: Org | null, member?: Member | null, grants: RoleGrant[] = []): Viewer {
  const plainUser = scalarValues(em, User, user) as unknown as ViewerUser;
  if (!org || !member) return new Viewer(plainUser);
  return new Viewer(plainUser, viewerOrgOf(em, org), scalarValues(em, Member, member) as unknown as ViewerMember, grants);
}

export function viewerOrgOf(em: EntityManager, org: Org): ViewerOrg {
  return scalarValues(em, Org, org) as unknown as ViewerOrg;
}

/** A viewer's account, org or membership as its GraphQL object, from the values the viewer keeps (no query). */
export const viewedUser = (em: EntityManager, user: ViewerUser): User => plainEntity(em, User, user);
export const viewedOrg = (em: EntityManager, org: ViewerOrg): Org => plainEntity(em, Org, org);
export const viewedMember = (em: EntityManager, member: ViewerMember): Member => plainEntity(em, Member, member);

/** Loads the viewer for a verified token: the user, and for an org-scoped token the membership and its grants. */
export async function loadViewer(em: EntityManager, userId: string, orgId: string | undefined): Promise<Viewer> {
  const user = await em.findOne(User, { id: userId });
  if (!user) return Viewer.anonymous();
  if (!orgId) return viewerOf(em, user);
  const [org, member] = await Promise.all([
    em.findOne(Org, { id: orgId }),
    em.findOne(Member, { orgId, userId: user.id }),
  ]);
  if (!org || !member) return viewerOf(em, user);
  return viewerOf(em, user, org, member, await loadGrants(em, member));
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
  // Viewers of one batch share their org's copy and, where equal, their grants (most members hold the same role):
  // thousands of subscribers keep a viewer each, and a shared grants array also shares its visibility class.
  const plainOrgs = new Map<string, ViewerOrg>();
  const sameGrants = new Map<string, RoleGrant[]>();
  return keys.map(({ userId, orgId }) => {
    const user = userById.get(userId);
    if (!user) return Viewer.anonymous();
    const org = orgById.get(orgId);
    const member = memberByKey.get(`${userId}:${orgId}`);
    if (!org || !member) return viewerOf(em, user);
    let plainOrg = plainOrgs.get(org.id);
    if (!plainOrg) plainOrgs.set(org.id, (plainOrg = viewerOrgOf(em, org)));
    const memberGrants = grants.get(member.id) ?? [];
    const fingerprint = JSON.stringify(memberGrants);
    let shared = sameGrants.get(fingerprint);
    if (!shared) sameGrants.set(fingerprint, (shared = memberGrants));
    return new Viewer(scalarValues(em, User, user) as unknown as ViewerUser, plainOrg, scalarValues(em, Member, member) as unknown as ViewerMember, shared);
  });
}

