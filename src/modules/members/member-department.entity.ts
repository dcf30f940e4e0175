import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A member's place in a department; a member may hold several. */
@Entity({ tableName: 'member_departments' })
export class MemberDepartment {
  @PrimaryKey({ type: 'uuid' })
  memberId!: string;

  @PrimaryKey({ type: 'uuid' })
  departmentId!: string;

  @Property({ type: 'uuid' })
  orgId!: string;
}
