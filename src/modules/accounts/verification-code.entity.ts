import { Entity, Enum, Property, type Opt } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';

export enum VerificationPurpose {
  VERIFY_PHONE = 'VERIFY_PHONE',
  CHANGE_PHONE = 'CHANGE_PHONE',
  VERIFY_EMAIL = 'VERIFY_EMAIL',
}

export const PHONE_PURPOSES = [VerificationPurpose.VERIFY_PHONE, VerificationPurpose.CHANGE_PHONE];

/** A one-time code sent by SMS (to `phone`) or email (to `email`). Only its hash is stored. */
@Entity({ tableName: 'verification_codes' })
export class VerificationCode extends BaseEntity {
  @Property({ type: 'uuid' })
  userId!: string;

  @Enum({ items: () => VerificationPurpose, type: 'text' })
  purpose!: VerificationPurpose;

  @Property({ type: 'text', nullable: true })
  phone: string | null = null;

  @Property({ type: 'text', nullable: true })
  email: string | null = null;

  @Property({ type: 'text' })
  codeHash!: string;

  @Property({ type: 'timestamptz' })
  expiresAt!: Date;

  @Property({ type: 'integer' })
  attempts: Opt<number> = 0;

  @Property({ type: 'timestamptz', nullable: true })
  consumedAt: Date | null = null;
}
