import { contribute } from '../../contributions';
import { nodeTypes } from '../../graphql/node.resolver';
import { auditTargetRules } from '../audit/audit-targets';
import { BulkImport } from './bulk-import.entity';
import { ContactImport } from './contact-import.entity';
import { ContactImportFieldsResolver, ContactImportsResolver, MemberImportFieldsResolver, MemberImportsResolver } from './imports.resolver';
import { findVisibleImport, importsSeenByViewer } from './imports.service';
import { ImportProgressResolver } from './import-progress';
import { MemberImport } from './member-import.entity';

export { handleImportRequest } from './imports.http';
export { createImportLoaders } from './imports.loaders';
export { getContactImport, getMemberImport } from './imports.service';
export { ContactImport } from './contact-import.entity';
export { MemberImport, MemberImportStatus } from './member-import.entity';

export const importsModule = {
  entities: [BulkImport, MemberImport, ContactImport],
  resolvers: [MemberImportsResolver, MemberImportFieldsResolver, ContactImportsResolver, ContactImportFieldsResolver, ImportProgressResolver],
  contributions: [
    contribute(nodeTypes, { type: 'MemberImport', fetch: findVisibleImport(MemberImport) }, { type: 'ContactImport', fetch: findVisibleImport(ContactImport) }),
    // Audit entries on imports: like the imports themselves, OWNER and ADMIN, and whoever ran them.
    contribute(auditTargetRules, { MemberImport: importsSeenByViewer, ContactImport: importsSeenByViewer }),
  ],
};
