import { apiClientReadableTypes } from '../../auth/api-scopes';
import { PermissionModule } from '../../auth/vocabulary';
import { contribute } from '../../contributions';
import { AccountsResolver } from './accounts.resolver';
import { LogInAttempt } from './login-attempt.entity';
import { MemberAccountFieldsResolver, MemberAccountResolver } from './member-account.resolver';
import { User } from './user.entity';
import { VerificationCode } from './verification-code.entity';

export { accountGuessedSecrets } from './guessed-secrets';
export { createAccountLoaders } from './member-account.loaders';

export const accountsModule = {
  entities: [User, VerificationCode, LogInAttempt],
  resolvers: [AccountsResolver, MemberAccountResolver, MemberAccountFieldsResolver],
  contributions: [
    // Sensitive member fields are nulled field by field (like for people), so their types only need MEMBERS.
    contribute(apiClientReadableTypes, { MemberAccount: PermissionModule.MEMBERS, LogInRecord: PermissionModule.MEMBERS }),
  ],
};
