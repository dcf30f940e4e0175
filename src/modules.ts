import type { GuessedSecrets } from './limits/operation-limits';
import { accountGuessedSecrets } from './modules/accounts';
import { invitationGuessedSecrets } from './modules/invitations';

/** What the feature modules contribute to the cross-cutting layers, collected here from their `index.ts` exports. */
export const moduleContributions = {
  guessedSecrets: { ...accountGuessedSecrets, ...invitationGuessedSecrets } satisfies GuessedSecrets,
};
