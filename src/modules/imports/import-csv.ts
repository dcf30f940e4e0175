import type { NameKeys } from '../../search/name-keys';
import { normalizePhone } from '../accounts/phone';
import { optionalEmail } from '../common/validate';
import { ImportErrorCode, ImportRequestError } from './import-errors';
import { errorMessage } from '../../errors';
import type { LocalizedMessage } from '../../i18n';
import { importMessage, ImportIssueCode, type ImportIssue } from './import-issue';

/** The columns an import file may have. Headers match case-insensitively, ignoring spaces, `_` and `-`. */
export type ImportColumn = 'name' | 'nameReading' | 'phone' | 'email' | 'department' | 'roles' | 'title' | 'employeeNo';

/** A name's reading: `nameReading`, `reading`, `furigana`, `ふりがな` / `フリガナ`, `よみがな`, `读音`, `拼音`. */
export const READING_ALIASES = { namereading: 'nameReading', reading: 'nameReading', furigana: 'nameReading', ふりがな: 'nameReading', フリガナ: 'nameReading', よみがな: 'nameReading', 读音: 'nameReading', 拼音: 'nameReading' } as const;

const HEADER_ALIASES: Record<string, ImportColumn> = {
  name: 'name',
  ...READING_ALIASES,
  phone: 'phone',
  mobile: 'phone',
  email: 'email',
  department: 'department',
  departments: 'department',
  roles: 'roles',
  role: 'roles',
  title: 'title',
  employeeno: 'employeeNo',
};

export const NAME_MAX = 100;
export const TITLE_MAX = 100;
export const EMPLOYEE_NO_MAX = 50;
export const DEPARTMENT_NAME_MAX = 100;
/** Separates several departments or roles in one cell. */
export const LIST_SEPARATOR = ';';
/** Separates the levels of a department path (`Hospitals/Level 1/Some Hospital`). */
export const PATH_SEPARATOR = '/';

export interface ImportHeader {
  /** The column each field position holds; null for unknown columns (ignored). */
  columns: Array<ImportColumn | null>;
  /** One UNKNOWN_COLUMN entry per unknown header. */
  issues: ImportIssue[];
}

/** Reads the header row. Refuses the upload when `name`, or both `phone` and `email`, are missing, or a column repeats. */
export function readHeader(fields: string[]): ImportHeader {
  const { columns, issues, seen } = headerColumns(fields, HEADER_ALIASES);
  requireColumns(seen);
  return { columns, issues };
}

/**
 * Maps each header to a known column (case-insensitively, ignoring spaces, `_` and `-`), with one UNKNOWN_COLUMN entry
 * per unknown header (ignored). A column named twice refuses the upload. Shared by every kind of import.
 */
export function headerColumns<C extends string>(fields: string[], aliases: Record<string, C>): { columns: Array<C | null>; issues: ImportIssue[]; seen: Set<C> } {
  const columns: Array<C | null> = [];
  const issues: ImportIssue[] = [];
  const seen = new Set<C>();
  fields.forEach((raw, index) => {
    const label = raw.trim();
    const column = aliases[label.toLowerCase().replace(/[\s_-]+/g, '')] ?? null;
    if (column && seen.has(column)) {
      throw new ImportRequestError(400, ImportErrorCode.DuplicateColumn, errorMessage('duplicateColumn', { column }), { column });
    }
    if (column) seen.add(column);
    else if (label) {
      issues.push({ row: 1, column: label, code: ImportIssueCode.UNKNOWN_COLUMN, message: importMessage('unknownColumn', { label, position: String(index + 1) }) });
    }
    columns.push(column);
  });
  return { columns, issues, seen };
}

/** A `name` column, and a phone (`phone` or, for contacts, `phones`) or an `email` column, else the upload is refused. */
export function requireColumns(seen: ReadonlySet<string>, phoneColumn = 'phone'): void {
  if (!seen.has('name')) {
    throw new ImportRequestError(400, ImportErrorCode.MissingColumn, errorMessage('missingNameColumn'), { column: 'name' });
  }
  if (!seen.has(phoneColumn) && !seen.has('email')) {
    throw new ImportRequestError(400, ImportErrorCode.MissingColumn, errorMessage('missingContactColumn', { column: phoneColumn }), { column: phoneColumn });
  }
}

/**
 * A data row's values by column (trimmed; unknown columns dropped), or null for a blank row. `extra`: the row has
 * non-empty fields beyond the header's.
 */
export function rowValues<C extends string>(fields: string[], columns: Array<C | null>): { values: Partial<Record<C, string>>; extra: boolean } | null {
  const values: Partial<Record<C, string>> = {};
  let extra = false;
  fields.forEach((value, index) => {
    if (index >= columns.length) {
      if (value.trim()) extra = true;
      return;
    }
    const column = columns[index];
    if (column) values[column] = value.trim();
  });
  if (!extra && fields.every((value) => !value.trim())) return null;
  return { values, extra };
}

/**
 * A row of people, its own values checked: departments, roles, duplicates and quota are checked against the
 * database next. A row with `issues` is refused whatever follows; its departments and roles are still checked so
 * that every problem of the row is reported at once.
 */
export interface ImportCandidate {
  row: number;
  issues: ImportIssue[];
  name: string;
  nameReading: string | null;
  phone: string | null;
  email: string | null;
  title: string | null;
  employeeNo: string | null;
  /** Department paths as name segments below the org root; empty: the org root. */
  departmentPaths: string[][];
  /** Role names as written; empty: the built-in MEMBER role. */
  roleNames: string[];
  /** The name's search keys, derived while the file is parsed (rows with issues of their own get none). */
  keys?: NameKeys;
}

export type ParsedRow = { kind: 'blank' } | { kind: 'row'; candidate: ImportCandidate };

/** Validates one data row's own values (no database). Every problem of the row is reported, not just the first. */
export function parseRow(row: number, fields: string[], header: ImportHeader, phoneRegion: string): ParsedRow {
  const read = rowValues(fields, header.columns);
  if (!read) return { kind: 'blank' };
  const { values, extra } = read;

  const issues: ImportIssue[] = [];
  const issue = (column: string | null, code: ImportIssueCode, message: LocalizedMessage) => issues.push({ row, column, code, message });
  if (extra) issue(null, ImportIssueCode.EXTRA_FIELDS, importMessage('extraFields', { columns: String(header.columns.length) }));

  const name = values.name ?? '';
  if (!name) issue('name', ImportIssueCode.MISSING_NAME, importMessage('nameRequired'));
  else if (name.length > NAME_MAX) issue('name', ImportIssueCode.INVALID_NAME, errorMessage('tooLong', { field: 'name', max: NAME_MAX }));
  const nameReading = values.nameReading || null;
  if (nameReading && nameReading.length > NAME_MAX) issue('nameReading', ImportIssueCode.INVALID_NAME, errorMessage('tooLong', { field: 'nameReading', max: NAME_MAX }));

  let phone: string | null = null;
  if (values.phone) {
    try {
      phone = normalizePhone(values.phone, phoneRegion);
    } catch {
      issue('phone', ImportIssueCode.INVALID_PHONE, errorMessage('invalidPhone', { raw: JSON.stringify(values.phone.slice(0, 40)) }));
    }
  }
  let email: string | null = null;
  if (values.email) {
    try {
      email = optionalEmail(values.email);
    } catch {
      issue('email', ImportIssueCode.INVALID_EMAIL, importMessage('invalidEmail', { value: JSON.stringify(values.email.slice(0, 80)) }));
    }
  }
  if (!values.phone && !values.email) issue('phone', ImportIssueCode.MISSING_CONTACT, importMessage('phoneOrEmailRequired'));

  const title = values.title || null;
  if (title && title.length > TITLE_MAX) issue('title', ImportIssueCode.INVALID_TITLE, errorMessage('tooLong', { field: 'title', max: TITLE_MAX }));
  const employeeNo = values.employeeNo || null;
  if (employeeNo && employeeNo.length > EMPLOYEE_NO_MAX) {
    issue('employeeNo', ImportIssueCode.INVALID_EMPLOYEE_NO, errorMessage('tooLong', { field: 'employeeNo', max: EMPLOYEE_NO_MAX }));
  }

  const departmentPaths: string[][] = [];
  const pathKeys = new Set<string>();
  for (const written of splitList(values.department)) {
    const segments = written.replace(/^\/+|\/+$/g, '').split(PATH_SEPARATOR).map((segment) => segment.trim());
    const bad = segments.find((segment) => !segment || segment.length > DEPARTMENT_NAME_MAX);
    if (bad !== undefined) {
      issue('department', ImportIssueCode.UNKNOWN_DEPARTMENT, bad
        ? importMessage('departmentNameTooLong', { path: written, max: DEPARTMENT_NAME_MAX })
        : importMessage('departmentEmptyName', { path: written }));
      continue;
    }
    const key = departmentPathKey(segments);
    if (!pathKeys.has(key)) departmentPaths.push(segments);
    pathKeys.add(key);
  }

  const roleNames: string[] = [];
  for (const role of splitList(values.roles)) {
    if (!roleNames.some((known) => known.toLowerCase() === role.toLowerCase())) roleNames.push(role);
  }

  return { kind: 'row', candidate: { row, issues, name, nameReading, phone, email, title, employeeNo, departmentPaths, roleNames } };
}

/** A department path's identity: its segments (names contain no `/`). */
export function departmentPathKey(segments: string[]): string {
  return segments.join(PATH_SEPARATOR);
}

/** The items of a `;`-separated cell, trimmed, empty ones dropped. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(LIST_SEPARATOR).map((item) => item.trim()).filter(Boolean);
}
