import { registerEnumType } from 'type-graphql';
import { DEFAULT_LOCALE, translate, type Locale, type LocalizedMessage } from '../../i18n';

/**
 * A refusal of the whole upload, answered as JSON with an HTTP status and a stable code. Its message is a catalogue
 * message (`errorMessage(...)`): `message` is its English text, `messageIn(locale)` the uploader's language.
 */
export class ImportRequestError extends Error {
  readonly localized: LocalizedMessage;

  constructor(
    readonly status: number,
    readonly code: string,
    message: LocalizedMessage,
    readonly details: Record<string, unknown> = {},
  ) {
    super(translate(DEFAULT_LOCALE, message.key, message.args));
    this.localized = message;
  }

  messageIn(locale: Locale): string {
    return locale === DEFAULT_LOCALE ? this.message : translate(locale, this.localized.key, this.localized.args);
  }
}

/** Codes of whole-upload refusals (`errors[0].extensions.code` of `POST /imports`). */
export const ImportErrorCode = {
  MethodNotAllowed: 'METHOD_NOT_ALLOWED',
  UnsupportedMediaType: 'UNSUPPORTED_MEDIA_TYPE',
  PayloadTooLarge: 'PAYLOAD_TOO_LARGE',
  MalformedCsv: 'MALFORMED_CSV',
  EmptyFile: 'EMPTY_FILE',
  MissingColumn: 'MISSING_COLUMN',
  DuplicateColumn: 'DUPLICATE_COLUMN',
  UploadAborted: 'UPLOAD_ABORTED',
} as const;

/**
 * Why an import stopped early, as the schema names it (`MemberImport.error.code`): the upload refusals above and the
 * request codes an upload can end with. Values equal names, as stored in `member_imports.error_code`.
 */
export enum ImportFailureCode {
  METHOD_NOT_ALLOWED = 'METHOD_NOT_ALLOWED',
  UNSUPPORTED_MEDIA_TYPE = 'UNSUPPORTED_MEDIA_TYPE',
  PAYLOAD_TOO_LARGE = 'PAYLOAD_TOO_LARGE',
  MALFORMED_CSV = 'MALFORMED_CSV',
  EMPTY_FILE = 'EMPTY_FILE',
  MISSING_COLUMN = 'MISSING_COLUMN',
  DUPLICATE_COLUMN = 'DUPLICATE_COLUMN',
  UPLOAD_ABORTED = 'UPLOAD_ABORTED',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  FORBIDDEN = 'FORBIDDEN',
  CONFLICT = 'CONFLICT',
  QUOTA_EXCEEDED = 'QUOTA_EXCEEDED',
  SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
}

registerEnumType(ImportFailureCode, {
  name: 'ImportErrorCode',
  description: 'Why a bulk import stopped early (also `errors[0].extensions.code` of the upload answer).',
  valuesConfig: {
    METHOD_NOT_ALLOWED: { description: 'The upload was not a POST.' },
    UNSUPPORTED_MEDIA_TYPE: { description: 'The body was not `text/csv` (UTF-8, uncompressed).' },
    PAYLOAD_TOO_LARGE: { description: 'The file was larger than IMPORT_MAX_BYTES.' },
    MALFORMED_CSV: { description: 'The file is not valid CSV (an unclosed quote, a wrong field count); `line` says where.' },
    EMPTY_FILE: { description: 'The file had no header row or no data row.' },
    MISSING_COLUMN: { description: 'The header lacks a required column (`name`, and a phone or email column).' },
    DUPLICATE_COLUMN: { description: 'A column appears twice in the header.' },
    UPLOAD_ABORTED: { description: 'The upload ended before the whole file arrived.' },
    BAD_USER_INPUT: { description: 'An option of the upload was invalid.' },
    FORBIDDEN: { description: 'The uploader lost the right to import while the file was read.' },
    CONFLICT: { description: 'The import clashed with a concurrent change.' },
    QUOTA_EXCEEDED: { description: "The org's member limit was reached." },
    SERVICE_UNAVAILABLE: { description: 'The database was unavailable; rows committed before stay imported.' },
    INTERNAL_SERVER_ERROR: { description: 'An unexpected error (logged on the server), or a code this version does not know.' },
  },
});

/** The schema's code of a stored error code; one it does not know answers INTERNAL_SERVER_ERROR. */
export function importFailureCodeOf(code: string): ImportFailureCode {
  return Object.prototype.hasOwnProperty.call(ImportFailureCode, code) ? (ImportFailureCode as Record<string, ImportFailureCode>)[code]! : ImportFailureCode.INTERNAL_SERVER_ERROR;
}
