import { registerNodeType } from '../../graphql/node.resolver';
import { AccountsResolver } from './accounts.resolver';
import { MemberAccountFieldsResolver, MemberAccountResolver } from './member-account.resolver';

// Members are fetched with the org-bound loader, so a foreign id loads as null (NOT_FOUND). The members
// module may register the same fetcher; either registration gives the same answer.
registerNodeType('Member', (ctx, id) => ctx.loaders.memberById.load(id));

export const accountsResolvers: Function[] = [AccountsResolver, MemberAccountResolver, MemberAccountFieldsResolver];
