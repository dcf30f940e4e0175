import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { Field, ID, ObjectType } from 'type-graphql';
import { AuditAction, type AuditActionName } from './audit-action';
import { toGlobalId } from '../../graphql/relay';

/** One admin operation: who did what to which object, written in the same transaction as the change. */
@Entity({ tableName: 'audit_entries' })
@ObjectType({ description: 'One admin operation in the audit log: who did what to which object, and when.' })
export class AuditEntry {
  /** Internal key and sort order; shared by every org, so never shown to clients (`publicId` is). */
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  /** Random: what clients see as the entry's id and in `auditLog` cursors. */
  @Property({ type: 'uuid' })
  publicId: Opt<string> = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'uuid', nullable: true })
  actorUserId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  actorMemberId: string | null = null;

  /** Set when an API client acted (then there is no actor user or member). */
  @Property({ type: 'uuid', nullable: true })
  actorApiClientId: string | null = null;

  @Property({ type: 'text' })
  @Field(() => AuditAction, { description: 'What was done, e.g. ROLE_ASSIGN.' })
  action!: AuditActionName;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'The GraphQL type of the target, e.g. `Member`.' })
  targetType: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  targetId: string | null = null;

  /** Shown as `summary` only to readers who may see the target (`AuditResolver.summary`). */
  @Property({ type: 'json' })
  summary: Opt<Record<string, unknown>> = {};

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When it was done (the commit of the change).' })
  createdAt: Opt<Date> = new Date();

  /** Opaque id of the entry (of its random `publicId`). Not a `Node`: entries are only reached through `auditLog`. */
  @Field(() => ID, { name: 'id', description: 'Global ID of the entry.' })
  get globalId(): Opt<string> {
    return toGlobalId('AuditEntry', this.publicId);
  }

  /** The global id of the target, as the target's own `id` field shows it. */
  @Field(() => ID, { name: 'targetId', nullable: true, description: 'Global ID of the object acted on; null for actions on nothing in particular.' })
  get targetGlobalId(): string | null {
    return this.targetType && this.targetId ? toGlobalId(this.targetType, this.targetId) : null;
  }
}
