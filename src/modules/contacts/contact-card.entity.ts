import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { ObjectType } from 'type-graphql';
import { OrgOwnedEntity } from '../../db/base.entity';
import { Node } from '../../graphql/relay';

/**
 * A member's personal contact card link [002]. The token is derived from the card id with the server secret
 * (`contact-card-token.ts`), so its owner can show the link and QR code again; only its hash is stored.
 */
@Entity({ tableName: 'contact_cards' })
@ObjectType({ implements: Node, description: "A member's personal contact card: a link and QR code people open to connect." })
export class ContactCard extends OrgOwnedEntity {
  @Property({ type: 'uuid' })
  memberId!: string;

  @Property({ type: 'text', hidden: true })
  tokenHash!: string;

  @Property({ type: 'timestamptz', nullable: true })
  revokedAt: Date | null = null;
}

/** The user side of a card connection: which members a user connected with, whether or not the user is in an org. */
@Entity({ tableName: 'contact_card_links' })
export class ContactCardLink {
  @PrimaryKey({ type: 'uuid' })
  userId!: string;

  @PrimaryKey({ type: 'uuid' })
  memberId!: string;

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'text' })
  via!: 'CARD_LINK' | 'QR';

  @Property({ type: 'timestamptz' })
  createdAt: Opt<Date> = new Date();
}
