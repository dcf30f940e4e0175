import { sql } from './sql-fixtures';

export interface ImportReportEntry {
  row: number;
  column: string | null;
  code: string;
  message: string;
}

/** The JSON `POST /imports` answers: the import's result, and `errors` when the upload was refused. */
export interface ImportBody {
  importId: string;
  id: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  dryRun: boolean;
  summary: { rows: number; created: number; skipped: number; failed: number; departmentsCreated: number };
  report: ImportReportEntry[];
  reportTruncated: boolean;
  errors?: Array<{ message: string; extensions: { code: string; [key: string]: unknown } }>;
}

export interface ImportOptions {
  dryRun?: boolean;
  createDepartments?: boolean;
  importId?: string;
  /** Extra or replacement query parameters, as written. */
  query?: Record<string, string>;
  contentType?: string;
  headers?: Record<string, string>;
  /** The upload path; default `/imports` (people). */
  path?: string;
}

/** The `/imports` URL of the gateway whose GraphQL URL is given. */
export function importsUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/\/graphql$/, '/imports');
}

/** Uploads a CSV to `POST /imports` as a client does: bearer token, `content-type: text/csv`, options in the query. */
export async function postImport(
  graphqlUrl: string,
  token: string | undefined,
  body: string | Buffer | ReadableStream<Uint8Array>,
  options: ImportOptions = {},
): Promise<{ status: number; body: ImportBody; text: string; headers: Headers }> {
  const url = new URL(importsUrl(graphqlUrl));
  if (options.path) url.pathname = options.path;
  if (options.dryRun !== undefined) url.searchParams.set('dryRun', String(options.dryRun));
  if (options.createDepartments !== undefined) url.searchParams.set('createDepartments', String(options.createDepartments));
  if (options.importId) url.searchParams.set('importId', options.importId);
  for (const [key, value] of Object.entries(options.query ?? {})) url.searchParams.set(key, value);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': options.contentType ?? 'text/csv',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...options.headers,
    },
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);
  const text = await response.text();
  return { status: response.status, body: JSON.parse(text) as ImportBody, text, headers: response.headers };
}

/** Uploads a CSV of external contacts to `POST /imports/contacts`. */
export function postContactImport(
  graphqlUrl: string,
  token: string | undefined,
  body: string | Buffer | ReadableStream<Uint8Array>,
  options: Omit<ImportOptions, 'path' | 'createDepartments'> = {},
) {
  return postImport(graphqlUrl, token, body, { ...options, path: '/imports/contacts' });
}

/** One CSV line from values, quoting where needed. */
export function csvLine(values: Array<string | number | null | undefined>): string {
  return values
    .map((value) => {
      const text = value == null ? '' : String(value);
      return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
    })
    .join(',');
}

/** A CSV file from a header and rows. */
export function csv(header: string[], rows: Array<Array<string | number | null | undefined>>): string {
  return [csvLine(header), ...rows.map(csvLine)].join('\n') + '\n';
}

/** Row counts of what an import writes, in one org: to prove a dry run or a refused upload left nothing. */
export async function importFootprint(orgRawId: string) {
  const [row] = await sql<Record<string, number>>(
    `select (select count(*)::int from members where org_id = $1) as members,
            (select count(*)::int from member_departments where org_id = $1) as placements,
            (select count(*)::int from member_roles where org_id = $1) as grants,
            (select count(*)::int from invitations where org_id = $1) as invitations,
            (select count(*)::int from outbox_messages where org_id = $1) as messages,
            (select count(*)::int from departments where org_id = $1) as departments,
            (select count(*)::int from org_events where org_id = $1 and topic = 'INVITATION') as invitation_events,
            (select count(*)::int from audit_entries where org_id = $1 and action <> 'org.create') as audit_entries`,
    [orgRawId],
  );
  return row!;
}

/** The IMPORT events of an import, in log order. */
export async function importEvents(orgRawId: string, importId: string) {
  return sql<{ id: string; type: string; payload: Record<string, unknown> }>(
    `select id::text, type, payload from org_events where org_id = $1 and topic = 'IMPORT' and payload->>'importId' = $2 order by org_events.id`,
    [orgRawId, importId],
  );
}

/** `count` distinct valid mainland mobile numbers (consecutive from a random start), for files of many people. */
export function phoneSeries(count: number): string[] {
  const start = Math.floor(Math.random() * (100_000_000 - count));
  return Array.from({ length: count }, (_, i) => `+86139${String(start + i).padStart(8, '0')}`);
}
