import type { EntityManager } from '@mikro-orm/postgresql';

/** A user who just became an ACTIVE member of an org (raw ids). The member row is written when hooks run. */
export interface MemberActivation {
  orgId: string;
  memberId: string;
  userId: string;
  /** How: accepting an invitation, creating the org, an enterprise account, or being enabled again after DISABLED. */
  via: 'INVITATION' | 'ORG_CREATED' | 'ENTERPRISE_ACCOUNT' | 'ENABLED';
}

export type MemberActivationHook = (tx: EntityManager, activation: MemberActivation) => Promise<void>;

const hooks: MemberActivationHook[] = [];

/**
 * Lets another module react when a person joins an org (e.g. contacts: the members they connected with through contact
 * cards appear among their contacts there). Hooks run inside the joining transaction; throwing aborts the join, so a
 * hook should skip what it cannot do rather than refuse. Register once, at module load.
 */
export function onMemberActivated(hook: MemberActivationHook): void {
  hooks.push(hook);
}

export async function runMemberActivationHooks(tx: EntityManager, activation: MemberActivation): Promise<void> {
  for (const hook of hooks) await hook(tx, activation);
}
