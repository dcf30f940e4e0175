import type { EntityManager } from '@mikro-orm/postgresql';
import { ContributionKind, type Contributions } from '../../contributions';

/** A user who just became an ACTIVE member of an org (raw ids). The member row is written when hooks run. */
export interface MemberActivation {
  orgId: string;
  memberId: string;
  userId: string;
  /** How: accepting an invitation, creating the org, an enterprise account, or being enabled again after DISABLED. */
  via: 'INVITATION' | 'ORG_CREATED' | 'ENTERPRISE_ACCOUNT' | 'ENABLED';
}

/** `contributions`: the gateway's, for a hook that logs events in the join (`recordedEventsHooks`). */
export type MemberActivationHook = (tx: EntityManager, activation: MemberActivation, contributions: Contributions) => Promise<void>;

/**
 * How another module reacts when a person joins an org (e.g. contacts: the members they connected with through contact
 * cards appear among their contacts there). Hooks run inside the joining transaction; throwing aborts the join, so a
 * hook should skip what it cannot do rather than refuse.
 */
export const memberActivationHooks = new ContributionKind<MemberActivationHook>('memberActivationHooks');

export async function runMemberActivationHooks(tx: EntityManager, contributions: Contributions, activation: MemberActivation): Promise<void> {
  for (const hook of contributions.of(memberActivationHooks)) await hook(tx, activation, contributions);
}
