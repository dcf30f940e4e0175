import type { IncomingMessage } from 'node:http';
import { CsvError, parse } from 'csv-parse';
import { errorMessage } from '../../errors';
import { ImportErrorCode, ImportRequestError } from './import-errors';

/** No record may exceed this: an unclosed quote would otherwise gather the rest of the file into one field. */
export const MAX_RECORD_BYTES = 64 * 1024;

export interface CsvRecord {
  /** The record's number in the file, the header being 1 (a spreadsheet's row number). */
  row: number;
  fields: string[];
}

/**
 * Parses the request body as CSV while it arrives, one record at a time: nothing buffers the file. The consumer's
 * pace is the upload's pace (a paused loop pauses the socket). Throws `ImportRequestError` for a body over
 * `maxBytes` (413), malformed CSV (400) and an upload that stops before its end.
 */
export async function* csvRecords(req: IncomingMessage, maxBytes: number, onBytes?: (bytes: number) => void): AsyncGenerator<CsvRecord> {
  const parser = parse({ bom: true, relax_column_count: true, max_record_size: MAX_RECORD_BYTES, info: true });
  let bytes = 0;
  const stop = (error: Error) => {
    req.unpipe(parser);
    parser.destroy(error);
  };
  const onData = (chunk: Buffer) => {
    bytes += chunk.length;
    onBytes?.(bytes);
    if (bytes > maxBytes) {
      stop(new ImportRequestError(413, ImportErrorCode.PayloadTooLarge, errorMessage('fileTooLarge', { maxBytes: String(maxBytes) }), { maxBytes }));
    }
  };
  const onAborted = () => {
    if (!req.complete) stop(new ImportRequestError(400, ImportErrorCode.UploadAborted, errorMessage('uploadAborted')));
  };
  const onError = () => onAborted();
  req.on('data', onData);
  req.on('close', onAborted);
  req.on('error', onError);
  req.pipe(parser);
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { records: number } }>) {
      yield { row: info.records, fields: record };
    }
  } catch (error) {
    if (error instanceof CsvError) {
      const line = (error as CsvError & { lines?: number }).lines;
      throw new ImportRequestError(400, ImportErrorCode.MalformedCsv, errorMessage('malformedCsv', { detail: error.message }), { reason: error.code, line });
    }
    throw error;
  } finally {
    req.off('data', onData);
    req.off('close', onAborted);
    req.off('error', onError);
    req.unpipe(parser);
    if (!parser.destroyed) parser.destroy();
  }
}
