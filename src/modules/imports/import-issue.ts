import { registerEnumType } from 'type-graphql';
import { translate, type Locale, type LocalizedMessage, type MessageArgs } from '../../i18n';

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
  /** Contacts: a company over 200 characters. */
  INVALID_COMPANY = 'INVALID_COMPANY',
  /** Contacts: notes over 10,000 characters. */
  INVALID_NOTES = 'INVALID_NOTES',
  /** Contacts: more than 20 phone numbers. */
  TOO_MANY_PHONES = 'TOO_MANY_PHONES',
  /** Contacts: more than 50 tags. */
  TOO_MANY_TAGS = 'TOO_MANY_TAGS',
  /** Contacts: no tag of the org has this name. */
  UNKNOWN_TAG = 'UNKNOWN_TAG',
  /** Contacts: tags of several tag groups have this name; write it as `Group/Tag`. */
  AMBIGUOUS_TAG = 'AMBIGUOUS_TAG',
  /** Contacts: a visibility other than PRIVATE or ORG (SHARED needs share targets: share after the import). */
  INVALID_VISIBILITY = 'INVALID_VISIBILITY',
  /** Contacts: no member the importer may give contacts to has this phone, email or employee number (or several do). */
  UNKNOWN_OWNER = 'UNKNOWN_OWNER',
  /** Contacts: the importer may import contacts for themself only. */
  FORBIDDEN_OWNER = 'FORBIDDEN_OWNER',
  /** Contacts: the owner named is not an ACTIVE member. */
  INACTIVE_OWNER = 'INACTIVE_OWNER',
  /** Contacts: a phone or the email already belongs to a contact of the org (which one is not said: it may be hidden from you). */
  CONTACT_EXISTS = 'CONTACT_EXISTS',
}
registerEnumType(ImportIssueCode, {
  name: 'ImportIssueCode',
  description: 'Why a row of a bulk import was skipped or refused.',
  valuesConfig: {
    ALREADY_INVITED: { description: 'Someone with this phone or email already has a pending invitation to the org.' },
    ALREADY_MEMBER: { description: 'Someone with this phone or email is already a member of the org.' },
    AMBIGUOUS_TAG: { description: 'Contacts: tags of several tag groups have this name; write it as `Group/Tag`.' },
    CONTACT_EXISTS: { description: 'Contacts: a contact with this phone or email already exists in the org.' },
    DUPLICATE_EMPLOYEE_NO: { description: 'The employee number of another member of the org, or of an earlier row.' },
    DUPLICATE_IN_FILE: { description: 'The same phone or email as an earlier row of the file.' },
    EXTRA_FIELDS: { description: 'The row has more fields than the header.' },
    FORBIDDEN_DEPARTMENT: { description: 'A department outside what the importer may place people into.' },
    FORBIDDEN_OWNER: { description: 'Contacts: an owner the importer may not give contacts to.' },
    FORBIDDEN_ROLE: { description: 'A role the importer may not hand out, or SUB_ADMIN (which needs a scope).' },
    INACTIVE_OWNER: { description: 'Contacts: the owner is not an active member.' },
    INVALID_COMPANY: { description: 'Contacts: a company over 200 characters.' },
    INVALID_EMAIL: { description: 'Not a valid email address.' },
    INVALID_EMPLOYEE_NO: { description: 'An employee number that is too long or has invalid characters.' },
    INVALID_NAME: { description: 'A name that is too long or has invalid characters.' },
    INVALID_NOTES: { description: 'Contacts: notes over 10,000 characters.' },
    INVALID_PHONE: { description: 'Not a valid phone number.' },
    INVALID_TITLE: { description: 'A title that is too long.' },
    INVALID_VISIBILITY: { description: 'Contacts: not PRIVATE, SHARED or ORG.' },
    MISSING_CONTACT: { description: 'Neither a phone nor an email.' },
    MISSING_NAME: { description: 'The name is empty.' },
    QUOTA_EXCEEDED: { description: "The org's member quota is used up." },
    TOO_MANY_PHONES: { description: 'Contacts: more than 20 phone numbers.' },
    TOO_MANY_TAGS: { description: 'Contacts: more than 50 tags.' },
    UNKNOWN_COLUMN: { description: 'A header the importer does not know; the column is ignored (reported once, on row 1).' },
    UNKNOWN_DEPARTMENT: { description: 'A department path that does not exist (and `createDepartments` is off).' },
    UNKNOWN_OWNER: { description: 'Contacts: no member of the org has this phone, email or employee number.' },
    UNKNOWN_ROLE: { description: 'No role of the org has this name.' },
    UNKNOWN_TAG: { description: 'Contacts: no tag of the org has this name.' },
  },
});

/** Rows reported with these are skipped (the person or contact is already there), not failed: a re-run of a good file fails nothing. */
export const SKIP_CODES: ReadonlySet<ImportIssueCode> = new Set([
  ImportIssueCode.ALREADY_INVITED,
  ImportIssueCode.ALREADY_MEMBER,
  ImportIssueCode.DUPLICATE_IN_FILE,
  ImportIssueCode.CONTACT_EXISTS,
]);

/**
 * One report entry as found: its message a catalogue message (`importMessage`, or an `errors` one), written in the
 * importer's language once the batch is checked (`inLocale`).
 */
export interface ImportIssue {
  row: number;
  column: string | null;
  code: ImportIssueCode;
  message: LocalizedMessage;
}

/** One report entry as the POST answers it and GraphQL pages it: its message in the importer's language. */
export interface ImportReportEntry {
  row: number;
  column: string | null;
  code: ImportIssueCode;
  message: string;
}

/** A message of the `imports` catalogue (`locales/<locale>/imports.json`): the texts of report entries. */
export const importMessage = (key: string, args?: MessageArgs): LocalizedMessage => ({ key: `imports.${key}`, args });

/** The entry as the importer reads it, in `locale` (the importer's saved locale, else Accept-Language, else the org's). */
export function inLocale(issue: ImportIssue, locale: Locale): ImportReportEntry {
  return { ...issue, message: translate(locale, issue.message.key, issue.message.args) };
}
