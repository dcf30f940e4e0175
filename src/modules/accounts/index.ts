import { AccountsResolver } from './accounts.resolver';

export const accountsResolvers: Function[] = [AccountsResolver];
