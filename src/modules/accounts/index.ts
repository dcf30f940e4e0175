import { AccountsResolver } from './accounts.resolver';
import { MemberAccountFieldsResolver, MemberAccountResolver } from './member-account.resolver';

export const accountsResolvers: Function[] = [AccountsResolver, MemberAccountResolver, MemberAccountFieldsResolver];
export { accountGuessedSecrets } from './guessed-secrets';
