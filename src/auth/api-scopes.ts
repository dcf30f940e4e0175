import { ContributionKind, type Contributions } from '../contributions';
import { PermissionAction, PermissionModule, type Permission } from './vocabulary';

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
  /** Webhook endpoints of the org: create, change, rotate, delete, and read their deliveries. */
  'webhooks:manage': [],
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
 * Which module's VIEW an API client needs to receive objects of a GraphQL type: each module names its types (see
 * `src/modules.ts`); `null`: readable by any client of the org. The policy refuses an operation that selects a type
 * the client may not read (FORBIDDEN, before it runs); a type named by no module is refused (fail closed).
 */
export type ApiClientReadableTypes = Readonly<Record<string, PermissionModule | null>>;
export const apiClientReadableTypes = new ContributionKind<ApiClientReadableTypes>('apiClientReadableTypes');

/** The types of the layers themselves: `node(id)` checks the type named in the id (`assertMayFetchNodeType`). */
const GENERIC_READABLE_TYPES: ApiClientReadableTypes = { Node: null, PageInfo: null, Permission: null };

/** Every type API clients may read, and what it needs: the generic ones and the modules'. */
export function readableTypesOf(contributions: Contributions): ReadonlyMap<string, PermissionModule | null> {
  return new Map(Object.entries(Object.assign({}, GENERIC_READABLE_TYPES, ...contributions.of(apiClientReadableTypes)) as ApiClientReadableTypes));
}

/** `members:read` for MEMBERS, for refusals that name the missing scope. */
export function readScopeOf(module: PermissionModule): string | undefined {
  return API_SCOPE_NAMES.find((scope) => API_SCOPES[scope].some((p) => p.module === module && p.actions.length === 1));
}
