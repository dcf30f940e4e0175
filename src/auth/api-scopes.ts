import { PermissionAction, PermissionModule, type Permission } from '../modules/roles/role.entity';

/**
 * The scopes an API client may hold, `<module>:<action>`, and the module actions each grants. Partners are
 * checked by the same policy as people: a client's scopes become one org-wide custom-role grant (`grantForScopes`).
 * A `:write` scope includes reading the same module, as a role that edits members also sees them.
 */
const ALL_ACTIONS = [PermissionAction.VIEW, PermissionAction.CREATE, PermissionAction.EDIT, PermissionAction.DELETE];

export const API_SCOPES = {
  'members:read': [{ module: PermissionModule.MEMBERS, actions: [PermissionAction.VIEW] }],
  'members:write': [{ module: PermissionModule.MEMBERS, actions: ALL_ACTIONS }],
  /** Phone, email, employee number and account details of members, and the recipient of invitations. */
  'members:read_sensitive': [{ module: PermissionModule.MEMBER_SENSITIVE_FIELDS, actions: [PermissionAction.VIEW] }],
  'departments:read': [{ module: PermissionModule.DEPARTMENTS, actions: [PermissionAction.VIEW] }],
  'departments:write': [{ module: PermissionModule.DEPARTMENTS, actions: ALL_ACTIONS }],
  'invitations:read': [{ module: PermissionModule.INVITATIONS, actions: [PermissionAction.VIEW] }],
  'invitations:write': [{ module: PermissionModule.INVITATIONS, actions: ALL_ACTIONS }],
  'roles:read': [{ module: PermissionModule.ROLES, actions: [PermissionAction.VIEW] }],
  'roles:write': [{ module: PermissionModule.ROLES, actions: ALL_ACTIONS }],
  'contacts:read': [{ module: PermissionModule.CONTACTS, actions: [PermissionAction.VIEW] }],
  'contacts:write': [{ module: PermissionModule.CONTACTS, actions: ALL_ACTIONS }],
  'audit:read': [{ module: PermissionModule.AUDIT_LOG, actions: [PermissionAction.VIEW] }],
  /** Subscriptions to org events; the events themselves still need the read scope of their module. */
  'events:subscribe': [],
} satisfies Record<string, Permission[]>;

export type ApiScope = keyof typeof API_SCOPES;

export const API_SCOPE_NAMES = Object.keys(API_SCOPES) as ApiScope[];

export function isApiScope(value: string): value is ApiScope {
  return Object.prototype.hasOwnProperty.call(API_SCOPES, value);
}

/** The module actions a set of scopes grants, merged per module. */
export function permissionsForScopes(scopes: readonly string[]): Permission[] {
  const byModule = new Map<PermissionModule, Set<PermissionAction>>();
  for (const scope of scopes) {
    if (!isApiScope(scope)) continue;
    for (const permission of API_SCOPES[scope]) {
      const actions = byModule.get(permission.module) ?? new Set<PermissionAction>();
      for (const action of permission.actions) actions.add(action);
      byModule.set(permission.module, actions);
    }
  }
  return [...byModule].map(([module, actions]) => ({ module, actions: [...actions] }));
}

/**
 * Which module's VIEW an API client needs to receive objects of a GraphQL type. The policy refuses an operation that
 * selects a type the client may not read (FORBIDDEN, before it runs); a type missing here is refused (fail closed).
 * Modules add their types with `registerApiClientType`. `null`: readable by any client of the org.
 */
const READ_MODULE_OF_TYPE = new Map<string, PermissionModule | null>([
  // `node(id)` checks the type named in the id (`assertMayFetchNodeType`).
  ['Node', null],
  ['Org', null],
  ['OrgSettings', null],
  ['MemberQuota', null],
  ['PageInfo', null],
  ['Permission', null],
  ['Member', PermissionModule.MEMBERS],
  ['MemberConnection', PermissionModule.MEMBERS],
  ['MemberEdge', PermissionModule.MEMBERS],
  ['RemoveMemberPayload', PermissionModule.MEMBERS],
  ['RoleAssignment', PermissionModule.MEMBERS],
  // Sensitive member fields are nulled field by field (like for people), so their types only need MEMBERS.
  ['MemberAccount', PermissionModule.MEMBERS],
  ['LogInRecord', PermissionModule.MEMBERS],
  ['MemberEvent', PermissionModule.MEMBERS],
  ['Department', PermissionModule.DEPARTMENTS],
  ['Invitation', PermissionModule.INVITATIONS],
  ['InvitationConnection', PermissionModule.INVITATIONS],
  ['InvitationEdge', PermissionModule.INVITATIONS],
  ['InvitationPayload', PermissionModule.INVITATIONS],
  ['InvitationEvent', PermissionModule.INVITATIONS],
  ['QrCode', PermissionModule.INVITATIONS],
  ['Role', PermissionModule.ROLES],
  ['RoleGroup', PermissionModule.ROLES],
  ['AuditEntry', PermissionModule.AUDIT_LOG],
  ['AuditEntryConnection', PermissionModule.AUDIT_LOG],
  ['AuditEntryEdge', PermissionModule.AUDIT_LOG],
  // Clients meet other clients only as audit actors.
  ['ApiClient', PermissionModule.AUDIT_LOG],
]);

/** Lets a module declare which read permission API clients need for one of its GraphQL types. */
export function registerApiClientType(typeName: string, module: PermissionModule | null): void {
  READ_MODULE_OF_TYPE.set(typeName, module);
}

/** `undefined`: not open to API clients at all. */
export function readModuleOfType(typeName: string): PermissionModule | null | undefined {
  return READ_MODULE_OF_TYPE.get(typeName);
}

/** `members:read` for MEMBERS, for refusals that name the missing scope. */
export function readScopeOf(module: PermissionModule): string | undefined {
  return API_SCOPE_NAMES.find((scope) => API_SCOPES[scope].some((p) => p.module === module && p.actions.length === 1));
}
