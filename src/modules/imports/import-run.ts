import { setImmediate } from 'node:timers/promises';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { toGlobalId } from '../../graphql/relay';
import { EventTopic, recordEvents, type NewOrgEvent, type OrgEvent } from '../../realtime/events';
import { nativeQuery } from '../../db/native-sql';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation } from '../common/validate';
import { ImportKind, MemberImportStatus } from './bulk-import.entity';
import { ImportErrorCode, ImportRequestError } from './import-errors';
import type { ImportIssue } from './import-issue';
import type { CsvRecord } from './import-stream';

/** Records parsed between two turns of the event loop (see `consume`). */
const PARSE_SLICE = 50;
/** Rows per transaction. */
export const IMPORT_BATCH_SIZE = 1000;
/** Report entries the POST answers inline; the whole report stays readable through GraphQL (`report`). */
export const REPORT_RESPONSE_LIMIT = 10_000;
/** A batch that meets a unique violation (a concurrent writer added the same person or contact) is retried, re-checked from scratch. */
const BATCH_ATTEMPTS = 3;

export interface ImportOptions {
  importId: string;
  dryRun: boolean;
}

export interface ImportSummary {
  rows: number;
  created: number;
  skipped: number;
  failed: number;
  departmentsCreated: number;
}

/** What the upload answers (with `errors` added when the upload stopped early). */
export interface ImportResponse {
  importId: string;
  /** Global id, for `memberImport(id)` / `contactImport(id)` and `node(id)`. */
  id: string;
  status: MemberImportStatus;
  dryRun: boolean;
  summary: Partial<ImportSummary>;
  report: ImportIssue[];
  /** True when the report has more than `REPORT_RESPONSE_LIMIT` entries; page the rest through GraphQL. */
  reportTruncated: boolean;
}

/** What one batch of rows came to, checked (and, unless dry, written) inside the run's transaction. */
export interface ImportBatchResult {
  issues: ImportIssue[];
  created: number;
  skipped: number;
  failed: number;
  departmentsCreated?: number;
  /** Events of what the batch wrote, recorded with it (not in a dry run). */
  events: Array<Omit<NewOrgEvent, 'orgId'>>;
  /** Applies this batch's file-wide facts to the kind's memory; called once the batch has committed (or, dry, rolled back). */
  remember(): void;
}

/**
 * What one kind of import brings to the shared run: its header and row checks (no database) and its batch writer.
 * Everything else (streaming, batching, dry runs, retries, the record, the report, progress events, the audit entry)
 * is the run's, so every kind keeps the same guarantees.
 */
export interface ImportHandler<Row> {
  readonly kind: ImportKind;
  /** Node type of the import's record. */
  readonly typeName: 'MemberImport' | 'ContactImport';
  /** Audit action written at the end of a real (not dry) run. */
  readonly auditAction: string;
  /** Kept on the record (people only). */
  readonly createDepartments: boolean;
  /** Reads the header row and returns its report entries (UNKNOWN_COLUMN); throws `ImportRequestError` to refuse the upload. */
  readHeader(fields: string[]): ImportIssue[];
  /** One data row's own values checked (no database); null for a blank row. */
  parseRow(row: number, fields: string[]): Row | null;
  /** Checks a batch against the org and writes its good rows, in `tx` (which the run rolls back for a dry run). */
  writeBatch(tx: EntityManager, rows: Row[]): Promise<ImportBatchResult>;
  /** The counters as the upload answers them and the audit entry keeps them. */
  publicSummary(summary: ImportSummary): Partial<ImportSummary>;
  /** Extra details of the audit entry. */
  auditDetails(): Record<string, unknown>;
}

class DryRunRollback extends Error {
  constructor(readonly result: ImportBatchResult) {
    super('dry run: rolled back');
  }
}

interface RunSession {
  importId: string;
  orgId: string;
  viewer: Viewer;
  dryRun: boolean;
}

/**
 * One bulk import, fed CSV records as they are parsed. Rows gather into batches of `IMPORT_BATCH_SIZE`; each batch is
 * checked and written in a transaction of its own, with its report entries, the import's counters, the events of what
 * it wrote and a PROGRESS event, so progress is visible (and published) as the file is read and the org's locks are
 * held one batch at a time. A dry run rolls each batch back and keeps only the report and the events.
 */
export class ImportRun<Row> {
  private headerRead = false;
  private rows: Row[] = [];
  /** Entries not tied to a data row (the header's), written with the next batch. */
  private pendingIssues: ImportIssue[] = [];
  private readonly summary: ImportSummary = { rows: 0, created: 0, skipped: 0, failed: 0, departmentsCreated: 0 };
  private issueCount = 0;
  private readonly report: ImportIssue[] = [];
  private status = MemberImportStatus.RUNNING;
  /** The batch being written while the next one is parsed. */
  private inFlight: Promise<void> = Promise.resolve();

  private constructor(
    private readonly em: EntityManager,
    private readonly app: AppServices,
    private readonly session: RunSession,
    private readonly handler: ImportHandler<Row>,
  ) {}

  /** Records the import as RUNNING (committed, so it can be looked up while it runs). A taken `importId` answers 409. */
  static async start<Row>(em: EntityManager, app: AppServices, viewer: Viewer, options: ImportOptions, handler: ImportHandler<Row>): Promise<ImportRun<Row>> {
    const { user, org, member } = viewer.requireMember();
    await em
      .getConnection()
      .execute(
        `insert into member_imports (id, org_id, kind, created_by_member_id, created_by_user_id, status, dry_run, create_departments, created_at)
         values (?, ?, ?, ?, ?, 'RUNNING', ?, ?, ?)`,
        [options.importId, org.id, handler.kind, member.id, user.id, options.dryRun, handler.createDepartments, new Date()],
      )
      .catch((error: unknown) => {
        if (isUniqueViolation(error)) throw new ImportRequestError(409, 'CONFLICT', 'An import with this importId exists already; choose another', { importId: options.importId });
        throw error;
      });
    return new ImportRun(em, app, { importId: options.importId, orgId: org.id, viewer, dryRun: options.dryRun }, handler);
  }

  get importId(): string {
    return this.session.importId;
  }

  private get logger(): Logger {
    return this.app.logger;
  }

  /** Feeds every record, then completes the import. Throws what the stream or a batch throws; call `fail` then. */
  async consume(records: AsyncIterable<CsvRecord>): Promise<void> {
    let parsed = 0;
    try {
      for await (const record of records) {
        if (!this.headerRead) {
          this.pendingIssues.push(...this.handler.readHeader(record.fields));
          this.headerRead = true;
          continue;
        }
        const row = this.handler.parseRow(record.row, record.fields);
        // Records already read arrive through promises alone, which would keep the batch being written from hearing
        // its statements' answers until a whole chunk of the body is parsed: let I/O in every few records, so the
        // database works on one batch while the next one is parsed.
        if (++parsed % PARSE_SLICE === 0) await setImmediate();
        if (row === null) continue;
        this.rows.push(row);
        if (this.rows.length >= IMPORT_BATCH_SIZE) await this.dispatch();
      }
      if (!this.headerRead) throw new ImportRequestError(400, ImportErrorCode.EmptyFile, 'The file is empty: it needs a header row and at least one data row');
      await this.dispatch();
      await this.inFlight;
    } catch (error) {
      // Let the batch being written settle first, so the counts answered and kept are those committed.
      await this.inFlight.catch(() => undefined);
      throw error;
    }
    await this.finish(MemberImportStatus.COMPLETED);
  }

  /** Ends the import as FAILED (what earlier batches committed stays). Never throws. */
  async fail(error: { code: string; message: string }): Promise<void> {
    try {
      await this.finish(MemberImportStatus.FAILED, error);
    } catch (finishError) {
      this.logger.error({ err: finishError, importId: this.importId }, 'could not mark the import FAILED');
    }
  }

  response(): ImportResponse {
    return {
      importId: this.importId,
      id: toGlobalId(this.handler.typeName, this.importId),
      status: this.status,
      dryRun: this.session.dryRun,
      summary: this.handler.publicSummary({ ...this.summary }),
      report: this.report,
      reportTruncated: this.issueCount > this.report.length,
    };
  }

  /**
   * Hands the rows gathered so far to the writer once the previous batch is written (rethrowing its error), and
   * returns at once: parsing the next batch overlaps writing this one, and at most two batches are held.
   */
  private async dispatch(): Promise<void> {
    await this.inFlight;
    const rows = this.rows;
    const ownIssues = this.pendingIssues;
    this.rows = [];
    this.pendingIssues = [];
    if (rows.length === 0 && ownIssues.length === 0) return;
    this.inFlight = this.writeBatch(rows, ownIssues);
    this.inFlight.catch(() => undefined); // observed by the next dispatch, or by consume
  }

  /** Checks and writes one batch, retried when a concurrent writer added one of its rows' people or contacts meanwhile. */
  private async writeBatch(rows: Row[], ownIssues: ImportIssue[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.writeBatchOnce(rows, ownIssues);
      } catch (error) {
        if (attempt >= BATCH_ATTEMPTS || !isUniqueViolation(error)) throw error;
        this.logger.info({ importId: this.importId, attempt }, 'import batch met a concurrent insert; retrying');
      }
    }
  }

  /**
   * One transaction: the rows checked and written, the report entries, the import's counters, the batch's events and
   * a PROGRESS event. Dry: the rows are checked and written in a transaction rolled back, the rest in a second one.
   */
  private async writeBatchOnce(rows: Row[], ownIssues: ImportIssue[]): Promise<void> {
    const published: OrgEvent[] = [];
    const state: { checked: ImportBatchResult | null } = { checked: null };
    const record = async (tx: EntityManager) => {
      const batch = state.checked;
      const summary = this.summaryAfter(batch, rows.length);
      const issues = [...ownIssues, ...(batch?.issues ?? [])];
      await this.writeProgress(tx, summary, issues);
      const written = batch && !this.session.dryRun ? batch.events : [];
      published.push(...(await recordEvents(tx, this.session.orgId, [...written, this.progressEvent(summary)])));
      return { summary, issues };
    };
    let written: Awaited<ReturnType<typeof record>>;
    if (this.session.dryRun && rows.length) {
      state.checked = await this.em
        .fork()
        .transactional(async (tx) => {
          throw new DryRunRollback(await this.handler.writeBatch(tx, rows));
        })
        .catch((error: unknown) => {
          if (error instanceof DryRunRollback) return error.result;
          throw error;
        });
      written = await this.em.fork().transactional(record);
    } else {
      written = await this.em.fork().transactional(async (tx) => {
        if (rows.length) state.checked = await this.handler.writeBatch(tx, rows);
        return record(tx);
      });
    }
    state.checked?.remember();
    this.apply(written.summary, written.issues);
    this.app.eventBus.publish(published);
  }

  /** The import's counters once this batch is counted (not applied until it commits). */
  private summaryAfter(batch: ImportBatchResult | null, rows: number): ImportSummary {
    return {
      rows: this.summary.rows + rows,
      created: this.summary.created + (batch?.created ?? 0),
      skipped: this.summary.skipped + (batch?.skipped ?? 0),
      failed: this.summary.failed + (batch?.failed ?? 0),
      departmentsCreated: this.summary.departmentsCreated + (batch?.departmentsCreated ?? 0),
    };
  }

  private apply(summary: ImportSummary, issues: ImportIssue[]): void {
    Object.assign(this.summary, summary);
    this.issueCount += issues.length;
    for (const issue of issues) {
      if (this.report.length >= REPORT_RESPONSE_LIMIT) break;
      this.report.push(issue);
    }
  }

  /** The batch's report entries and the import's new counters, in one statement. */
  private async writeProgress(tx: EntityManager, summary: ImportSummary, issues: ImportIssue[]): Promise<void> {
    const numbered = issues.map((issue, index) => ({
      seq: this.issueCount + index + 1,
      row_no: issue.row,
      column_name: issue.column,
      code: issue.code,
      message: issue.message,
    }));
    await nativeQuery(
      tx,
      `with entries as (
         insert into member_import_issues (import_id, seq, row_no, column_name, code, message)
         select $1, x.seq, x.row_no, x.column_name, x.code, x.message
           from jsonb_to_recordset($2::jsonb) as x(seq int, row_no int, column_name text, code text, message text)
       )
       update member_imports
          set row_count = $3, created_count = $4, skipped_count = $5, failed_count = $6, departments_created = $7, issue_count = $8
        where id = $1`,
      [
        this.importId,
        JSON.stringify(numbered),
        summary.rows,
        summary.created,
        summary.skipped,
        summary.failed,
        summary.departmentsCreated,
        this.issueCount + issues.length,
      ],
    );
  }

  private progressEvent(summary: ImportSummary): Omit<NewOrgEvent, 'orgId'> {
    return { topic: EventTopic.IMPORT, type: 'PROGRESS', payload: this.eventPayload(summary) };
  }

  private eventPayload(summary: ImportSummary): Record<string, unknown> {
    return {
      importId: this.importId,
      ...(this.handler.kind === ImportKind.MEMBERS ? {} : { kind: this.handler.kind }),
      dryRun: this.session.dryRun,
      processed: summary.rows,
      created: summary.created,
      skipped: summary.skipped,
      failed: summary.failed,
    };
  }

  /**
   * Marks the import COMPLETED or FAILED with a COMPLETED event (its `status` tells which; `total` is the rows read)
   * and, unless dry, the kind's audit entry (`member.import`, `contact.import`) with the summary.
   */
  private async finish(status: MemberImportStatus, error?: { code: string; message: string }): Promise<void> {
    if (this.status !== MemberImportStatus.RUNNING) return;
    const published: OrgEvent[] = [];
    const summary = this.summary;
    await this.em.fork().transactional(async (tx) => {
      await tx.execute(
        `update member_imports set status = ?, error_code = ?, error_message = ?, finished_at = ? where id = ?`,
        [status, error?.code ?? null, error?.message ?? null, new Date(), this.importId],
      );
      if (!this.session.dryRun) {
        recordAudit(tx, this.session.viewer, this.handler.auditAction, { type: this.handler.typeName, id: this.importId }, {
          status,
          ...this.handler.publicSummary(summary),
          ...this.handler.auditDetails(),
          ...(error ? { error: error.code } : {}),
        });
      }
      published.push(
        ...(await recordEvents(tx, this.session.orgId, [
          {
            topic: EventTopic.IMPORT,
            type: 'COMPLETED',
            payload: { ...this.eventPayload(summary), total: summary.rows, status, ...(error ? { error } : {}) },
          },
        ])),
      );
    });
    this.status = status;
    this.app.eventBus.publish(published);
  }
}
