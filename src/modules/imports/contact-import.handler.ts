import type { AppServices } from '../../app';
import type { Viewer } from '../../auth/viewer';
import { ImportKind } from './bulk-import.entity';
import { importContactBatch, type ContactImportMemory, type ContactImportSession } from './contact-import-batch';
import { parseContactRow, readContactHeader, type ContactCandidate, type ContactImportHeader } from './contact-import-csv';
import type { ImportHandler } from './import-run';

/**
 * Imports of external contacts (`POST /imports/contacts`) [000]: the columns of `contact-import-csv.ts` and the batch
 * writer of `contact-import-batch.ts`, run by the shared `ImportRun` (batches, dry run, report, progress, audit).
 */
export function contactImportHandler(app: AppServices, viewer: Viewer): ImportHandler<ContactCandidate> {
  const { org, member } = viewer.requireMember();
  const region = app.config.phoneDefaultRegion;
  const session: ContactImportSession = {
    orgId: org.id,
    viewer,
    uploader: { id: member.id, phone: member.phone, email: member.email, employeeNo: member.employeeNo },
    phoneRegion: region,
  };
  const memory: ContactImportMemory = new Map();
  let header: ContactImportHeader | null = null;
  return {
    kind: ImportKind.CONTACTS,
    typeName: 'ContactImport',
    auditAction: 'contact.import',
    createDepartments: false,
    readHeader(fields) {
      header = readContactHeader(fields);
      return header.issues;
    },
    parseRow: (row, fields) => parseContactRow(row, fields, header!, region),
    writeBatch: (tx, rows) => importContactBatch(tx, session, memory, rows),
    publicSummary: ({ departmentsCreated: _departments, ...summary }) => summary,
    auditDetails: () => ({}),
  };
}
