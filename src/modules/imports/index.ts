import { registerNodeType } from '../../graphql/node.resolver';
import { setImportOwnerLookup } from '../../realtime';
import { MemberImport } from './member-import.entity';
import { MemberImportsResolver } from './imports.resolver';
import { findVisibleMemberImport } from './imports.service';

registerNodeType('MemberImport', findVisibleMemberImport);
setImportOwnerLookup(async (em, orgId, importId) => {
  const row = await em.findOne(MemberImport, { id: importId, orgId });
  return row && { startedByMemberId: row.createdByMemberId };
});

export { handleImportRequest } from './imports.http';
export { getMemberImport } from './imports.service';
export { MemberImport, MemberImportStatus } from './member-import.entity';

export const importsResolvers: Function[] = [MemberImportsResolver];
