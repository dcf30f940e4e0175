import { Field, ID, InputType, ObjectType } from 'type-graphql';
import { Department } from '../departments/department.entity';
import { PermissionAction, PermissionModule, Role } from './role.entity';

@InputType({ description: 'The actions a custom role grants on one module.' })
export class PermissionInput {
  @Field(() => PermissionModule, { description: 'The module.' })
  module!: PermissionModule;

  @Field(() => [PermissionAction], { description: 'The actions to allow.' })
  actions!: PermissionAction[];
}

@InputType({ description: 'A custom role to create.' })
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
  @Field(() => ID, { description: 'The custom role.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'A new name, unique in the org.' })
  name?: string | null;

  @Field(() => ID, { nullable: true, description: 'Omitted: unchanged. null: taken out of its group.' })
  groupId?: string | null;

  @Field(() => [PermissionInput], { nullable: true, description: 'Replaces all permissions of the role.' })
  permissions?: PermissionInput[] | null;
}

@InputType({ description: 'A role group to create.' })
export class CreateRoleGroupInput {
  @Field(() => String, { description: '1 to 100 characters, unique in the org.' })
  name!: string;
}

@InputType({ description: 'A role group and its new name.' })
export class RenameRoleGroupInput {
  @Field(() => ID, { description: 'The role group.' })
  id!: string;

  @Field(() => String, { description: "The new name, unique among the org's role groups." })
  name!: string;
}

@InputType({ description: 'A role to give to a member, with its scope for scoped roles.' })
export class AssignRoleInput {
  @Field(() => ID, { description: 'The member who gets the role.' })
  memberId!: string;

  @Field(() => ID, { description: 'The role to give.' })
  roleId!: string;

  @Field(() => [ID], {
    nullable: true,
    description:
      'Departments whose subtrees the role is limited to. Required for SUB_ADMIN; optional for custom roles (empty: org-wide); not allowed for OWNER, ADMIN and MEMBER. Replaces the scope when the member already holds the role.',
  })
  scopeDepartmentIds?: string[] | null;
}

@InputType({ description: 'A role to take from a member.' })
export class RevokeRoleInput {
  @Field(() => ID, { description: 'The member.' })
  memberId!: string;

  @Field(() => ID, { description: 'The role.' })
  roleId!: string;
}

@ObjectType({ description: 'A role held by a member, with the departments it is limited to.' })
export class RoleAssignment {
  @Field(() => Role, { description: 'The role held.' })
  role!: Role;

  /** Resolved to `scopeDepartments` only when selected. */
  scopeDepartmentIds!: string[];
}
