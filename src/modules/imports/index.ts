import { registerNodeType } from '../../graphql/node.resolver';
import { MemberImportsResolver } from './imports.resolver';
import { findVisibleMemberImport } from './imports.service';

registerNodeType('MemberImport', findVisibleMemberImport);

export { handleImportRequest } from './imports.http';
export { getMemberImport } from './imports.service';
export { MemberImport, MemberImportStatus } from './member-import.entity';

export const importsResolvers: Function[] = [MemberImportsResolver];
