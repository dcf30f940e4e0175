/**
 * The words the authorization layer decides with: roles, permission modules and actions, membership and account
 * kinds. Plain enums, so `auth/` needs no entity; the modules' entities use them as column types and register them
 * with GraphQL.
 */

export enum BuiltinRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  SUB_ADMIN = 'SUB_ADMIN',
  MEMBER = 'MEMBER',
}

/** Modules that custom-role permissions are granted on. */
export enum PermissionModule {
  ORG = 'ORG',
  DEPARTMENTS = 'DEPARTMENTS',
  MEMBERS = 'MEMBERS',
  /** Viewing phone, email, employee number and account details of members in scope. */
  MEMBER_SENSITIVE_FIELDS = 'MEMBER_SENSITIVE_FIELDS',
  ROLES = 'ROLES',
  INVITATIONS = 'INVITATIONS',
  CONTACTS = 'CONTACTS',
  NOTIFICATIONS = 'NOTIFICATIONS',
  AUDIT_LOG = 'AUDIT_LOG',
}

export enum PermissionAction {
  VIEW = 'VIEW',
  CREATE = 'CREATE',
  EDIT = 'EDIT',
  DELETE = 'DELETE',
}

/** The actions a role grants on one module. */
export interface Permission {
  module: PermissionModule;
  actions: PermissionAction[];
}

export enum MemberStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}

export enum AccountKind {
  PERSONAL = 'PERSONAL',
  ENTERPRISE = 'ENTERPRISE',
}
