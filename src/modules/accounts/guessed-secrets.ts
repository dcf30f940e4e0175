import { inputOf, textOf, type GuessCaller, type GuessedSecrets } from '../../limits/operation-limits';
import { normalizePhone } from './phone';

/** The number as the account stores it, so writing it differently does not make a fresh target. */
function phoneTarget(value: unknown, caller: GuessCaller): string {
  const raw = textOf(value);
  try {
    return normalizePhone(raw, caller.phoneDefaultRegion);
  } catch {
    return raw.toLowerCase();
  }
}

const ofUser = (_args: Record<string, unknown>, caller: GuessCaller) => caller.userId;

/** Passwords and verification codes: each try draws on the tighter guess budgets (`src/limits/`). */
export const accountGuessedSecrets: GuessedSecrets = {
  logIn: { kind: 'logIn', target: (args, caller) => phoneTarget(inputOf(args).phone, caller) },
  logInWithEmail: { kind: 'logIn', target: (args) => textOf(inputOf(args).email).trim().toLowerCase() },
  logInWithEnterpriseAccount: {
    kind: 'logIn',
    target: (args) => {
      const input = inputOf(args);
      return `${textOf(input.orgCode).toLowerCase()}/${textOf(input.loginName).toLowerCase()}`;
    },
  },
  requestPhoneVerification: { kind: 'phoneVerification', target: ofUser },
  changeMyPhone: { kind: 'phoneVerification', target: ofUser },
  verifyPhone: { kind: 'phoneVerification', target: ofUser },
  requestEmailVerification: { kind: 'phoneVerification', target: ofUser },
  verifyEmail: { kind: 'phoneVerification', target: ofUser },
};
