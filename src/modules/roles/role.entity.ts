import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Node } from '../../graphql/relay';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { BuiltinRole, PermissionAction, PermissionModule, type Permission as GrantedPermission } from '../../auth/vocabulary';

export { BuiltinRole, PermissionAction, PermissionModule };
registerEnumType(BuiltinRole, { name: 'BuiltinRole' });
registerEnumType(PermissionModule, { name: 'PermissionModule' });
registerEnumType(PermissionAction, { name: 'PermissionAction' });

@ObjectType()
export class Permission implements GrantedPermission {
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
