import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { BuiltinRole, PermissionAction, PermissionModule, type Permission as GrantedPermission } from '../../auth/vocabulary';

export { BuiltinRole, PermissionAction, PermissionModule };
registerEnumType(BuiltinRole, {
  name: 'BuiltinRole',
  description: 'The roles every org has, which cannot be changed or deleted.',
  valuesConfig: {
    ADMIN: { description: 'Manages everything in the org except owners.' },
    MEMBER: { description: 'Every member holds it: reads the directory.' },
    OWNER: { description: 'Full rights, including over admins and other owners; an org always keeps one.' },
    SUB_ADMIN: { description: 'Admin over given departments (their subtrees) only.' },
  },
});
registerEnumType(PermissionModule, {
  name: 'PermissionModule',
  description: 'A part of the org that permissions apply to.',
  valuesConfig: {
    AUDIT_LOG: { description: 'The audit log.' },
    CONTACTS: { description: 'External contacts, their tags and groups.' },
    DEPARTMENTS: { description: 'The department tree.' },
    INVITATIONS: { description: 'Invitations and invite links.' },
    MEMBERS: { description: 'Members and their profiles.' },
    MEMBER_SENSITIVE_FIELDS: { description: "Members' phone, email, employee number and account details." },
    NOTIFICATIONS: { description: 'Work notifications and announcements.' },
    ORG: { description: "The org's settings." },
    ROLES: { description: 'Roles and role groups.' },
  },
});
registerEnumType(PermissionAction, {
  name: 'PermissionAction',
  description: 'What may be done in a module.',
  valuesConfig: {
    CREATE: { description: 'Create objects.' },
    DELETE: { description: 'Delete objects.' },
    EDIT: { description: 'Change objects.' },
    VIEW: { description: 'Read objects.' },
  },
});

@ObjectType({ description: 'What a role allows in one module.' })
export class Permission implements GrantedPermission {
  @Field(() => PermissionModule, { description: 'The module.' })
  module!: PermissionModule;

  @Field(() => [PermissionAction], { description: 'The actions allowed in the module.' })
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
  @Field(() => String, { description: "The role's name, unique in the org." })
  name!: string;

  @Property({ type: 'uuid', nullable: true })
  groupId: string | null = null;

  @Property({ type: 'json' })
  @Field(() => [Permission], { description: 'What the role allows, per module.' })
  permissions: Opt<Permission[]> = [];
}
