import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Department } from '../departments/department.entity';
import { PermissionAction, PermissionModule, Role } from './role.entity';

@InputType({ description: 'The actions a custom role grants on one module.' })
export class PermissionInput {
  @Field(() => PermissionModule)
  module!: PermissionModule;

  @Field(() => [PermissionAction])
  actions!: PermissionAction[];
}

@InputType()
export class CreateRoleInput {
  @Field(() => String, { description: '1 to 100 characters, unique in the org.' })
  name!: string;

  @Field(() => ID, { nullable: true, description: 'The role group to put the role in.' })
  groupId?: string | null;

  @Field(() => [PermissionInput], {
    description: 'Per-module actions. Entries for the same module are merged; modules without actions are dropped.',
  })
  permissions!: PermissionInput[];
}

@InputType({ description: 'Changes a custom role; omitted fields stay as they are.' })
export class UpdateRoleInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'Omitted: unchanged. null: taken out of its group.' })
  groupId?: string | null;

  @Field(() => [PermissionInput], { nullable: true, description: 'Replaces all permissions of the role.' })
  permissions?: PermissionInput[] | null;
}

@InputType()
export class CreateRoleGroupInput {
  @Field(() => String, { description: '1 to 100 characters, unique in the org.' })
  name!: string;
}

@InputType()
export class RenameRoleGroupInput {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;
}

@InputType()
export class AssignRoleInput {
  @Field(() => ID)
  memberId!: string;

  @Field(() => ID)
  roleId!: string;

  @Field(() => [ID], {
    nullable: true,
    description:
      'Departments whose subtrees the role is limited to. Required for SUB_ADMIN; optional for custom roles (empty: org-wide); not allowed for OWNER, ADMIN and MEMBER. Replaces the scope when the member already holds the role.',
  })
  scopeDepartmentIds?: string[] | null;
}

@InputType()
export class RevokeRoleInput {
  @Field(() => ID)
  memberId!: string;

  @Field(() => ID)
  roleId!: string;
}

@ObjectType({ description: 'A role held by a member, with the departments it is limited to.' })
export class RoleAssignment {
  @Field(() => Role)
  role!: Role;

  /** Resolved to `scopeDepartments` only when selected. */
  scopeDepartmentIds!: string[];
}
