import type { FilterQuery } from '@mikro-orm/core';
import { canViewMemberImport, memberImportsVisibleTo } from '../../auth/policy';
import { badInput, forbidden, notFound } from '../../errors';
import type { GraphQLContext } from '../../graphql/context';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { MemberImport, type MemberImportIssue } from './member-import.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * An import of the viewer's org by its global id, or by the raw `importId` the upload used. Imports the viewer may
 * not see (another org's, another sub-admin's) answer NOT_FOUND like unknown ones.
 */
export async function getMemberImport(ctx: GraphQLContext, id: string): Promise<MemberImport> {
  const { viewer } = ctx;
  viewer.requireMember();
  const raw = UUID.test(id) ? id.toLowerCase() : rawId(id, 'MemberImport');
  const found = await ctx.loaders.memberImportById.load(raw);
  if (!found || !canViewMemberImport(viewer, found)) throw notFound('MemberImport');
  return found;
}

/** For `node(id)`: null where `getMemberImport` answers NOT_FOUND. */
export async function findVisibleMemberImport(ctx: GraphQLContext, id: string): Promise<MemberImport | null> {
  const found = await ctx.loaders.memberImportById.load(id);
  return found && canViewMemberImport(ctx.viewer, found) ? found : null;
}

/** The org's imports, newest first: all of them for OWNER and ADMIN, one's own for sub-admins. */
export async function listMemberImports(ctx: GraphQLContext, page: PageArgs): Promise<Connection<MemberImport>> {
  const { viewer, em } = ctx;
  const { org, member } = viewer.requireMember();
  const visible = memberImportsVisibleTo(viewer);
  if (visible === 'none') throw forbidden('No permission: imports are for owners, admins and those who may import people');
  const first = checkPageSize(page.first);
  const where: FilterQuery<MemberImport> = visible === 'all' ? { orgId: org.id } : { orgId: org.id, createdByMemberId: member.id };
  let after: FilterQuery<MemberImport> | null = null;
  if (page.after != null) {
    const [createdAt, id] = decodeCursor(page.after, 2);
    if (typeof createdAt !== 'string' || Number.isNaN(Date.parse(createdAt)) || typeof id !== 'string' || !UUID.test(id)) {
      throw badInput('Invalid cursor', 'after');
    }
    const at = new Date(createdAt);
    after = { $or: [{ createdAt: { $lt: at } }, { createdAt: at, id: { $lt: id } }] };
  }
  const rows = await em.find(MemberImport, after ? { $and: [where, after] } : where, {
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit: first + 1,
  });
  return toConnection(rows, first, (row) => [row.createdAt.toISOString(), row.id], after !== null, () => em.count(MemberImport, where));
}

/** A page of an import's report, in the order the entries were found. */
export async function memberImportReport(ctx: GraphQLContext, memberImport: MemberImport, page: PageArgs): Promise<Connection<MemberImportIssue>> {
  const first = checkPageSize(page.first);
  let afterSeq = 0;
  if (page.after != null) {
    const [seq] = decodeCursor(page.after, 1);
    if (!Number.isInteger(seq) || (seq as number) < 0) throw badInput('Invalid cursor', 'after');
    afterSeq = seq as number;
  }
  const rows = await ctx.loaders.memberImportReport.load({ importId: memberImport.id, afterSeq, limit: first + 1 });
  return toConnection(rows, first, (issue) => [issue.seq], afterSeq > 0, async () => memberImport.issueCount);
}
