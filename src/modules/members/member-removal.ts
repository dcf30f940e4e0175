import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';

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

const hooks: MemberRemovalHook[] = [];

/**
 * Lets another module hand over or drop what a removed member owns (external contacts, groups, documents).
 * The hook runs inside the removal's transaction, before the member row is deleted; throwing aborts the removal.
 * Register once, at module load (e.g. in the module's `index.ts`).
 */
export function onMemberRemoval(hook: MemberRemovalHook): void {
  hooks.push(hook);
}

export async function runMemberRemovalHooks(tx: EntityManager, removal: MemberRemoval): Promise<void> {
  for (const hook of hooks) await hook(tx, removal);
}
