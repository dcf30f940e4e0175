import { forbidden, errorMessage } from '../errors';
import { BuiltinRole, MemberStatus, PermissionAction, PermissionModule, type Permission } from './vocabulary';
import { readScopeOf } from './api-scopes';
import type { RoleGrant, Viewer } from './viewer';

/**
 * The one place that decides who may do what. Resolvers and services ask here; nothing else
 * re-implements these rules.
 *
 * - OWNER and ADMIN may do everything in their org.
 * - SUB_ADMIN may manage members, departments and invitations, and notify members, inside the department subtrees of
 *   the grant.
 * - A custom role grants the listed module actions, inside its scope departments when it has any, else org-wide.
 * - External contacts follow their own rule [001], below (`contactReach`, `canEditContact`).
 * - An API client holds one org-wide custom-role grant made of its scopes (`Viewer.forApiClient`), so every rule
 *   below applies to it as to a person with that role; it never counts as the sender of anything, and reads only
 *   the types its scopes cover (`assertApiClientMayRead`).
 */

/** Where an action applies: the materialised paths of the departments involved. */
export interface DepartmentTarget {
  departmentPaths: string[];
  /** `any`: one covered department is enough (acting on a member); `all`: each must be covered (placing into departments). */
  match: 'any' | 'all';
}

const SUB_ADMIN_MODULES = new Set([
  PermissionModule.MEMBERS,
  PermissionModule.MEMBER_SENSITIVE_FIELDS,
  PermissionModule.DEPARTMENTS,
  PermissionModule.INVITATIONS,
  PermissionModule.CONTACTS,
  PermissionModule.NOTIFICATIONS,
]);

/** A member of the org, or an API client of it: someone whose grants count. */
function actsInOrg(viewer: Viewer): boolean {
  return viewer.member !== null || (viewer.apiClient !== null && viewer.org !== null);
}

/**
 * Is the viewer this member? Rules that grant something to "the member themself" ask here, so that a shared
 * subscription execution (which runs as a stand-in of a visibility class) learns whose own record it looked at.
 */
export function isViewerMember(viewer: Viewer, memberId: string | null): boolean {
  if (memberId === null) return false;
  if (viewer.member?.id === memberId) return true;
  viewer.identityProbe?.add(memberId);
  return false;
}

export function isOwner(viewer: Viewer): boolean {
  return viewer.grants.some((grant) => grant.builtin === BuiltinRole.OWNER);
}

export function isOrgAdmin(viewer: Viewer): boolean {
  return viewer.grants.some((grant) => grant.builtin === BuiltinRole.OWNER || grant.builtin === BuiltinRole.ADMIN);
}

export function isSubAdmin(viewer: Viewer): boolean {
  return viewer.grants.some((grant) => grant.builtin === BuiltinRole.SUB_ADMIN);
}

/** True when some department subtree of `scopePaths` contains the department at `path`. */
export function scopeCovers(scopePaths: string[], path: string): boolean {
  return scopePaths.some((scope) => path.startsWith(scope));
}

function grantAllows(grant: RoleGrant, module: PermissionModule, action: PermissionAction): boolean {
  if (grant.builtin === BuiltinRole.SUB_ADMIN) return SUB_ADMIN_MODULES.has(module);
  if (grant.builtin) return false;
  return grant.permissions.some((permission) => permission.module === module && permission.actions.includes(action));
}

function grantCovers(grant: RoleGrant, target: DepartmentTarget | undefined): boolean {
  const orgWide = grant.builtin !== BuiltinRole.SUB_ADMIN && grant.scopeDepartmentIds.length === 0;
  if (orgWide) return true;
  if (!target) return false; // a scoped grant never covers an org-wide action
  const covered = (path: string) => scopeCovers(grant.scopePaths, path);
  return target.match === 'all'
    ? target.departmentPaths.length > 0 && target.departmentPaths.every(covered)
    : target.departmentPaths.some(covered);
}

/** May the viewer perform `action` on `module`, on the given departments (or org-wide when no target is given)? */
export function can(viewer: Viewer, module: PermissionModule, action: PermissionAction, target?: DepartmentTarget): boolean {
  if (!actsInOrg(viewer)) return false;
  if (isOrgAdmin(viewer)) return true;
  return viewer.grants.some((grant) => grantAllows(grant, module, action) && grantCovers(grant, target));
}

/** Throws FORBIDDEN naming the missing right when `can` says no. */
export function assertCan(
  viewer: Viewer,
  module: PermissionModule,
  action: PermissionAction,
  target?: DepartmentTarget,
  what = 'this',
): void {
  if (can(viewer, module, action, target)) return;
  const scoped = viewer.grants.some((grant) => grantAllows(grant, module, action));
  throw forbidden(
    scoped
      ? errorMessage('outsideDepartments', { what })
      : errorMessage('permissionRequired', { module, action }),
  );
}

export function assertOrgAdmin(viewer: Viewer, what: string): void {
  if (!isOrgAdmin(viewer)) throw forbidden(errorMessage('adminOnlyTo', { what }));
}

/**
 * Field-level rule for a member's phone, email, employee number and account details: the member themself,
 * and whoever may view MEMBER_SENSITIVE_FIELDS on one of the member's departments.
 */
export function canSeeMemberSensitiveFields(viewer: Viewer, memberId: string, memberDepartmentPaths: string[]): boolean {
  return (
    can(viewer, PermissionModule.MEMBER_SENSITIVE_FIELDS, PermissionAction.VIEW, { departmentPaths: memberDepartmentPaths, match: 'any' }) ||
    isViewerMember(viewer, memberId)
  );
}

/**
 * May the viewer hand out this role? OWNER: any. ADMIN: any but OWNER. Anyone else allowed to edit members
 * (sub-admins, custom roles): only MEMBER and custom roles, never an admin role.
 */
export function canGrantRole(viewer: Viewer, role: { builtin: BuiltinRole | null }): boolean {
  if (isOwner(viewer)) return true;
  if (isOrgAdmin(viewer)) return role.builtin !== BuiltinRole.OWNER;
  return role.builtin === null || role.builtin === BuiltinRole.MEMBER;
}

/**
 * May the viewer put these module actions into a role, or hand out or take back a role that has them?
 * OWNER and ADMIN: any. Anyone else: only actions they hold org-wide themselves, so a holder of a
 * custom role that edits roles cannot raise their own rights (or anybody else's) beyond their own.
 */
export function canGrantPermissions(viewer: Viewer, permissions: Permission[]): boolean {
  if (isOrgAdmin(viewer)) return true;
  return permissions.every((permission) => permission.actions.every((action) => can(viewer, permission.module, action)));
}

/**
 * Throws FORBIDDEN unless the viewer may create, change or delete role definitions (roles and role groups)
 * with the given permissions: ROLES `action` org-wide, and no permission they do not hold themselves.
 */
export function assertCanDefineRoles(viewer: Viewer, action: PermissionAction, permissions: Permission[] = []): void {
  assertCan(viewer, PermissionModule.ROLES, action, undefined, 'managing roles');
  if (!canGrantPermissions(viewer, permissions)) {
    throw forbidden(errorMessage('rolePermissionsNotHeld'));
  }
}

/**
 * Throws FORBIDDEN unless the viewer may assign `role` to a member or revoke it: ROLES EDIT org-wide,
 * `canGrantRole`, and (for custom roles) `canGrantPermissions`.
 */
export function assertCanAssignRole(viewer: Viewer, role: { builtin: BuiltinRole | null; name: string; permissions: Permission[] }): void {
  assertCan(viewer, PermissionModule.ROLES, PermissionAction.EDIT, undefined, 'assigning roles');
  if (!canGrantRole(viewer, role)) {
    throw forbidden(
      role.builtin === BuiltinRole.OWNER
        ? errorMessage('ownerRoleOwnerOnly')
        : errorMessage('grantRoleAdminOnly', { role: role.builtin ?? role.name }),
    );
  }
  if (!canGrantPermissions(viewer, role.permissions)) {
    throw forbidden(errorMessage('roleGrantsUnheld', { name: role.name }));
  }
}

/** API clients (partner credentials) are created, rotated, revoked and listed by OWNER and ADMIN only. */
export function assertCanManageApiClients(viewer: Viewer): void {
  assertOrgAdmin(viewer, 'manage API clients');
}

/**
 * Webhook endpoints (where the org's changes are pushed, with every event type) are managed by OWNER and ADMIN, and
 * by API clients holding `webhooks:manage`; deliveries are read by the same.
 */
export function assertCanManageWebhooks(viewer: Viewer): void {
  if (viewer.apiClient) {
    if (viewer.org !== null && viewer.apiClient.scopes.includes('webhooks:manage')) return;
    throw forbidden(errorMessage('webhooksScope'));
  }
  assertOrgAdmin(viewer, 'manage webhook endpoints');
}

/** May the viewer read the org's audit log? OWNER, ADMIN, or a role granting AUDIT_LOG VIEW org-wide. */
export function assertCanViewAuditLog(viewer: Viewer): void {
  assertCan(viewer, PermissionModule.AUDIT_LOG, PermissionAction.VIEW, undefined, 'the audit log');
}

/**
 * Acting on an existing member who holds roles: only when the viewer could grant each of those roles, so an admin
 * does not disable or remove the owner and a sub-admin does not touch an admin. Checked after `assertCan`.
 */
export function assertCanActOnRoleHolder(viewer: Viewer, roles: Array<{ builtin: BuiltinRole | null }>): void {
  if (roles.every((role) => canGrantRole(viewer, role))) return;
  throw forbidden(errorMessage('memberHoldsUngrantableRole'));
}

/**
 * Where the viewer may perform `action` on `module`: everywhere (OWNER, ADMIN, an org-wide grant), or in the department
 * subtrees listed (scoped grants such as SUB_ADMIN). For filtering lists in SQL the way `can` decides one object.
 */
export function grantScope(viewer: Viewer, module: PermissionModule, action: PermissionAction): { orgWide: boolean; scopePaths: string[] } {
  if (!actsInOrg(viewer)) return { orgWide: false, scopePaths: [] };
  if (isOrgAdmin(viewer)) return { orgWide: true, scopePaths: [] };
  const grants = viewer.grants.filter((grant) => grantAllows(grant, module, action));
  if (grants.some((grant) => grantCovers(grant, undefined))) return { orgWide: true, scopePaths: [] };
  return { orgWide: false, scopePaths: [...new Set(grants.flatMap((grant) => grant.scopePaths))] };
}

/**
 * May the viewer create this invitation or invite link [004]?
 * - Whoever may create INVITATIONS on every chosen department (OWNER, ADMIN, a SUB_ADMIN in scope, a custom role),
 *   handing out only roles `canGrantRole` allows.
 * - Anyone else only while the org keeps invitations open (`settings.invitesOpen`): with the MEMBER role only, and
 *   into their own departments or the org root (`openDepartmentPaths`).
 */
export function assertCanInvite(
  viewer: Viewer,
  invite: { departmentPaths: string[]; roles: Array<{ builtin: BuiltinRole | null; name: string }>; openDepartmentPaths: string[] },
): void {
  const { departmentPaths, roles } = invite;
  if (can(viewer, PermissionModule.INVITATIONS, PermissionAction.CREATE, { departmentPaths, match: 'all' })) {
    const refused = roles.find((role) => !canGrantRole(viewer, role));
    if (refused) throw forbidden(errorMessage('mayNotGrantRole', { name: refused.name }));
    return;
  }
  const manages = viewer.grants.some((grant) => grantAllows(grant, PermissionModule.INVITATIONS, PermissionAction.CREATE));
  // Open invitations are for members bringing in colleagues; a partner system invites only with invitations:write.
  if (viewer.apiClient) throw forbidden(errorMessage('invitationsWriteScope'));
  const outsideScope = errorMessage('chosenDepartmentOutside');
  if (!viewer.org?.invitesOpen) {
    throw forbidden(manages ? outsideScope : errorMessage('invitesClosed'));
  }
  if (!roles.every((role) => role.builtin === BuiltinRole.MEMBER)) {
    throw forbidden(errorMessage('membersInviteMemberRoleOnly'));
  }
  if (!departmentPaths.every((path) => invite.openDepartmentPaths.includes(path))) {
    throw forbidden(manages ? outsideScope : errorMessage('membersInviteOwnDepartments'));
  }
}

/** May the viewer see this invitation: the one who sent it, or whoever may view INVITATIONS on one of its departments. */
export function canViewInvitation(viewer: Viewer, invitation: { invitedByMemberId: string | null; departmentPaths: string[] }): boolean {
  if (viewer.member && isViewerMember(viewer, invitation.invitedByMemberId)) return true;
  return can(viewer, PermissionModule.INVITATIONS, PermissionAction.VIEW, { departmentPaths: invitation.departmentPaths, match: 'any' });
}

/** An invitation's phone and email follow the member rule: whoever may view MEMBER_SENSITIVE_FIELDS on one of its departments. */
export function canSeeInvitationRecipient(viewer: Viewer, departmentPaths: string[]): boolean {
  return can(viewer, PermissionModule.MEMBER_SENSITIVE_FIELDS, PermissionAction.VIEW, { departmentPaths, match: 'any' });
}

/**
 * Bulk import [003]: may the viewer import people anywhere at all? Checked before the upload is read; each row is
 * then checked with `canImportInto`. Needs MEMBERS CREATE and INVITATIONS CREATE (OWNER and ADMIN anywhere,
 * SUB_ADMIN within their scope).
 */
export function canImportMembers(viewer: Viewer): boolean {
  if (!viewer.member) return false;
  if (isOrgAdmin(viewer)) return true;
  const held = (module: PermissionModule) => viewer.grants.some((grant) => grantAllows(grant, module, PermissionAction.CREATE));
  return held(PermissionModule.MEMBERS) && held(PermissionModule.INVITATIONS);
}

/** May the viewer import a person into the department at `departmentPath` (both MEMBERS and INVITATIONS CREATE cover it)? */
export function canImportInto(viewer: Viewer, departmentPath: string): boolean {
  const target: DepartmentTarget = { departmentPaths: [departmentPath], match: 'all' };
  return (
    can(viewer, PermissionModule.MEMBERS, PermissionAction.CREATE, target) &&
    can(viewer, PermissionModule.INVITATIONS, PermissionAction.CREATE, target)
  );
}

/** May the viewer add departments under the department at `parentPath` (DEPARTMENTS CREATE on the parent)? */
export function canCreateDepartmentUnder(viewer: Viewer, parentPath: string): boolean {
  return can(viewer, PermissionModule.DEPARTMENTS, PermissionAction.CREATE, { departmentPaths: [parentPath], match: 'all' });
}

/** Which imports `memberImports` lists: all of the org (OWNER, ADMIN), the viewer's own (others who may import), or none. */
export function memberImportsVisibleTo(viewer: Viewer): 'all' | 'own' | 'none' {
  if (!viewer.member) return 'none';
  if (isOrgAdmin(viewer)) return 'all';
  return canImportMembers(viewer) ? 'own' : 'none';
}

/**
 * Bulk import of external contacts [000]: the rule of `createContact`, every active member adds contacts of their own.
 * Naming another member as a row's owner is then checked per row with `canImportContactsFor`.
 */
export function canImportContacts(viewer: Viewer): boolean {
  return viewer.member !== null && viewer.member.status === MemberStatus.ACTIVE;
}

/** May the viewer import contacts owned by someone else at all (CONTACTS CREATE anywhere: OWNER, ADMIN, SUB_ADMIN, a custom role)? */
export function mayImportContactsForOthers(viewer: Viewer): boolean {
  if (!viewer.member) return false;
  return isOrgAdmin(viewer) || viewer.grants.some((grant) => grantAllows(grant, PermissionModule.CONTACTS, PermissionAction.CREATE));
}

/**
 * May the viewer import a contact owned by this member? Themself always; another member with CONTACTS CREATE on one of
 * the owner's departments (OWNER/ADMIN anywhere, a SUB_ADMIN when the owner is in their departments), as a hand-over
 * needs CONTACTS EDIT over the receiver.
 */
export function canImportContactsFor(viewer: Viewer, owner: { id: string; departmentPaths: string[] }): boolean {
  if (!viewer.member) return false;
  if (owner.id === viewer.member.id) return true;
  return can(viewer, PermissionModule.CONTACTS, PermissionAction.CREATE, { departmentPaths: owner.departmentPaths, match: 'any' });
}

/** Which contact imports `contactImports` lists: all of the org (OWNER, ADMIN) or the viewer's own. */
export function contactImportsVisibleTo(viewer: Viewer): 'all' | 'own' {
  return isOrgAdmin(viewer) ? 'all' : 'own';
}

/** An import (of any kind) and its report: OWNER and ADMIN see every import of the org, anyone else only the imports they ran. */
export function canViewMemberImport(viewer: Viewer, memberImport: { createdByMemberId: string | null }): boolean {
  if (!viewer.member) return false;
  return isOrgAdmin(viewer) || memberImport.createdByMemberId === viewer.member.id;
}

/**
 * May the viewer watch invitation events at all? OWNER, ADMIN, SUB_ADMIN, or a role granting INVITATIONS VIEW,
 * whatever its scope; which events then reach them is `canSeeInvitationEvent`'s answer, per event.
 */
export function canWatchInvitationEvents(viewer: Viewer): boolean {
  if (!actsInOrg(viewer)) return false; // a member, or an API client (invitations:read)
  if (isOrgAdmin(viewer)) return true;
  return viewer.grants.some((grant) => grantAllows(grant, PermissionModule.INVITATIONS, PermissionAction.VIEW));
}

/**
 * May the viewer see an invitation event concerning these departments (their materialised paths)? Scoped grants
 * need one of them in scope; an event with no department (an org-wide link) needs an org-wide grant.
 */
export function canSeeInvitationEvent(viewer: Viewer, departmentPaths: string[]): boolean {
  return can(viewer, PermissionModule.INVITATIONS, PermissionAction.VIEW, { departmentPaths, match: 'any' });
}

/*
 * External contacts [001]: who sees and who edits a contact.
 *
 * Every contact carries an audience (the `contacts.audience` column, generated from the contact's own columns):
 * its owner, the members and departments it is SHARED with, the members connected with the person through a
 * contact card [002], and the org itself when its visibility is ORG. A viewer sees a live (not deleted) contact when
 *   1. the viewer may view CONTACTS org-wide (OWNER, ADMIN, or a custom role granting CONTACTS VIEW org-wide); or
 *   2. one of the viewer's own keys is in the audience: their member id, the org id, or a department they are
 *      placed in or any department above it (a share with a department reaches its whole subtree); or
 *   3. the viewer holds CONTACTS VIEW limited to department subtrees (a SUB_ADMIN, a scoped custom role) and the
 *      contact is owned by, shared with or connected to a member placed in one of those subtrees, or shared with a
 *      department that lies in, or above, one of them.
 * Anyone else: the contact does not exist (NOT_FOUND), in lists, node(id), search and counts alike. Lists and single
 * reads both run the SQL predicate built from `contactReach` (`contacts/contact-visibility.ts`), so they agree.
 *
 * Fields of a visible contact: name, company, title, tags, phones, email, sharing, owner, state and interaction
 * records go to everyone who sees it (sharing a contact is for colleagues to reach the person). `notes` only to
 * those who may edit it.
 *
 * Editing (update, delete, restore, merge, tags, notes): the owner, and whoever holds CONTACTS EDIT (DELETE for
 * deleting) on one of the owner's departments: OWNER/ADMIN org-wide, a SUB_ADMIN when the owner is in their
 * departments. Members a contact is shared with read it only.
 *
 * API clients have no departments and no contacts of their own: their one org-wide grant makes them rule-1 readers
 * (`contacts:read`) and org-wide editors (`contacts:write`: notes, create for a named owner, update, delete).
 */

/** The reach of a viewer over the contacts of their org, as `contacts/contact-visibility.ts` turns it into SQL. */
export interface ContactReach {
  /** Every contact of the org (rule 1). */
  orgWide: boolean;
  /** The viewer's own audience keys (rule 2): member id, org id, own departments and every department above them. */
  audienceKeys: string[];
  /** Department subtrees of rule 3, as materialised paths. */
  scopePaths: string[];
}

/** `ownDepartmentPaths`: materialised paths of the departments the viewer is placed in. */
export function contactReach(viewer: Viewer, ownDepartmentPaths: string[]): ContactReach {
  const member = viewer.member;
  // An API client: its scopes are one org-wide grant, so it reads every contact of the org (`contacts:read`) or none.
  if (!member) return { orgWide: can(viewer, PermissionModule.CONTACTS, PermissionAction.VIEW), audienceKeys: [], scopePaths: [] };
  const orgWide = can(viewer, PermissionModule.CONTACTS, PermissionAction.VIEW);
  const departmentKeys = ownDepartmentPaths.flatMap((path) => path.split('/').filter(Boolean));
  const scopePaths = orgWide
    ? []
    : viewer.grants.filter((grant) => grantAllows(grant, PermissionModule.CONTACTS, PermissionAction.VIEW)).flatMap((grant) => grant.scopePaths);
  return { orgWide, audienceKeys: [...new Set([member.id, member.orgId, ...departmentKeys])], scopePaths: [...new Set(scopePaths)] };
}

/**
 * May the viewer change (or, with `DELETE`, delete and restore) a contact, and read its notes? The owner, and
 * holders of CONTACTS `action` on one of the owner's departments. A contact without an owner (its owner was removed
 * without a hand-over): org-wide holders only.
 */
export function canEditContact(
  viewer: Viewer,
  contact: { ownerId: string | null },
  ownerDepartmentPaths: string[],
  action: PermissionAction.EDIT | PermissionAction.DELETE = PermissionAction.EDIT,
): boolean {
  if (!actsInOrg(viewer)) return false;
  if (contact.ownerId !== null && contact.ownerId === viewer.member?.id) return true;
  return can(viewer, PermissionModule.CONTACTS, action, { departmentPaths: ownerDepartmentPaths, match: 'any' });
}

/**
 * Creating a contact owned by another member (an admin adding a customer for a salesperson, a partner's CRM syncing
 * one): CONTACTS CREATE on one of the owner's departments (OWNER/ADMIN and org-wide roles or `contacts:write` clients
 * anywhere, a SUB_ADMIN within their departments).
 */
export function assertCanCreateContactFor(viewer: Viewer, ownerDepartmentPaths: string[]): void {
  assertCan(viewer, PermissionModule.CONTACTS, PermissionAction.CREATE, { departmentPaths: ownerDepartmentPaths, match: 'any' }, 'the owner');
}

/** Throws FORBIDDEN unless `canEditContact`. Call only for contacts the viewer sees: others answer NOT_FOUND. */
export function assertCanEditContact(
  viewer: Viewer,
  contact: { ownerId: string | null },
  ownerDepartmentPaths: string[],
  action: PermissionAction.EDIT | PermissionAction.DELETE = PermissionAction.EDIT,
): void {
  if (canEditContact(viewer, contact, ownerDepartmentPaths, action)) return;
  throw forbidden(errorMessage('contactOwnerOrAdminOnly'));
}

/**
 * Handing contacts over from one member to another [004]: CONTACTS EDIT over both members (OWNER/ADMIN anywhere, a
 * SUB_ADMIN when both are in their departments).
 */
export function assertCanTransferContacts(viewer: Viewer, fromDepartmentPaths: string[], toDepartmentPaths: string[]): void {
  assertCan(viewer, PermissionModule.CONTACTS, PermissionAction.EDIT, { departmentPaths: fromDepartmentPaths, match: 'any' }, 'the member handing over');
  assertCan(viewer, PermissionModule.CONTACTS, PermissionAction.EDIT, { departmentPaths: toDepartmentPaths, match: 'any' }, 'the receiving member');
}

/** Tag groups and tags are the org's shared vocabulary: CONTACTS `action` org-wide (OWNER, ADMIN, custom roles). */
export function assertCanDefineContactTags(viewer: Viewer, action: PermissionAction): void {
  assertCan(viewer, PermissionModule.CONTACTS, action, undefined, 'contact tags');
}

/**
 * API clients receive only objects of types their scopes let them read: checked on the whole operation before it
 * runs, from the types it selects (`typeNames`), so a partner gets FORBIDDEN rather than a half-answered operation.
 * People are not limited here (their reads are decided where the objects are loaded).
 */
export function assertApiClientMayRead(viewer: Viewer, typeNames: Iterable<string>): void {
  if (!viewer.apiClient) return;
  for (const typeName of typeNames) {
    if (typeName.startsWith('__')) continue;
    const module = viewer.apiClient.readableTypes.get(typeName);
    if (module === undefined) throw forbidden(errorMessage('apiClientCannotRead', { typeName }));
    if (module !== null && !can(viewer, module, PermissionAction.VIEW)) {
      throw forbidden(errorMessage('readNeedsScope', { typeName, scope: readScopeOf(module) ?? module }));
    }
  }
}

/**
 * Objects every member of the org reads (the org, departments, roles, tags): people always, API clients when their
 * scopes read the type.
 */
export function mayReadOrgWideType(viewer: Viewer, typeName: string): boolean {
  if (!viewer.apiClient) return viewer.member !== null;
  const module = viewer.apiClient.readableTypes.get(typeName);
  return module === null || (module !== undefined && can(viewer, module, PermissionAction.VIEW));
}

/** `node(id)` of a type: people as the type's own fetcher decides; API clients only types their scopes read. */
export function assertMayFetchNodeType(viewer: Viewer, typeName: string): void {
  assertApiClientMayRead(viewer, [typeName]);
}

/**
 * Subscriptions to org events: active members, and API clients holding `events:subscribe` (each stream still needs
 * the read scope of what it carries: `members:read` for memberEvents, `invitations:read` for invitationEvents).
 */
export function canSubscribeToEvents(viewer: Viewer): boolean {
  if (viewer.apiClient) return viewer.org !== null && viewer.apiClient.scopes.includes('events:subscribe');
  return viewer.member !== null;
}

/** Where a viewer may send notifications: to anyone in the org, or to members of these department subtrees. */
export interface NotificationScope {
  orgWide: boolean;
  scopePaths: string[];
}

/**
 * Who may send work notifications and announcements [004]: OWNER and ADMIN to anyone in the org; SUB_ADMIN to members
 * of the department subtrees it manages; a custom role granting NOTIFICATIONS CREATE within its scope (org-wide when it
 * has none). Returns that scope; FORBIDDEN when the viewer may notify nobody. The audience is then checked with
 * `assertAudienceInScope`.
 */
export function notificationSendScope(viewer: Viewer): NotificationScope {
  const scope = grantScope(viewer, PermissionModule.NOTIFICATIONS, PermissionAction.CREATE);
  if (!scope.orgWide && scope.scopePaths.length === 0) {
    throw forbidden(errorMessage('sendNotificationsPermission'));
  }
  return scope;
}

/**
 * Throws FORBIDDEN, naming what reaches outside, unless the whole audience is within `scope`: `everyone` needs an
 * org-wide scope, each chosen department must lie in a managed subtree, and `membersOutside` (the resolved members,
 * e.g. through a role, placed in no managed department) must be 0. A member is in scope when one of their departments is.
 */
export function assertAudienceInScope(
  scope: NotificationScope,
  audience: { everyone: boolean; departments: Array<{ name: string; path: string }>; membersOutside: number },
): void {
  if (scope.orgWide) return;
  if (audience.everyone) {
    throw forbidden(errorMessage('everyoneOutsideScope'));
  }
  const department = audience.departments.find((candidate) => !scopeCovers(scope.scopePaths, candidate.path));
  if (department) throw forbidden(errorMessage('audienceDepartmentOutside', { name: department.name }));
  if (audience.membersOutside > 0) {
    throw forbidden(errorMessage('audienceMembersOutside', { members: audience.membersOutside, shown: String(audience.membersOutside) }));
  }
}

/**
 * Read receipts of a notification (who received it, who read it) and the notifications an org sent: the sender, and
 * whoever may VIEW NOTIFICATIONS org-wide (OWNER, ADMIN, an org-wide custom role). Recipients see the message only.
 */
export function canViewNotificationReceipts(viewer: Viewer, notification: { orgId: string; senderMemberId: string | null }): boolean {
  const member = viewer.member;
  if (!member || member.orgId !== notification.orgId) return false;
  return member.id === notification.senderMemberId || can(viewer, PermissionModule.NOTIFICATIONS, PermissionAction.VIEW);
}

/** Which sent notifications `sentNotifications` lists: all of the org's, or the viewer's own. */
export function sentNotificationsVisibleTo(viewer: Viewer): 'all' | 'own' {
  return can(viewer, PermissionModule.NOTIFICATIONS, PermissionAction.VIEW) ? 'all' : 'own';
}

/*
 * Follow-up reminders [001] live on a contact and are seen by everyone who sees the contact (like interaction records).
 * Anyone who sees a contact schedules follow-ups for themselves; assigning one to another member needs the right to
 * edit the contact (its owner, an admin over the owner), so a colleague a contact is shared with cannot hand out work.
 * The assignee must be an ACTIVE member who sees the contact (checked by the service, which knows the assignee's reach).
 * Completing or cancelling: the assignee, the author, or whoever may edit the contact.
 */

/** Throws FORBIDDEN unless the viewer may assign a follow-up on a contact they see to `assigneeMemberId`. */
export function assertCanAssignFollowUp(viewer: Viewer, assigneeMemberId: string, mayEditContact: boolean): void {
  if (viewer.member && assigneeMemberId === viewer.member.id) return;
  if (mayEditContact) return;
  throw forbidden(errorMessage('followUpAssignOwnerOnly'));
}

/** Throws FORBIDDEN unless the viewer may complete or cancel the follow-up (on a contact they see). */
export function assertCanCloseFollowUp(
  viewer: Viewer,
  followUp: { assigneeMemberId: string | null; authorMemberId: string | null },
  mayEditContact: boolean,
): void {
  const me = viewer.member?.id;
  if (me && (followUp.assigneeMemberId === me || followUp.authorMemberId === me)) return;
  if (mayEditContact) return;
  throw forbidden(errorMessage('followUpCloseNotAllowed'));
}
