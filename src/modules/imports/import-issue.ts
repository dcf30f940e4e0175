import { registerEnumType } from 'type-graphql';

/** Codes of import report entries. Stable: clients switch on them. */
export enum ImportIssueCode {
  /** A header the importer does not know; the column is ignored (reported once, on row 1). */
  UNKNOWN_COLUMN = 'UNKNOWN_COLUMN',
  /** The row has more fields than the header. */
  EXTRA_FIELDS = 'EXTRA_FIELDS',
  MISSING_NAME = 'MISSING_NAME',
  INVALID_NAME = 'INVALID_NAME',
  /** Neither a phone nor an email. */
  MISSING_CONTACT = 'MISSING_CONTACT',
  INVALID_PHONE = 'INVALID_PHONE',
  INVALID_EMAIL = 'INVALID_EMAIL',
  INVALID_TITLE = 'INVALID_TITLE',
  INVALID_EMPLOYEE_NO = 'INVALID_EMPLOYEE_NO',
  /** A department path that does not exist (and `createDepartments` is off, or the path is unusable). */
  UNKNOWN_DEPARTMENT = 'UNKNOWN_DEPARTMENT',
  /** A department outside what the importer may place people into (or create departments under). */
  FORBIDDEN_DEPARTMENT = 'FORBIDDEN_DEPARTMENT',
  UNKNOWN_ROLE = 'UNKNOWN_ROLE',
  /** A role the importer may not hand out, or SUB_ADMIN (which needs a scope: use the roles operations). */
  FORBIDDEN_ROLE = 'FORBIDDEN_ROLE',
  /** The same phone or email as an earlier row of the file. */
  DUPLICATE_IN_FILE = 'DUPLICATE_IN_FILE',
  /** The employee number of another member of the org, or of an earlier row. */
  DUPLICATE_EMPLOYEE_NO = 'DUPLICATE_EMPLOYEE_NO',
  /** Someone with this phone or email is already a member of the org. */
  ALREADY_MEMBER = 'ALREADY_MEMBER',
  /** Someone with this phone or email already has a pending invitation to the org. */
  ALREADY_INVITED = 'ALREADY_INVITED',
  /** The org's member quota is used up. */
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
}
registerEnumType(ImportIssueCode, { name: 'ImportIssueCode', description: 'Why a row of a bulk import was skipped or refused.' });

/** Rows reported with these are skipped (the person is already there), not failed: a re-run of a good file fails nothing. */
export const SKIP_CODES: ReadonlySet<ImportIssueCode> = new Set([
  ImportIssueCode.ALREADY_INVITED,
  ImportIssueCode.ALREADY_MEMBER,
  ImportIssueCode.DUPLICATE_IN_FILE,
]);

/** One report entry as the POST answers it and GraphQL pages it. */
export interface ImportIssue {
  row: number;
  column: string | null;
  code: ImportIssueCode;
  message: string;
}
