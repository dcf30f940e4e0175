import type { GuessCaller, GuessedSecrets } from '../../limits/operation-limits';

const ofUser = (_args: Record<string, unknown>, caller: GuessCaller) => caller.userId;

/** Invitation tokens are secrets too: accepting or declining one draws on the guess budgets (`src/limits/`). */
export const invitationGuessedSecrets: GuessedSecrets = {
  acceptInvitation: { kind: 'invitationToken', target: ofUser },
  declineInvitation: { kind: 'invitationToken', target: ofUser },
};
