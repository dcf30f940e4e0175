import { canViewInvitation, grantScope } from '../../auth/policy';
import { badInput, forbidden, notFound, errorMessage } from '../../errors';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import type { Loaders } from '../../graphql/loaders';
import { checkPageSize, decodeCursor, parseGlobalId, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { PermissionAction, PermissionModule } from '../roles/role.entity';
import { invitationDepartmentPaths } from './invitation-recipient';
import { Invitation, InvitationStatus } from './invitation.entity';
import type { InvitationFilter } from './invitations.inputs';

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An invitation the viewer may see (its sender, or INVITATIONS VIEW on one of its departments); else FORBIDDEN. */
export async function findViewableInvitation(viewer: Viewer, loaders: Loaders, id: string): Promise<Invitation | null> {
  const invitation = await loaders.invitationById.load(id);
  if (!invitation) return null;
  const departmentPaths = await invitationDepartmentPaths(loaders, invitation);
  if (!canViewInvitation(viewer, { invitedByMemberId: invitation.invitedByMemberId, departmentPaths })) {
    throw forbidden(errorMessage('invitationOutsideDepartments'));
  }
  return invitation;
}

/** Which of `ids` the viewer may see, by the rule of `findViewableInvitation`: for audit entries on invitations. Two batched queries. */
export async function invitationsSeenByViewer(viewer: Viewer, loaders: Loaders, ids: readonly string[]): Promise<string[]> {
  const found = await loaders.invitationById.loadMany(ids);
  const invitations = found.filter((invitation): invitation is Invitation => invitation !== null && !(invitation instanceof Error));
  const paths = await Promise.all(invitations.map((invitation) => invitationDepartmentPaths(loaders, invitation)));
  return invitations
    .filter((invitation, index) => canViewInvitation(viewer, { invitedByMemberId: invitation.invitedByMemberId, departmentPaths: paths[index]! }))
    .map((invitation) => invitation.id);
}

/** `invitation(id)`: unknown, malformed and foreign ids answer NOT_FOUND. */
export async function getInvitation(viewer: Viewer, loaders: Loaders, globalId: string): Promise<Invitation> {
  const invitation = await findViewableInvitation(viewer, loaders, rawId(globalId, 'Invitation'));
  if (!invitation) throw notFound('Invitation');
  return invitation;
}

/**
 * `invitations`: newest first, keyset-paged on (created_at, id). Admins see all of the org's invitations; others those
 * into departments where they may view INVITATIONS, plus the ones they sent. Status filters go by the status shown.
 */
export async function listInvitations(
  em: EntityManager,
  viewer: Viewer,
  page: PageArgs,
  filter: InvitationFilter | null | undefined,
): Promise<Connection<Invitation>> {
  const orgId = viewer.orgId;
  const first = checkPageSize(page.first);
  const where: string[] = ['i.org_id = ?'];
  const params: unknown[] = [orgId];

  const scope = grantScope(viewer, PermissionModule.INVITATIONS, PermissionAction.VIEW);
  if (!scope.orgWide) {
    where.push(`(i.invited_by_member_id = ? or exists (
      select 1 from departments d
       where d.org_id = i.org_id and d.id::text in (select jsonb_array_elements_text(i.department_ids))
         and d.path like any (select jsonb_array_elements_text(?::jsonb) || '%')))`);
    params.push(viewer.requireMember().member.id, JSON.stringify(scope.scopePaths));
  }
  if (filter?.status === InvitationStatus.PENDING) {
    where.push(`i.status = 'PENDING' and i.expires_at > now()`);
  } else if (filter?.status === InvitationStatus.EXPIRED) {
    where.push(`(i.status = 'EXPIRED' or (i.status = 'PENDING' and i.expires_at <= now()))`);
  } else if (filter?.status) {
    where.push('i.status = ?');
    params.push(filter.status);
  }
  if (filter?.channel) {
    where.push('i.channel = ?');
    params.push(filter.channel);
  }
  if (filter?.departmentId != null) {
    const parsed = parseGlobalId(filter.departmentId);
    if (!parsed || parsed.type !== 'Department') throw badInput(errorMessage('departmentIdExpected'), 'filter.departmentId');
    where.push(`exists (
      select 1 from departments d, departments f
       where f.org_id = i.org_id and f.id = ? and d.org_id = i.org_id
         and d.id::text in (select jsonb_array_elements_text(i.department_ids)) and d.path like f.path || '%')`);
    params.push(parsed.id);
  }

  const filtered = [...where];
  const filteredParams = [...params];
  let hasPrevious = false;
  if (page.after != null) {
    const [at, id] = decodeCursor(page.after, 2);
    if (typeof at !== 'string' || !TIMESTAMP.test(at) || typeof id !== 'string' || !UUID.test(id)) throw badInput(errorMessage('invalidCursor'), 'after');
    where.push('(i.created_at, i.id) < (?::timestamptz, ?::uuid)');
    params.push(at, id);
    hasPrevious = true;
  }
  const rows = await em.execute<Array<Record<string, unknown>>>(
    `select i.*, to_char(i.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at
       from invitations i where ${where.join(' and ')}
      order by i.created_at desc, i.id desc limit ${first + 1}`,
    params,
  );
  const cursors = new Map<string, string>();
  const invitations = rows.map(({ cursor_at, ...row }) => {
    const invitation = em.map(Invitation, row);
    cursors.set(invitation.id, cursor_at as string);
    return invitation;
  });
  return toConnection(invitations, first, (invitation) => [cursors.get(invitation.id), invitation.id], hasPrevious, async () => {
    const [{ count }] = await em.execute<Array<{ count: number }>>(
      `select count(*)::int as count from invitations i where ${filtered.join(' and ')}`,
      filteredParams,
    );
    return count;
  });
}
