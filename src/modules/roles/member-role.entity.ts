import { Entity, Property, type Opt } from '@mikro-orm/core';
import { OrgOwnedEntity } from '../../db/base.entity';

/**
 * A role held by a member. `scopeDepartmentIds` limits it to those department subtrees
 * (required for SUB_ADMIN, optional for custom roles); empty means org-wide.
 */
@Entity({ tableName: 'member_roles' })
export class MemberRole extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  memberId!: string;

  @Property({ type: 'uuid' })
  roleId!: string;

  @Property({ type: 'json' })
  scopeDepartmentIds: Opt<string[]> = [];
}
