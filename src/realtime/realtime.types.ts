import { Field, ID, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

export enum InvitationEventType {
  SENT = 'SENT',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
  FAILED = 'FAILED',
}
registerEnumType(InvitationEventType, { name: 'InvitationEventType' });

export enum MemberEventType {
  /** A member became ACTIVE: accepted an invitation, or got an enterprise account. */
  JOINED = 'JOINED',
  UPDATED = 'UPDATED',
  REMOVED = 'REMOVED',
}
registerEnumType(MemberEventType, { name: 'MemberEventType' });

export enum ImportEventType {
  PROGRESS = 'PROGRESS',
  COMPLETED = 'COMPLETED',
}
registerEnumType(ImportEventType, { name: 'ImportEventType' });

@InputType({ description: 'Narrows invitationEvents; all given conditions must hold.' })
export class InvitationEventFilter {
  @Field(() => ID, { nullable: true, description: 'Only invitations into this department or one of its sub-departments.' })
  departmentId?: string | null;

  @Field(() => [InvitationEventType], { nullable: true, description: 'Only these kinds of event.' })
  types?: InvitationEventType[] | null;
}

@ObjectType({ description: 'Something happened to an invitation.' })
export class InvitationEvent {
  @Field(() => ID, { description: 'The position of this event: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => InvitationEventType)
  type!: InvitationEventType;

  @Field(() => Date)
  occurredAt!: Date;

  // Resolved by the field resolvers (raw ids of the event's org):
  orgId!: string;
  invitationId!: string | null;
  newMemberId!: string | null;
  /** `org`: someone of the org watching; `recipient`: the invitee, who may be a member elsewhere or nowhere. */
  audience!: 'org' | 'recipient';
  /** When this process got the event: entities are loaded no older than that. */
  receivedAt!: number;
}

@ObjectType({ description: 'A member joined, changed or left the org.' })
export class MemberEvent {
  @Field(() => ID, { description: 'The position of this event: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => MemberEventType)
  type!: MemberEventType;

  @Field(() => Date)
  occurredAt!: Date;

  orgId!: string;
  /** Raw id; exposed as a global id by `memberId`. */
  rawMemberId!: string;
  /** When this process got the event: entities are loaded no older than that. */
  receivedAt!: number;
}

@ObjectType({ description: 'How far a bulk import has got.' })
export class ImportProgressEvent {
  @Field(() => ID, { description: 'The position of this event: pass it as `after` to resume right after it.' })
  id!: string;

  @Field(() => ImportEventType)
  type!: ImportEventType;

  @Field(() => Date)
  occurredAt!: Date;

  @Field(() => ID, { description: 'The import, as passed to importProgress.' })
  importId!: string;

  @Field(() => Int, { description: 'Rows handled so far.' })
  processed!: number;

  @Field(() => Int)
  created!: number;

  @Field(() => Int)
  skipped!: number;

  @Field(() => Int)
  failed!: number;

  @Field(() => Int, { nullable: true, description: 'Rows in the file, once known.' })
  total!: number | null;
}
