import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { GraphQLContext } from '../../graphql/context';
import { previewInvitation } from './invitation-preview.service';
import { InvitationPreview } from './invitation-preview.types';

@Resolver()
export class InvitationPreviewResolver {
  // Public on purpose: the invitee has no account yet. The token is the credential and its guesses are budgeted.
  @Query(() => InvitationPreview, {
    nullable: true,
    description:
      'What an invitation token offers, for its invitation page: org, sender, roles, departments, expiry, the masked recipient. Public. Unknown, expired, used-up, revoked and declined tokens all answer null with INVITATION_INVALID; each call draws on the same guess budget as acceptInvitation (RATE_LIMITED).',
  })
  invitationPreview(@Arg('token', () => String, { description: 'The invitation token from the invitation link.' }) token: string, @Ctx() ctx: GraphQLContext): Promise<InvitationPreview> {
    return previewInvitation(ctx.em, token);
  }
}
