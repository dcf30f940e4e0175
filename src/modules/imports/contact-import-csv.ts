import { AppError, errorMessage } from '../../errors';
import type { LocalizedMessage } from '../../i18n';
import { normalizePhone } from '../accounts/phone';
import {
  CONTACT_LIMITS,
  contactEmail,
  contactKeys,
  contactName,
  contactNotes,
  ContactVisibility,
  optionalLine,
} from '../contacts';
import { headerColumns, READING_ALIASES, requireColumns, rowValues, splitList } from './import-csv';
import { importMessage, ImportIssueCode, type ImportIssue } from './import-issue';

/** The columns a contact import file may have. Headers match case-insensitively, ignoring spaces, `_` and `-`. */
export type ContactImportColumn = 'name' | 'nameReading' | 'phones' | 'email' | 'company' | 'title' | 'notes' | 'tags' | 'visibility' | 'owner';

const CONTACT_HEADER_ALIASES: Record<string, ContactImportColumn> = {
  name: 'name',
  ...READING_ALIASES,
  phones: 'phones',
  phone: 'phones',
  mobile: 'phones',
  email: 'email',
  company: 'company',
  title: 'title',
  notes: 'notes',
  note: 'notes',
  tags: 'tags',
  tag: 'tags',
  visibility: 'visibility',
  owner: 'owner',
};

export interface ContactImportHeader {
  columns: Array<ContactImportColumn | null>;
  issues: ImportIssue[];
}

/** Reads the header row. Refuses the upload when `name`, or both `phones` and `email`, are missing, or a column repeats. */
export function readContactHeader(fields: string[]): ContactImportHeader {
  const { columns, issues, seen } = headerColumns(fields, CONTACT_HEADER_ALIASES);
  requireColumns(seen, 'phones');
  return { columns, issues };
}

/**
 * A row of contacts, its own values checked with the rules of `createContact` (contact-fields.ts): tags, owner and
 * duplicates are checked against the database next. A row with `issues` is refused whatever follows; its tags and
 * owner are still checked so every problem of the row is reported at once.
 */
export interface ContactCandidate {
  row: number;
  issues: ImportIssue[];
  name: string;
  nameReading: string | null;
  /** E.164, duplicates dropped. */
  phones: string[];
  email: string | null;
  company: string | null;
  title: string | null;
  notes: string | null;
  /** Tag names as written (distinct, case-insensitively); resolved per batch. */
  tagNames: string[];
  visibility: ContactVisibility;
  /** The owner as written (a member's phone, email or employee number); null: the uploader. */
  ownerRef: string | null;
  /** The duplicate keys of the contact (`contactKeys`). */
  keys: string[];
}

/** Validates one data row's own values (no database); null for a blank row. Every problem of the row is reported. */
export function parseContactRow(row: number, fields: string[], header: ContactImportHeader, phoneRegion: string): ContactCandidate | null {
  const read = rowValues(fields, header.columns);
  if (!read) return null;
  const { values, extra } = read;
  const issues: ImportIssue[] = [];
  const issue = (column: string | null, code: ImportIssueCode, message: LocalizedMessage) => issues.push({ row, column, code, message });
  /** Runs one rule of contact-fields.ts; its BAD_USER_INPUT becomes a report entry. */
  const check = <T>(column: string, code: ImportIssueCode, rule: () => T, fallback: T): T => {
    try {
      return rule();
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      issue(column, code, error.localized);
      return fallback;
    }
  };
  if (extra) issue(null, ImportIssueCode.EXTRA_FIELDS, importMessage('extraFields', { columns: String(header.columns.length) }));

  const name = values.name ? check('name', ImportIssueCode.INVALID_NAME, () => contactName(values.name!), '') : '';
  if (!values.name) issue('name', ImportIssueCode.MISSING_NAME, importMessage('nameRequired'));
  const nameReading = check('nameReading', ImportIssueCode.INVALID_NAME, () => optionalLine(values.nameReading, 'nameReading', CONTACT_LIMITS.nameReading), null);

  const written = splitList(values.phones);
  let phones: string[] = [];
  if (written.length > CONTACT_LIMITS.phones) {
    issue('phones', ImportIssueCode.TOO_MANY_PHONES, importMessage('tooManyPhones', { max: CONTACT_LIMITS.phones, count: written.length }));
  } else {
    // Each number parsed once (libphonenumber takes some 30 µs a number), then deduplicated as contactPhones does.
    const normalized: string[] = [];
    for (const phone of written) {
      try {
        normalized.push(normalizePhone(phone, phoneRegion, 'phones'));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        issue('phones', ImportIssueCode.INVALID_PHONE, error.localized);
      }
    }
    if (normalized.length === written.length) phones = [...new Set(normalized)];
  }
  const email = values.email ? check('email', ImportIssueCode.INVALID_EMAIL, () => contactEmail(values.email), null) : null;
  if (!written.length && !values.email) issue('phones', ImportIssueCode.MISSING_CONTACT, errorMessage('contactNeedsPhoneOrEmail'));

  const company = check('company', ImportIssueCode.INVALID_COMPANY, () => optionalLine(values.company, 'company', CONTACT_LIMITS.company), null);
  const title = check('title', ImportIssueCode.INVALID_TITLE, () => optionalLine(values.title, 'title', CONTACT_LIMITS.title), null);
  const notes = check('notes', ImportIssueCode.INVALID_NOTES, () => contactNotes(values.notes), null);

  const tagNames: string[] = [];
  for (const tag of splitList(values.tags)) {
    if (!tagNames.some((known) => known.toLowerCase() === tag.toLowerCase())) tagNames.push(tag);
  }
  if (tagNames.length > CONTACT_LIMITS.tags) {
    issue('tags', ImportIssueCode.TOO_MANY_TAGS, importMessage('tooManyTags', { max: CONTACT_LIMITS.tags, count: tagNames.length }));
    tagNames.length = 0;
  }

  let visibility = ContactVisibility.PRIVATE;
  const visibilityWritten = (values.visibility ?? '').toUpperCase();
  if (visibilityWritten === ContactVisibility.ORG) visibility = ContactVisibility.ORG;
  else if (visibilityWritten === ContactVisibility.SHARED) {
    issue('visibility', ImportIssueCode.INVALID_VISIBILITY, importMessage('sharedNotImportable'));
  } else if (visibilityWritten && visibilityWritten !== ContactVisibility.PRIVATE) {
    issue('visibility', ImportIssueCode.INVALID_VISIBILITY, importMessage('invalidVisibility', { value: JSON.stringify(values.visibility!.slice(0, 40)) }));
  }

  return {
    row,
    issues,
    name,
    nameReading,
    phones,
    email,
    company,
    title,
    notes,
    tagNames,
    visibility,
    ownerRef: values.owner || null,
    keys: contactKeys({ phones, email, linkedUserId: null }),
  };
}
