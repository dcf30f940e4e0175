import { Entity, Property } from '@mikro-orm/core';
import { OrgOwnedEntity } from '../../db/base.entity';

/** What remains of a member removed in OFFBOARD mode: who left, when, and who recorded it. */
@Entity({ tableName: 'offboarding_records' })
export class OffboardingRecord extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  memberId!: string;

  @Property({ type: 'uuid', nullable: true })
  userId: string | null = null;

  @Property({ type: 'text' })
  name!: string;

  @Property({ type: 'text', nullable: true })
  employeeNo: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  transferredToMemberId: string | null = null;

  /** The member who removed them; null when an API client did (`recordedByApiClientId`). */
  @Property({ type: 'uuid', nullable: true })
  recordedByMemberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  recordedByApiClientId: string | null = null;
}
