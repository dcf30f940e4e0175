import type { GuessCaller, GuessedSecrets } from '../../limits/operation-limits';

const ofUser = (_args: Record<string, unknown>, caller: GuessCaller) => caller.userId;

/**
 * Invitation tokens are secrets too: previewing, accepting or declining one draws on the same guess budget
 * (`src/limits/`), so the public preview is no cheaper oracle than accepting.
 */
export const invitationGuessedSecrets: GuessedSecrets = {
  acceptInvitation: { kind: 'invitationToken', target: ofUser },
  declineInvitation: { kind: 'invitationToken', target: ofUser },
  invitationPreview: { kind: 'invitationToken', target: ofUser },
};
