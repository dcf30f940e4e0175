import type { AuthChecker } from 'type-graphql';
import { isOrgAdmin } from '../auth/policy';
import { apiClientRefused } from '../auth/viewer';
import { forbidden, unauthenticated, errorMessage } from '../errors';
import type { GraphQLContext } from './context';

/** Edge roles for `@Authorized(...)`; object-level rules live in `auth/policy.ts`. */
export enum Access {
  /** Any signed-in user (a person: API clients are refused). */
  USER = 'USER',
  /** An active member of the viewer's current org, or an API client of it (its scopes are checked by the policy). */
  MEMBER = 'MEMBER',
  /** OWNER or ADMIN of the current org. */
  ADMIN = 'ADMIN',
}

export const authChecker: AuthChecker<GraphQLContext, Access> = ({ context: { viewer } }, required) => {
  if (viewer.apiClient) {
    if (!required.includes(Access.MEMBER) && !required.includes(Access.ADMIN)) throw apiClientRefused();
    viewer.requireOrg();
    if (required.includes(Access.ADMIN)) throw forbidden(errorMessage('adminOnly'));
    return true;
  }
  if (!viewer.user) throw unauthenticated();
  if (required.includes(Access.MEMBER) || required.includes(Access.ADMIN)) viewer.requireMember();
  if (required.includes(Access.ADMIN) && !isOrgAdmin(viewer)) throw forbidden(errorMessage('adminOnly'));
  return true;
};
