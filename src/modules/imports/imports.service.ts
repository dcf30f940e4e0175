import type { FilterQuery } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../../auth/viewer';
import { canViewMemberImport, contactImportsVisibleTo, memberImportsVisibleTo } from '../../auth/policy';
import { badInput, errorMessage, forbidden, notFound } from '../../errors';
import type { Loaders, Reader } from '../../graphql/loaders';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import type { BulkImport, MemberImportIssue } from './bulk-import.entity';
import { ContactImport } from './contact-import.entity';
import { MemberImport } from './member-import.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type ImportClass<T extends BulkImport> = new (...args: never[]) => T;

/**
 * An import of the given kind in the viewer's org, by its global id or by the raw `importId` the upload used. Imports
 * the viewer may not see (another org's, another member's) and imports of another kind answer NOT_FOUND like unknown ones.
 */
async function getImport<T extends BulkImport>(viewer: Viewer, loaders: Loaders, kind: ImportClass<T>, id: string): Promise<T> {
  viewer.requireMember();
  const found = UUID.test(id) ? await loaders.importByKey.load(id.toLowerCase()) : await loaders.importById.load(rawId(id, kind.name));
  if (!(found instanceof kind) || !canViewMemberImport(viewer, found)) throw notFound(kind.name);
  return found;
}

/** `memberImport(id)`: an import of people. */
export const getMemberImport = (viewer: Viewer, loaders: Loaders, id: string) => getImport(viewer, loaders, MemberImport, id);

/** `contactImport(id)`: an import of contacts. */
export const getContactImport = (viewer: Viewer, loaders: Loaders, id: string) => getImport(viewer, loaders, ContactImport, id);

/** For `node(id)`: null where `getMemberImport` / `getContactImport` answers NOT_FOUND. */
export function findVisibleImport<T extends BulkImport>(kind: ImportClass<T>) {
  return async ({ viewer, loaders }: Reader, id: string): Promise<T | null> => {
    const found = await loaders.importById.load(id);
    return found instanceof kind && canViewMemberImport(viewer, found) ? found : null;
  };
}

/** Which of `ids` (imports of any kind) the viewer may see (`canViewMemberImport`): for audit entries on imports. One query. */
export async function importsSeenByViewer({ viewer, loaders }: Reader, ids: readonly string[]): Promise<string[]> {
  const found = await loaders.importById.loadMany(ids);
  return found.flatMap((row) => (row && !(row instanceof Error) && canViewMemberImport(viewer, row) ? [row.id] : []));
}

/** The org's imports of one kind, newest first: all of them, or the viewer's own. */
async function listImports<T extends BulkImport>(em: EntityManager, viewer: Viewer, kind: ImportClass<T>, visible: 'all' | 'own', page: PageArgs): Promise<Connection<T>> {
  const { org, member } = viewer.requireMember();
  const first = checkPageSize(page.first);
  const where = (visible === 'all' ? { orgId: org.id } : { orgId: org.id, createdByMemberId: member.id }) as unknown as FilterQuery<T>;
  let after: FilterQuery<T> | null = null;
  if (page.after != null) {
    const [createdAt, id] = decodeCursor(page.after, 2);
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string' || !UUID.test(id)) {
      throw badInput(errorMessage('invalidCursor'), 'after');
    }
    const at = new Date(createdAt);
    after = { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] } as unknown as FilterQuery<T>;
  }
  const rows = await em.find(kind, (after ? { $and: [where, after] } : where) as FilterQuery<T>, {
    orderBy: { createdAt: 'desc', id: 'desc' } as never,
    limit: first + 1,
  });
  return toConnection(rows, first, (row) => [row.createdAt.toISOString(), row.id], after !== null, () => em.count(kind, where));
}

/** `memberImports`: all of the org for OWNER and ADMIN, one's own for sub-admins; FORBIDDEN for those who may not import people. */
export async function listMemberImports(em: EntityManager, viewer: Viewer, page: PageArgs): Promise<Connection<MemberImport>> {
  viewer.requireMember();
  const visible = memberImportsVisibleTo(viewer);
  if (visible === 'none') throw forbidden(errorMessage('importsNotVisible'));
  return listImports(em, viewer, MemberImport, visible, page);
}

/** `contactImports`: all of the org for OWNER and ADMIN, one's own for everyone else. */
export async function listContactImports(em: EntityManager, viewer: Viewer, page: PageArgs): Promise<Connection<ContactImport>> {
  viewer.requireMember();
  return listImports(em, viewer, ContactImport, contactImportsVisibleTo(viewer), page);
}

/** A page of an import's report, in the order the entries were found. */
export async function importReport(loaders: Loaders, bulkImport: BulkImport, page: PageArgs): Promise<Connection<MemberImportIssue>> {
  const first = checkPageSize(page.first);
  let afterSeq = 0;
  if (page.after != null) {
    const [seq] = decodeCursor(page.after, 1);
    if (!Number.isInteger(seq) || (seq as number) < 0) throw badInput(errorMessage('invalidCursor'), 'after');
    afterSeq = seq as number;
  }
  const rows = await loaders.importReport.load({ importId: bulkImport.id, afterSeq, limit: first + 1 });
  return toConnection(rows, first, (issue) => [issue.seq], afterSeq > 0, async () => bulkImport.issueCount);
}
