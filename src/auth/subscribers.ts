import type { RoleGrant, Viewer, ViewerUser } from './viewer';
import type { MemberStatus } from './vocabulary';

/** What decides a subscriber's access as it is now: the membership, its status, the account's gate, the grants. */
export interface SubscriberAccess {
  memberId: string;
  status: MemberStatus;
  mustChangePassword: boolean;
  grants: RoleGrant[];
}

/**
 * Who subscribers are, as they are now, for re-checking every subscriber an event is about to reach: lookups of the
 * same moment are batched into one query per kind, and each answer is no older than `notBefore` (the moment this
 * process received the event, so it reflects every change committed before it). The members module provides it.
 */
export interface SubscriberDirectory {
  /** The viewer (user, membership, grants); null for an unknown user. */
  viewer(userId: string, orgId: string, notBefore: number): Promise<Viewer | null>;
  /** Null: not a member of the org. */
  access(userId: string, orgId: string, notBefore: number): Promise<SubscriberAccess | null>;
  /**
   * `access` for many users of one org behind one promise (a fan-out pass re-checking every subscriber an event
   * reaches): the lookup answers null for users who are not members.
   */
  accesses(userIds: Iterable<string>, orgId: string, notBefore: number): Promise<(userId: string) => SubscriberAccess | null>;
  user(userId: string, notBefore: number): Promise<ViewerUser | null>;
}
