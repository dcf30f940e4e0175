import { Arg, Authorized, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Access } from '../../graphql/auth-checker';
import type { GraphQLContext } from '../../graphql/context';
import { ContactCard } from './contact-card.entity';
import {
  connectViaContactCard,
  contactCardLink,
  contactCardQrCode,
  createContactCard,
  myContactCard,
  myContactCardLinks,
  revokeContactCard,
} from './contact-cards.service';
import { QrCode, QrCodeFormat } from '../common/qr-code';
import { ContactCardConnection, ContactCardLinkView, ContactCardVia } from './contacts.inputs';

@Resolver()
export class ContactCardsResolver {
  @Authorized(Access.MEMBER)
  @Query(() => ContactCard, { nullable: true, description: 'The caller’s working contact card, if any.' })
  contactCard(@Ctx() ctx: GraphQLContext): Promise<ContactCard | null> {
    return myContactCard(ctx.em, ctx.viewer, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => ContactCard, { description: 'A new personal contact card link for the caller; the previous one stops working.' })
  createContactCard(@Ctx() ctx: GraphQLContext): Promise<ContactCard> {
    return createContactCard(ctx.em, ctx.viewer, ctx.app);
  }

  @Authorized(Access.MEMBER)
  @Mutation(() => Boolean, { description: 'Turns the caller’s card off. False when there was none.' })
  revokeContactCard(@Ctx() ctx: GraphQLContext): Promise<boolean> {
    return revokeContactCard(ctx.em, ctx.viewer);
  }

  @Authorized(Access.MEMBER)
  @Query(() => QrCode, { description: 'The caller’s card link as a QR code. NOT_FOUND without a working card (createContactCard).' })
  contactCardQrCode(@Arg('format', () => QrCodeFormat, { description: 'The image format.' }) format: QrCodeFormat, @Ctx() ctx: GraphQLContext): Promise<QrCode> {
    return contactCardQrCode(ctx.em, ctx.viewer, format, ctx.app);
  }

  @Authorized(Access.USER)
  @Mutation(() => ContactCardConnection, {
    description:
      'Connects the signed-in user with the member whose card link (the token at its end) they opened: the user becomes a CONNECTED ' +
      'contact of the member, and the member a CONNECTED contact of the user in each org the user is an active member of. ' +
      'Unknown, revoked and replaced cards answer NOT_FOUND.',
  })
  connectViaContactCard(
    @Arg('token', () => String, { description: 'The token at the end of the card link.' }) token: string,
    @Arg('via', () => ContactCardVia, { nullable: true, defaultValue: ContactCardVia.CARD_LINK, description: 'How the card was reached; default CARD_LINK.' }) via: ContactCardVia,
    @Ctx() ctx: GraphQLContext,
  ): Promise<ContactCardConnection> {
    return connectViaContactCard(ctx.em, ctx.viewer, ctx.loaders, token, via, ctx.app);
  }

  @Authorized(Access.USER)
  @Query(() => [ContactCardLinkView], { description: 'Members the signed-in user connected with through contact cards, in any org, newest first.' })
  myContactCardLinks(@Ctx() ctx: GraphQLContext): Promise<ContactCardLinkView[]> {
    return myContactCardLinks(ctx.em, ctx.viewer);
  }
}

@Resolver(() => ContactCard)
export class ContactCardFieldsResolver {
  @FieldResolver(() => String, { description: 'The link to hand out; it ends with the card token.' })
  url(@Root() card: ContactCard, @Ctx() ctx: GraphQLContext): string {
    return contactCardLink(card, ctx.app) ?? '';
  }
}
