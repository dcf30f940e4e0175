import { badInput, errorMessage } from '../../errors';
import type { Config } from '../../config';
import type { Viewer } from '../../auth/viewer';
import type { Loaders } from '../../graphql/loaders';
import { isUsable } from './invitation-events';
import { InvitationChannel, type Invitation } from './invitation.entity';
import { renderQrCode, type QrCode, type QrCodeFormat } from '../common/qr-code';
import { getInvitation } from './invitations.listing';
import { invitationUrl, linkTokenVault } from './link-token-vault';

/** The link of an invite link, from its encrypted token; null for person invitations and unreadable tokens. */
export function inviteLinkUrl(config: Pick<Config, 'jwtSecret' | 'publicUrl'>, invitation: Invitation): string | null {
  if (invitation.channel !== InvitationChannel.LINK || !invitation.tokenCiphertext) return null;
  const token = linkTokenVault(config.jwtSecret).open(invitation.tokenCiphertext);
  return token ? invitationUrl(config.publicUrl, token) : null;
}

/** `inviteLinkQrCode`: a usable invite link as an SVG document or a base64 PNG, for whoever may see the link. */
export async function inviteLinkQrCode(
  viewer: Viewer,
  loaders: Loaders,
  globalId: string,
  format: QrCodeFormat,
  config: Pick<Config, 'jwtSecret' | 'publicUrl'>,
): Promise<QrCode> {
  const invitation = await getInvitation(viewer, loaders, globalId);
  if (invitation.channel !== InvitationChannel.LINK) throw badInput(errorMessage('qrOnlyForLinks'), 'id');
  if (!isUsable(invitation)) throw badInput(errorMessage('linkUnusable'), 'id');
  const url = inviteLinkUrl(config, invitation);
  if (!url) throw badInput(errorMessage('linkSealedEarlier'), 'id');
  return renderQrCode(url, format);
}
