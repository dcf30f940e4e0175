import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { canImportContacts, canImportMembers } from '../../auth/policy';
import { localeOfViewer, passwordChangeRequired, type Viewer } from '../../auth/viewer';
import { AppError, ErrorCode, errorMessage, httpStatusOf } from '../../errors';
import { chooseLocale, type Locale } from '../../i18n';
import type { GraphQLContext } from '../../graphql/context';
import { budgetReport, costBuckets, rateLimitHeaders, UPLOAD_COST } from '../../limits/operation-limits';
import { ImportErrorCode, ImportRequestError } from './import-errors';
import { contactImportHandler } from './contact-import.handler';
import { ImportRun, type ImportOptions } from './import-run';
import { memberImportHandler } from './member-import.handler';
import { csvRecords } from './import-stream';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The upload paths: people at `/imports`, external contacts at `/imports/contacts`. */
export const IMPORT_PATHS = { members: '/imports', contacts: '/imports/contacts' } as const;

/**
 * `POST /imports?dryRun=&createDepartments=&importId=` (people) and `POST /imports/contacts?dryRun=&importId=`
 * (external contacts): a CSV as the body (`content-type: text/csv`), with the gateway's bearer token. Answers once the
 * whole body is read: 200 with the summary and the report, or an error status with `errors[0].extensions.code` (and,
 * once the import had started, its summary so far).
 */
export async function handleImportRequest(req: IncomingMessage, res: ServerResponse, url: URL, loadContext: () => Promise<GraphQLContext>): Promise<void> {
  let run: Pick<ImportRun<unknown>, 'consume' | 'fail' | 'response'> | null = null;
  // Answers are written in the uploader's language: Accept-Language until the viewer is known, then theirs.
  let locale: Locale = chooseLocale({ acceptLanguage: req.headers['accept-language'] });
  try {
    if (req.method !== 'POST') {
      res.setHeader('allow', 'POST');
      throw new ImportRequestError(405, ImportErrorCode.MethodNotAllowed, errorMessage('uploadWithPost'));
    }
    const contacts = url.pathname === IMPORT_PATHS.contacts;
    const ctx = await loadContext();
    locale = localeOfViewer(ctx.viewer, ctx.acceptLanguage);
    authorize(ctx.viewer, contacts);
    await chargeUpload(ctx, res);
    const options = readOptions(url, contacts, locale);
    checkBody(req, ctx.app.config.importMaxBytes);
    run = contacts
      ? await ImportRun.start(ctx.em, ctx.app, ctx.viewer, options, contactImportHandler(ctx.app, ctx.viewer))
      : await ImportRun.start(ctx.em, ctx.app, ctx.viewer, options, memberImportHandler(ctx.app, ctx.viewer, options));
    try {
      await run.consume(csvRecords(req, ctx.app.config.importMaxBytes));
    } catch (error) {
      const refusal = asRefusal(error, ctx.app.logger);
      await run.fail({ code: refusal.code, message: refusal.messageIn(locale) });
      throw refusal;
    }
    sendJson(res, 200, run.response());
  } catch (error) {
    if (!(error instanceof ImportRequestError || error instanceof AppError)) throw error; // the server answers 500
    const refusal = asRefusal(error, null);
    sendJson(res, refusal.status, {
      ...(run ? run.response() : {}),
      errors: [{ message: refusal.messageIn(locale), extensions: { code: refusal.code, ...refusal.details } }],
    });
  }
}

/**
 * Same viewer rules as GraphQL: signed in, initial password changed, an active member allowed to import (people:
 * `canImportMembers`; contacts: `canImportContacts`, the rule of `createContact`).
 */
function authorize(viewer: Viewer, contacts: boolean): void {
  if (viewer.user?.mustChangePassword) throw passwordChangeRequired();
  viewer.requireMember();
  if (contacts) {
    if (!canImportContacts(viewer)) throw new AppError(ErrorCode.Forbidden, errorMessage('importContactsNeedsMembership'));
    return;
  }
  if (!canImportMembers(viewer)) {
    throw new AppError(ErrorCode.Forbidden, errorMessage('importPeopleNeedsPermission'));
  }
}

/** An upload draws on the caller's rate-limit budgets like an operation does; over budget: 429 with Retry-After. */
async function chargeUpload(ctx: GraphQLContext, res: ServerResponse): Promise<void> {
  const budgets = costBuckets(ctx.app.config.rateLimits, { credential: ctx.credential ?? null, clientAddress: ctx.clientAddress }, UPLOAD_COST);
  const decision = await ctx.app.rateLimiter.take(budgets);
  // The same budget headers as GraphQL answers: an upload draws on the same budgets.
  for (const [name, value] of rateLimitHeaders(budgetReport(decision, budgets))) res.setHeader(name, value);
  if (decision.allowed) return;
  res.setHeader('retry-after', String(decision.retryAfterSeconds));
  throw new ImportRequestError(429, ErrorCode.RateLimited, errorMessage('rateLimited', { seconds: decision.retryAfterSeconds }), {
    retryAfter: decision.retryAfterSeconds,
  });
}

function readOptions(url: URL, contacts: boolean, locale: Locale): ImportOptions & { createDepartments: boolean } {
  const flag = (name: string): boolean => {
    const value = url.searchParams.get(name);
    if (value === null || value === '') return false;
    if (/^true$/i.test(value)) return true;
    if (/^false$/i.test(value)) return false;
    throw new ImportRequestError(400, ErrorCode.BadUserInput, errorMessage('mustBeTrueOrFalse', { field: name }), { field: name });
  };
  if (contacts && url.searchParams.has('createDepartments')) {
    throw new ImportRequestError(400, ErrorCode.BadUserInput, errorMessage('createDepartmentsPeopleOnly'), { field: 'createDepartments' });
  }
  const importId = url.searchParams.get('importId');
  if (importId !== null && !UUID.test(importId)) {
    throw new ImportRequestError(400, ErrorCode.BadUserInput, errorMessage('importIdUuid'), { field: 'importId' });
  }
  return {
    recordId: randomUUID(),
    importKey: importId?.toLowerCase() ?? randomUUID(),
    dryRun: flag('dryRun'),
    createDepartments: flag('createDepartments'),
    locale,
  };
}

function checkBody(req: IncomingMessage, maxBytes: number): void {
  const [mediaType, ...parameters] = (req.headers['content-type'] ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charset = parameters.find((parameter) => parameter.startsWith('charset='))?.slice('charset='.length).replace(/"/g, '');
  const encoding = req.headers['content-encoding']?.trim().toLowerCase();
  if (mediaType !== 'text/csv' || (charset && charset !== 'utf-8' && charset !== 'utf8') || (encoding && encoding !== 'identity')) {
    throw new ImportRequestError(415, ImportErrorCode.UnsupportedMediaType, errorMessage('csvContentType'));
  }
  const declared = Number(req.headers['content-length']);
  if (declared > maxBytes) {
    throw new ImportRequestError(413, ImportErrorCode.PayloadTooLarge, errorMessage('fileTooLarge', { maxBytes: String(maxBytes) }), { maxBytes });
  }
}

function asRefusal(error: unknown, logger: Logger | null): ImportRequestError {
  if (error instanceof ImportRequestError) return error;
  if (error instanceof AppError) {
    const code = String(error.extensions.code);
    const { code: _code, ...details } = error.extensions;
    return new ImportRequestError(httpStatusOf(code, 'http') ?? 400, code, error.localized, details);
  }
  logger?.error({ err: error }, 'import failed');
  return new ImportRequestError(500, ErrorCode.Internal, errorMessage('internal'));
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
}
