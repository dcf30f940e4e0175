import { ConnectionType } from '../../graphql/relay';
import { MemberImportIssue } from './bulk-import.entity';
import { ContactImport } from './contact-import.entity';
import { MemberImport } from './member-import.entity';

export const MemberImportConnection = ConnectionType(MemberImport, 'MemberImport');
export const ContactImportConnection = ConnectionType(ContactImport, 'ContactImport');
/** Report entries of imports of every kind. */
export const MemberImportIssueConnection = ConnectionType(MemberImportIssue, 'MemberImportIssue');
