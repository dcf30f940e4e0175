import type { AppServices } from '../../app';
import { nameKeysCache } from '../../search/name-keys';
import type { Viewer } from '../../auth/viewer';
import { ImportKind } from './bulk-import.entity';
import { importBatch, newImportMemory, type ImportSession } from './import-batch';
import { parseRow, readHeader, type ImportCandidate, type ImportHeader } from './import-csv';
import type { ImportHandler, ImportOptions } from './import-run';

/**
 * Imports of people (`POST /imports`): the columns of `import-csv.ts` and the batch writer of `import-batch.ts`
 * (PENDING members, invitations, outbox messages, MEMBER ADDED and INVITATION SENT events), run by the shared `ImportRun`.
 */
export function memberImportHandler(app: AppServices, viewer: Viewer, options: ImportOptions & { createDepartments: boolean }): ImportHandler<ImportCandidate> {
  const { user, org, member } = viewer.requireMember();
  const session: ImportSession = {
    importId: options.recordId,
    orgId: org.id,
    orgName: org.name,
    rootDepartmentId: org.rootDepartmentId,
    viewer,
    inviter: { memberId: member.id, userId: user.id, name: member.name },
    dryRun: options.dryRun,
    createDepartments: options.createDepartments,
    publicUrl: app.config.publicUrl,
  };
  const memory = newImportMemory();
  const keysOf = nameKeysCache();
  const region = app.config.phoneDefaultRegion;
  let header: ImportHeader | null = null;
  return {
    kind: ImportKind.MEMBERS,
    typeName: 'MemberImport',
    auditAction: 'member.import',
    createDepartments: options.createDepartments,
    readHeader(fields) {
      header = readHeader(fields);
      return header.issues;
    },
    parseRow(row, fields) {
      const parsed = parseRow(row, fields, header!, region);
      if (parsed.kind === 'blank') return null;
      const { candidate } = parsed;
      // Derived here, while the previous batch is being written, and once per distinct name of the file.
      if (candidate.issues.length === 0) candidate.keys = keysOf(candidate.name, candidate.nameReading);
      return candidate;
    },
    writeBatch: (tx, rows) => importBatch(tx, session, memory, rows),
    publicSummary: (summary) => summary,
    auditDetails: () => ({ createDepartments: options.createDepartments }),
  };
}
