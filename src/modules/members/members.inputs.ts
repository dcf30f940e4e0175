import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { ConnectionType } from '../../graphql/relay';
import { Member, MemberStatus } from './member.entity';

/**
 * The one `MemberConnection` type of the schema. Other modules that page members (e.g. `Role.members`)
 * reuse it together with `listMembers` instead of building a second type of the same name.
 */
export const MemberConnection = ConnectionType(Member, 'Member');

@InputType({ description: 'A new member, PENDING until the person accepts the invitation.' })
export class AddMemberInput {
  @Field(() => String, { description: '1 to 100 characters.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'How the name is read (furigana such as やまだ たろう, or a romanisation), at most 100 characters.' })
  nameReading?: string | null;

  @Field(() => String, { description: 'Mobile number; without a country code it is read in the default region. Unique in the org.' })
  phone!: string;

  @Field(() => String, { nullable: true, description: 'Email address for the invitation and the directory; optional when a phone is given.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title, at most 100 characters.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'At most 50 characters. Unique in the org.' })
  employeeNo?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Departments to place the member in. Omitted: the org root.' })
  departmentIds?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'Direct manager: a member of the org.' })
  managerId?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Roles to grant. Omitted: the built-in MEMBER role.' })
  roleIds?: string[] | null;
}

@InputType({ description: 'Omitted fields stay unchanged; an explicit null clears an optional field.' })
export class UpdateMemberInput {
  @Field(() => ID, { description: 'The member.' })
  id!: string;

  @Field(() => String, { nullable: true, description: 'Required field: cannot be cleared.' })
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'How the name is read, at most 100 characters; null clears it.' })
  nameReading?: string | null;

  @Field(() => String, { nullable: true, description: 'Required field: cannot be cleared.' })
  phone?: string | null;

  @Field(() => String, { nullable: true, description: 'Email address; null clears it. Needs MEMBER_SENSITIVE_FIELDS EDIT.' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Job title; null clears it.' })
  title?: string | null;

  @Field(() => String, { nullable: true, description: 'Employee number, unique in the org; null clears it. Needs MEMBER_SENSITIVE_FIELDS EDIT.' })
  employeeNo?: string | null;

  @Field(() => [ID], { nullable: true, description: 'Replaces the member’s departments; at least one.' })
  departmentIds?: string[] | null;

  @Field(() => ID, { nullable: true, description: 'Null removes the manager. Neither the member nor one of their reports, directly or not.' })
  managerId?: string | null;
}

@InputType({ description: 'A member and the status to set.' })
export class SetMemberStatusInput {
  @Field(() => ID, { description: 'The member.' })
  id!: string;

  @Field(() => MemberStatus, { description: 'ACTIVE or DISABLED. A PENDING member becomes ACTIVE only by accepting the invitation.' })
  status!: MemberStatus;
}

export enum RemoveMemberMode {
  DELETE = 'DELETE',
  TRANSFER = 'TRANSFER',
  OFFBOARD = 'OFFBOARD',
}
registerEnumType(RemoveMemberMode, {
  name: 'RemoveMemberMode',
  description:
    'DELETE: remove directly, reports lose their manager. TRANSFER: hand reports and role grants to another active member, then remove. ' +
    'OFFBOARD: record the leaving, then remove (with an optional transfer).',
  valuesConfig: {
    DELETE: { description: 'Remove directly; their reports lose their manager.' },
    OFFBOARD: { description: 'Record the leaving, then remove (with an optional transfer).' },
    TRANSFER: { description: 'Hand reports and role grants to another active member, then remove.' },
  },
});

@InputType({ description: 'A member to remove and how.' })
export class RemoveMemberInput {
  @Field(() => ID, { description: 'The member.' })
  id!: string;

  @Field(() => RemoveMemberMode, { description: 'How to remove them.' })
  mode!: RemoveMemberMode;

  @Field(() => ID, { nullable: true, description: 'Required for TRANSFER, optional for OFFBOARD: another active member of the org.' })
  transferToMemberId?: string | null;
}

@ObjectType({ description: 'What removing a member did.' })
export class RemoveMemberPayload {
  @Field(() => ID, { description: 'The removed member.' })
  removedMemberId!: string;

  @Field(() => Member, { nullable: true, description: 'Who received their reports and grants; null unless transferred.' })
  transferredTo!: Member | null;
}

@InputType({ description: 'Filters of the member directory. All given conditions apply together.' })
export class MemberFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'Name search: any part of the name from one CJK character up, pinyin (full, partial, initials), the reading in kana or romaji, case-, width- and Simplified/Traditional-insensitive; results ranked exact name, prefix, reading, substring. For viewers who may see contact details org-wide it also matches 4+ digits of a phone and a prefix of an email or employee number.',
  })
  query?: string | null;

  @Field(() => ID, { nullable: true, description: 'Only members placed in this department or its sub-departments.' })
  departmentId?: string | null;

  @Field(() => Boolean, { nullable: true, defaultValue: true, description: 'With departmentId: include members of its sub-departments.' })
  includeDescendants?: boolean | null;

  @Field(() => MemberStatus, { nullable: true, description: 'Only members with this status.' })
  status?: MemberStatus | null;

  @Field(() => ID, { nullable: true, description: 'Members holding this role.' })
  roleId?: string | null;
}

@InputType({ description: 'Filters of a department’s members.' })
export class DepartmentMemberFilter {
  @Field(() => String, { nullable: true, description: 'As in MemberFilter.query.' })
  query?: string | null;

  @Field(() => MemberStatus, { nullable: true, description: 'Only members with this status.' })
  status?: MemberStatus | null;

  @Field(() => ID, { nullable: true, description: 'Only members holding this role.' })
  roleId?: string | null;
}
