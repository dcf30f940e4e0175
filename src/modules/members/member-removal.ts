import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { ContributionKind } from '../../contributions';

export type MemberRemovalMode = 'DELETE' | 'TRANSFER' | 'OFFBOARD';

/** A member about to be removed (raw ids). The member row still exists when hooks run. */
export interface MemberRemoval {
  orgId: string;
  memberId: string;
  mode: MemberRemovalMode;
  /** Set for TRANSFER (and OFFBOARD with a transfer): who takes over what the member owned. */
  transferToMemberId: string | null;
  /** Who removes the member, for the audit entries hooks write. */
  actor: Viewer;
  /** The gateway's services, for hooks that notify (`notifyMembers(tx, app, ...)`) inside the removal's transaction. */
  app: AppServices;
}

export type MemberRemovalHook = (tx: EntityManager, removal: MemberRemoval) => Promise<void>;

/**
 * How another module hands over or drops what a removed member owns (external contacts, groups, documents).
 * A hook runs inside the removal's transaction, before the member row is deleted; throwing aborts the removal.
 */
export const memberRemovalHooks = new ContributionKind<MemberRemovalHook>('memberRemovalHooks');

export async function runMemberRemovalHooks(tx: EntityManager, removal: MemberRemoval): Promise<void> {
  for (const hook of removal.app.contributions.of(memberRemovalHooks)) await hook(tx, removal);
}
