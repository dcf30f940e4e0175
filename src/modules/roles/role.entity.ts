import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';

export enum BuiltinRole {
  OWNER = 'OWNER',
  ADMIN = 'ADMIN',
  SUB_ADMIN = 'SUB_ADMIN',
  MEMBER = 'MEMBER',
}
registerEnumType(BuiltinRole, { name: 'BuiltinRole' });

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
registerEnumType(PermissionModule, { name: 'PermissionModule' });

export enum PermissionAction {
  VIEW = 'VIEW',
  CREATE = 'CREATE',
  EDIT = 'EDIT',
  DELETE = 'DELETE',
}
registerEnumType(PermissionAction, { name: 'PermissionAction' });

@ObjectType()
export class Permission {
  @Field(() => PermissionModule)
  module!: PermissionModule;

  @Field(() => [PermissionAction])
  actions!: PermissionAction[];
}

/** A role of one org: the four built-in ones (created with the org) or a custom one with per-module permissions. */
@Entity({ tableName: 'roles' })
@ObjectType({ implements: Node, description: 'A built-in or custom role.' })
export class Role extends OrgOwnedEntity {
  @Enum({ items: () => BuiltinRole, type: 'text', nullable: true })
  @Field(() => BuiltinRole, { nullable: true, description: 'Set for built-in roles, null for custom ones.' })
  builtin: BuiltinRole | null = null;

  @Property({ type: 'text' })
  @Field(() => String)
  name!: string;

  @Property({ type: 'uuid', nullable: true })
  groupId: string | null = null;

  @Property({ type: 'json' })
  @Field(() => [Permission])
  permissions: Opt<Permission[]> = [];
}
