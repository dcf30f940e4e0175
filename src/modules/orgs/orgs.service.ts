import type { EntityManager } from '@mikro-orm/postgresql';
import { withEvents, type EventServices } from '../../realtime/events';
import { orgSettingsChangedEvent } from './org-events';
import type { AppServices } from '../../app';
import { Viewer } from '../../auth/viewer';
import { executeRead } from '../../db/read-routing';
import { badInput, conflict, notFound, forbidden, errorMessage } from '../../errors';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation, requireLocale, requireText, requireTimeZone } from '../common/validate';
import { Department } from '../departments/department.entity';
import { runMemberActivationHooks } from '../members/member-activation';
import { MemberDepartment } from '../members/member-department.entity';
import { Member, MemberStatus } from '../members/member.entity';
import { MemberRole } from '../roles/member-role.entity';
import { BuiltinRole } from '../roles/role.entity';
import { createBuiltinRoles } from '../roles/roles.service';
import type { CreateOrgInput, OrgSession, UpdateOrgSettingsInput, ViewerPayload } from './orgs.inputs';
import { viewedMember, viewedUser } from '../members/viewers';
import { Org } from './org.entity';

const ORG_CODE = /^[a-z0-9][a-z0-9-]{0,30}[a-z0-9]$/;
const MIN_INVITATION_TTL = 60;
const MAX_INVITATION_TTL = 365 * 24 * 3600;

/** Creates an org with its root department and built-in roles; the caller becomes its OWNER. */
export async function createOrg(em: EntityManager, app: AppServices, viewer: Viewer, input: CreateOrgInput): Promise<OrgSession> {
  const user = viewer.requireUser();
  const name = requireText(input.name, 'name', 100);
  const code = input.code.trim().toLowerCase();
  if (!ORG_CODE.test(code)) throw badInput(errorMessage('invalidOrgCode'), 'code');
  const locale = input.locale != null ? requireLocale(input.locale, 'locale') : undefined;
  const timeZone = input.timeZone != null ? requireTimeZone(input.timeZone, 'timeZone') : undefined;

  const { org, member } = await em
    .transactional(async (tx) => {
      const org = tx.create(Org, { name, code, memberLimit: app.config.defaultMemberLimit, rootDepartmentId: '', ...(locale && { locale }), ...(timeZone && { timeZone }) });
      const root = tx.create(Department, { orgId: org.id, name, parentId: null, path: '' });
      root.path = `/${root.id}/`;
      org.rootDepartmentId = root.id;
      // The org row must exist before its first member: a trigger on members counts them into it.
      await tx.flush();
      const roles = createBuiltinRoles(tx, org.id);
      const member = tx.create(Member, {
        orgId: org.id,
        userId: user.id,
        name: user.name,
        phone: user.phoneVerifiedAt ? user.phone : null,
        email: user.emailVerifiedAt ? user.email : null,
        status: MemberStatus.ACTIVE,
        joinedAt: new Date(),
      });
      tx.create(MemberDepartment, { memberId: member.id, departmentId: root.id, orgId: org.id });
      tx.create(MemberRole, { orgId: org.id, memberId: member.id, roleId: roles[BuiltinRole.OWNER].id, scopeDepartmentIds: [] });
      recordAudit(tx, new Viewer(user, org, member), 'org.create', { type: 'Org', id: org.id }, { name, code });
      await tx.flush();
      await runMemberActivationHooks(tx, app.contributions, { orgId: org.id, memberId: member.id, userId: user.id, via: 'ORG_CREATED' });
      return { org, member };
    })
    .catch((error) => {
      if (isUniqueViolation(error, 'orgs_code_unique')) throw conflict(errorMessage('orgCodeTaken', { code }), { field: 'code' });
      throw error;
    });
  await em.refresh(org); // picks up the member count the trigger wrote
  return { token: await app.tokens.sign({ sub: user.id, org: org.id }), org, member };
}

export async function switchOrg(em: EntityManager, app: AppServices, viewer: Viewer, orgId: string): Promise<OrgSession> {
  const user = viewer.requireUser();
  const member = await em.findOne(Member, { orgId, userId: user.id });
  const org = member && (await em.findOne(Org, { id: orgId }));
  if (!member || !org) throw notFound('Org');
  if (member.status !== MemberStatus.ACTIVE) throw forbidden(errorMessage('membershipDisabled'));
  return { token: await app.tokens.sign({ sub: user.id, org: org.id }), org, member };
}

export async function viewerPayload(em: EntityManager, viewer: Viewer): Promise<ViewerPayload> {
  const user = viewer.requireUser();
  const currentOrgId = viewer.org?.id ?? null;
  // One statement for the org list and the current org (read fresh: its member count moves with others' writes).
  const rows: Array<Record<string, unknown> & { listed: boolean }> = await executeRead(
    em,
    `select o.*, m.status = 'ACTIVE' as listed
       from members m join orgs o on o.id = m.org_id
      where m.user_id = ? and (m.status = 'ACTIVE' or m.org_id = ?)
      order by m.joined_at, m.id`,
    [user.id, currentOrgId],
  );
  let org: Org | null = null;
  const orgs: Org[] = [];
  for (const { listed, ...row } of rows) {
    const mapped = em.map(Org, row);
    if (listed) orgs.push(mapped);
    if (mapped.id === currentOrgId) org = mapped;
  }
  return { user: viewedUser(em, user), org: currentOrgId ? org : null, member: viewer.member && viewedMember(em, viewer.member), orgs };
}

export async function updateOrgSettings(em: EntityManager, viewer: Viewer, input: UpdateOrgSettingsInput, services: EventServices): Promise<Org> {
  const { org } = viewer.requireMember();
  return withEvents(em, services, async (tx, emit) => {
    const row = await tx.findOneOrFail(Org, { id: org.id });
    // The audit entry names the settings the call touched.
    const touched = (['invitesOpen', 'invitationTtlSeconds', 'locale', 'timeZone'] as const).filter((key) => input[key] != null);
    const pick = () => Object.fromEntries(touched.map((key) => [key, row[key]]));
    const before = pick();
    if (input.invitesOpen != null) row.invitesOpen = input.invitesOpen;
    if (input.invitationTtlSeconds != null) {
      const ttl = input.invitationTtlSeconds;
      if (!Number.isInteger(ttl) || ttl < MIN_INVITATION_TTL || ttl > MAX_INVITATION_TTL) {
        throw badInput(errorMessage('between', { field: 'invitationTtlSeconds', min: String(MIN_INVITATION_TTL), max: String(MAX_INVITATION_TTL) }), 'invitationTtlSeconds');
      }
      row.invitationTtlSeconds = ttl;
    }
    if (input.locale != null) row.locale = requireLocale(input.locale, 'locale');
    if (input.timeZone != null) row.timeZone = requireTimeZone(input.timeZone, 'timeZone');
    const after = pick();
    recordAudit(tx, viewer, 'org.updateSettings', { type: 'Org', id: row.id }, { before, after });
    const changed = touched.filter((key) => before[key] !== after[key]);
    if (changed.length) {
      await tx.flush();
      await emit(orgSettingsChangedEvent(row.id, changed));
    }
    return row;
  });
}

