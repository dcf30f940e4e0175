import type { GuessedSecrets } from './limits/operation-limits';
import { accountGuessedSecrets } from './modules/accounts';
import { apiClientAuditTargets } from './modules/api-clients';
import type { AuditTargetRules } from './modules/audit/audit-targets';
import { contactAuditTargets } from './modules/contacts';
import { departmentAuditTargets } from './modules/departments';
import { importAuditTargets } from './modules/imports';
import { invitationAuditTargets, invitationGuessedSecrets } from './modules/invitations';
import { memberAuditTargets } from './modules/members';
import { notificationAuditTargets } from './modules/notifications';
import { orgAuditTargets } from './modules/orgs';
import { roleAuditTargets } from './modules/roles';

/** What the feature modules contribute to the cross-cutting layers, collected here from their `index.ts` exports. */
export const moduleContributions = {
  guessedSecrets: { ...accountGuessedSecrets, ...invitationGuessedSecrets } satisfies GuessedSecrets,
  /** Who may see which audit targets, by target type: every type an audit entry names needs its module's rule. */
  auditTargets: {
    ...orgAuditTargets,
    ...departmentAuditTargets,
    ...memberAuditTargets,
    ...roleAuditTargets,
    ...apiClientAuditTargets,
    ...invitationAuditTargets,
    ...importAuditTargets,
    ...notificationAuditTargets,
    ...contactAuditTargets,
  } satisfies AuditTargetRules,
};
