import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';

/** One admin operation: who did what to which object, written in the same transaction as the change. */
@Entity({ tableName: 'audit_entries' })
export class AuditEntry {
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid', nullable: true })
  actorUserId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  actorMemberId: string | null = null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text', nullable: true })
  targetType: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  targetId: string | null = null;

  @Property({ type: 'json' })
  summary: Opt<Record<string, unknown>> = {};

  @Property({ type: 'timestamptz' })
  createdAt: Opt<Date> = new Date();
}
