import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import { BulkImport, MemberImportIssue } from './bulk-import.entity';
import { ImportIssueCode } from './import-issue';
import { executeRead } from '../../db/read-routing';

export interface ReportPageKey {
  importId: string;
  /** Entries after this `seq` (0: from the start). */
  afterSeq: number;
  /** How many to fetch (a page plus one, to know whether there is a next). */
  limit: number;
}

/**
 * Loaders of the imports module, spread into `createLoaders`, bound to the viewer's org. Imports of every kind load by
 * id through one loader (each comes back as its kind's class: `MemberImport`, `ContactImport`). Report pages of any
 * number of imports load in one query (a lateral keyset scan per import), so a page of imports with their reports
 * costs the same statements for 5 imports as for 50.
 */
export function createImportLoaders(em: EntityManager, orgId: string) {
  const importById = new DataLoader<string, BulkImport | null>(async (ids) => {
    const rows = await em.find(BulkImport, { orgId, id: { $in: [...ids] } });
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id) ?? null);
  });
  /** By the key the upload used (`importId`), within the org. */
  const importByKey = new DataLoader<string, BulkImport | null>(async (keys) => {
    const rows = await em.find(BulkImport, { orgId, importKey: { $in: [...keys] } });
    const byKey = new Map(rows.map((row) => [row.importKey, row]));
    return keys.map((key) => byKey.get(key) ?? null);
  });

  const importReport = new DataLoader<ReportPageKey, MemberImportIssue[], string>(
    async (keys) => {
      const rows = await executeRead<Array<{ k: number; seq: number; row_no: number; column_name: string | null; code: string; message: string }>>(
        em,
        `select k.k, e.seq, e.row_no, e.column_name, e.code, e.message
           from jsonb_to_recordset(?::jsonb) as k(k int, import_id uuid, after_seq int, lim int)
           join member_imports mi on mi.id = k.import_id and mi.org_id = ?
           cross join lateral (
             select * from member_import_issues i where i.import_id = k.import_id and i.seq > k.after_seq order by i.seq limit k.lim
           ) e
          order by k.k, e.seq`,
        [JSON.stringify(keys.map((key, k) => ({ k, import_id: key.importId, after_seq: key.afterSeq, lim: key.limit }))), orgId],
      );
      const pages: MemberImportIssue[][] = keys.map(() => []);
      for (const row of rows) {
        pages[row.k]!.push({ seq: row.seq, row: row.row_no, column: row.column_name, code: row.code as ImportIssueCode, message: row.message });
      }
      return pages;
    },
    { cacheKeyFn: (key) => `${key.importId}:${key.afterSeq}:${key.limit}` },
  );

  return { importById, importByKey, importReport };
}

declare module '../../graphql/loaders' {
  interface Loaders extends ReturnType<typeof createImportLoaders> {}
}
