import { membersWithVisibleSensitiveFields } from '../../auth/member-fields';
import type { AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { DepartmentMembersResolver, MemberFieldsResolver, MembersResolver } from './members.resolver';

registerNodeType('Member', (ctx, id) => ctx.loaders.memberById.load(id));

export { MemberConnection } from './members.inputs';
export { listMembers, resolveMemberScope, type MemberListScope } from './members.listing';
export { onMemberRemoval, type MemberRemoval, type MemberRemovalHook } from './member-removal';
export { onMemberActivated, runMemberActivationHooks, type MemberActivation, type MemberActivationHook } from './member-activation';

export const membersResolvers: Function[] = [MembersResolver, MemberFieldsResolver, DepartmentMembersResolver];

/** Audit entries on members hold account details and hand-overs: the sensitive-field rule decides. */
export const memberAuditTargets: AuditTargetRules = { Member: membersWithVisibleSensitiveFields };
