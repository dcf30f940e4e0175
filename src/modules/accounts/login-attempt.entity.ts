import { Entity, Property, type Opt } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';

/** Every sign-in attempt: counts failures for lock-out and serves as the login record admins may read. */
@Entity({ tableName: 'login_attempts' })
export class LogInAttempt extends BaseEntity {
  /** The normalised phone, or `orgCode/loginName` for enterprise accounts. */
  @Property({ type: 'text' })
  identifier!: string;

  @Property({ type: 'uuid', nullable: true })
  userId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  orgId: string | null = null;

  @Property({ type: 'boolean' })
  succeeded!: boolean;

  @Property({ type: 'text', nullable: true })
  clientAddress: string | null = null;
}
