import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { Field, Int, ObjectType, registerEnumType, UseMiddleware } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';
import { InvitationRecipientField } from './invitation-recipient';

export enum InvitationChannel {
  PHONE = 'PHONE',
  EMAIL = 'EMAIL',
  /** A reusable link (and its QR code): joins any signed-in user while it has uses left. */
  LINK = 'LINK',
}
registerEnumType(InvitationChannel, {
  name: 'InvitationChannel',
  description: 'How an invitation reaches people.',
  valuesConfig: {
    EMAIL: { description: 'An email to one address.' },
    LINK: { description: 'A reusable link anyone holding it may use.' },
    PHONE: { description: 'An SMS to one phone number.' },
  },
});

export enum InvitationStatus {
  PENDING = 'PENDING',
  ACCEPTED = 'ACCEPTED',
  DECLINED = 'DECLINED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
  /** The message could not be delivered. */
  FAILED = 'FAILED',
}
registerEnumType(InvitationStatus, {
  name: 'InvitationStatus',
  description: 'Where an invitation stands.',
  valuesConfig: {
    ACCEPTED: { description: 'Accepted (links: used up).' },
    DECLINED: { description: 'Declined by the invited person.' },
    EXPIRED: { description: 'Expired unanswered; may be resent.' },
    FAILED: { description: 'Its message could not be delivered; may be resent.' },
    PENDING: { description: 'Waiting for an answer.' },
    REVOKED: { description: 'Withdrawn.' },
  },
});

/**
 * One invitation model for every channel. The token is shown once and stored only as `tokenHash`
 * (see `invitation-token.ts`). Person invitations carry the PENDING member they activate.
 */
@Entity({ tableName: 'invitations' })
@ObjectType({ implements: Node, description: 'An invitation by phone, email or reusable link.' })
export class Invitation extends OrgOwnedEntity {
  @Enum({ items: () => InvitationChannel, type: 'text' })
  @Field(() => InvitationChannel, { description: 'How the invitation reaches the person.' })
  channel!: InvitationChannel;

  /** E.164. */
  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: "Phone invitations. Visible like a member's phone: admins and sub-admins covering one of its departments." })
  @UseMiddleware(InvitationRecipientField)
  phone: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: "Email invitations. Visible like a member's email: admins and sub-admins covering one of its departments." })
  @UseMiddleware(InvitationRecipientField)
  email: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: "The invited person's name as the sender wrote it; null for links." })
  name: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'A personal message from the sender, shown on the invitation page.' })
  message: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  memberId: string | null = null;

  @Property({ type: 'json' })
  departmentIds: Opt<string[]> = [];

  @Property({ type: 'json' })
  roleIds: Opt<string[]> = [];

  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  /** Links only: the token encrypted with a key derived from JWT_SECRET (`link-token-vault.ts`), to show the link and its QR again. */
  @Property({ type: 'text', nullable: true, hidden: true })
  tokenCiphertext: string | null = null;

  /** Links only: the lifetime asked for (`expiresIn`, else the org's at the time); a regenerated link gets it again. */
  @Property({ type: 'integer', nullable: true })
  lifetimeSeconds: number | null = null;

  /** ISO times of the resends of the last 24 hours (at most 5 a day). */
  @Property({ type: 'json' })
  resentAt: Opt<string[]> = [];

  @Enum({ items: () => InvitationStatus, type: 'text' })
  status: Opt<InvitationStatus> = InvitationStatus.PENDING;

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When its token stops working unless accepted or resent.' })
  expiresAt!: Date;

  @Property({ type: 'integer', nullable: true })
  @Field(() => Int, { nullable: true, description: 'Links only: how many people may join through it; null: unlimited.' })
  maxUses: number | null = null;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'How many people joined with it (links may be used several times).' })
  useCount: Opt<number> = 0;

  @Property({ type: 'uuid', nullable: true })
  invitedByMemberId: string | null = null;

  @Property({ type: 'timestamptz' })
  statusChangedAt: Opt<Date> = new Date();

  @Property({ type: 'uuid', nullable: true })
  statusChangedByMemberId: string | null = null;

  @Property({ type: 'uuid', nullable: true })
  statusChangedByUserId: string | null = null;

  @Property({ type: 'text', nullable: true })
  @Field(() => String, { nullable: true, description: 'FAILED: why the message could not be delivered.' })
  failureReason: string | null = null;

  @Property({ type: 'integer' })
  @Field(() => Int, { description: 'Messages sent: 1, plus one per resend (links: tokens issued).' })
  sentCount: Opt<number> = 1;

  @Property({ type: 'timestamptz' })
  @Field(() => Date, { description: 'When the current token was issued (sent or resent).' })
  lastSentAt: Opt<Date> = new Date();

  @Property({ type: 'uuid', nullable: true })
  importId: string | null = null;
}
