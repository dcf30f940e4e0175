import { ConnectionType } from '../../graphql/relay';
import { MemberImport, MemberImportIssue } from './member-import.entity';

export const MemberImportConnection = ConnectionType(MemberImport, 'MemberImport');
export const MemberImportIssueConnection = ConnectionType(MemberImportIssue, 'MemberImportIssue');
