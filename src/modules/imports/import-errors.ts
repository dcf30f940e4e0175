/** A refusal of the whole upload, answered as JSON with an HTTP status and a stable code. */
export class ImportRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
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
