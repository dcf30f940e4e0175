import type { AuditTargetRules } from '../audit/audit-targets';
import { registerNodeType } from '../../graphql/node.resolver';
import { setImportOwnerLookup } from '../../realtime';
import { BulkImport } from './bulk-import.entity';
import { ContactImport } from './contact-import.entity';
import { ContactImportFieldsResolver, ContactImportsResolver, MemberImportFieldsResolver, MemberImportsResolver } from './imports.resolver';
import { findVisibleImport, importsSeenByViewer } from './imports.service';
import { MemberImport } from './member-import.entity';

registerNodeType('MemberImport', findVisibleImport(MemberImport));
registerNodeType('ContactImport', findVisibleImport(ContactImport));
// importProgress follows imports of every kind.
setImportOwnerLookup(async (em, orgId, ref) => {
  const row = await em.findOne(BulkImport, 'recordId' in ref ? { id: ref.recordId, orgId } : { importKey: ref.importKey, orgId });
  return row && { startedByMemberId: row.createdByMemberId, importKey: row.importKey };
});

export { handleImportRequest } from './imports.http';
export { getContactImport, getMemberImport } from './imports.service';
export { ContactImport } from './contact-import.entity';
export { MemberImport, MemberImportStatus } from './member-import.entity';

export const importsResolvers: Function[] = [MemberImportsResolver, MemberImportFieldsResolver, ContactImportsResolver, ContactImportFieldsResolver];

/** Audit entries on imports: like the imports themselves, OWNER and ADMIN, and whoever ran them. */
export const importAuditTargets: AuditTargetRules = { MemberImport: importsSeenByViewer, ContactImport: importsSeenByViewer };
