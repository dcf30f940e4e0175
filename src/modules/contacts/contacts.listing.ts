import type { ContactReach } from '../../auth/policy';
import type { GraphQLContext } from '../../graphql/context';
import { badInput, notFound } from '../../errors';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { Contact, type ContactVisibility } from './contact.entity';
import { rawIds } from './contact-fields';
import { pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { contactLoaders } from './contacts.loaders';
import { CONTACT_LIMITS, type ContactFilter } from './contacts.inputs';
import { executeRead } from '../../db/read-routing';

/** Which contacts a page lists, as raw ids; every condition applies together, on top of the visibility rule. */
export interface ContactListScope {
  query?: string | null;
  tagIds?: string[];
  groupId?: string | null;
  ownerId?: string | null;
  company?: string | null;
  visibility?: ContactVisibility | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const FIELD_SEPARATOR = '\u001f';
const PHONE_LIKE = /^[+\d\s().-]+$/;

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}

/**
 * The LIKE patterns (any may match) of a search on `contacts.search_text`
 * (`<sep>name<sep>company<sep>digits<sep>digits...`, lower case): three characters or more match anywhere (pg_trgm
 * needs three for an inner trigram); one or two match at the start of a word of the name or company, or of a phone
 * number, which pg_trgm still finds through its word-start trigrams ("  a", " ab"). Phone-like queries search
 * digits only, so "+86 139-1234" finds "+861391234...".
 */
export function contactSearchPatterns(query: string): string[] {
  let text = query.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').trim().toLowerCase();
  if (PHONE_LIKE.test(text) && /\d/.test(text)) text = text.replace(/\D/g, '');
  if (!text) return [];
  const escaped = escapeLike(text);
  return [...text].length >= 3 ? [`%${escaped}%`] : [`%${FIELD_SEPARATOR}${escaped}%`, `% ${escaped}%`];
}

/** Checks client filter ids: unknown tags, members and groups answer NOT_FOUND; a group must be the caller's own. */
export async function resolveContactScope(ctx: GraphQLContext, filter: ContactFilter | null | undefined): Promise<ContactListScope> {
  ctx.viewer.requireOrg();
  const scope: ContactListScope = { query: filter?.query, company: filter?.company, visibility: filter?.visibility };
  if (filter?.tagIds?.length) {
    const ids = rawIds(filter.tagIds, 'Tag', 'filter.tagIds', CONTACT_LIMITS.tags);
    const tags = await contactLoaders(ctx).tagById.loadMany(ids);
    if (tags.some((tag) => !tag || tag instanceof Error)) throw notFound('Tag');
    scope.tagIds = ids;
  }
  if (filter?.ownerId) {
    const owner = await ctx.loaders.memberById.load(rawId(filter.ownerId, 'Member'));
    if (!owner) throw notFound('Member');
    scope.ownerId = owner.id;
  }
  if (filter?.groupId) {
    const group = await contactLoaders(ctx).contactGroupById.load(rawId(filter.groupId, 'ContactGroup'));
    // Groups are a person's own filing: an API client has none.
    if (!group || group.ownerId !== ctx.viewer.member?.id) throw notFound('ContactGroup');
    scope.groupId = group.id;
  }
  return scope;
}

/** SQL conditions on a contacts row `c` with their parameters. */
interface Where {
  sql: string;
  params: unknown[];
}

function and(parts: Where[]): Where {
  return { sql: parts.map((part) => part.sql).join(' and '), params: parts.flatMap((part) => part.params) };
}

/**
 * Every condition of a list: the visibility rule (`visibleContactsWhere`, the same as for single reads) and the
 * filters. Lists, search and counts all go through it, so they never disagree.
 */
function conditions(ctx: GraphQLContext, reach: ContactReach, scope: ContactListScope): Where {
  const parts: Where[] = [visibleContactsWhere('c', ctx.viewer.orgId, reach)];
  // One LIKE per pattern, ORed: each can use the GIN index (a bitmap OR), `like any(array)` could not.
  const patterns = scope.query ? contactSearchPatterns(scope.query) : [];
  if (patterns.length) parts.push({ sql: `(${patterns.map(() => 'c.search_text like lower(?)').join(' or ')})`, params: patterns });
  if (scope.tagIds?.length) parts.push({ sql: 'c.tag_ids @> ?::uuid[]', params: [pgArray(scope.tagIds)] });
  if (scope.ownerId) parts.push({ sql: 'c.owner_id = ?', params: [scope.ownerId] });
  if (scope.company?.trim()) parts.push({ sql: 'lower(c.company) = lower(?)', params: [scope.company.trim()] });
  if (scope.visibility) parts.push({ sql: 'c.visibility = ?', params: [scope.visibility] });
  if (scope.groupId) parts.push({ sql: 'exists (select 1 from contact_group_items gi where gi.group_id = ? and gi.contact_id = c.id)', params: [scope.groupId] });
  return and(parts);
}

/**
 * Rows read in name order by the first attempt at a page (see `listContacts`). With N contacts and pages of p, a
 * probe of K rows costs about K row reads and, when it falls short, the index path about p·N/K: K ≈ √(p·N) keeps
 * the worst case near 2·√(p·N), some 9,000 row reads for pages of 20 among a million contacts.
 */
export const NAME_ORDER_PROBE = 4000;

type Row = Record<string, unknown>;

function toContacts(ctx: GraphQLContext, rows: Row[]): Contact[] {
  return rows.map(({ scanned: _scanned, audience: _audience, search_text: _searchText, ...row }) => ctx.em.map(Contact, row));
}

/**
 * One page of the contacts the viewer sees, ordered by (name, id) with keyset cursors.
 *
 * A page is looked for in two steps, so that neither a broad nor a narrow search reads much of a million contacts:
 * 1. the next 4,000 contacts in name order (an index range scan of `contacts_org_name`, or `contacts_org_owner_name`
 *    with an owner filter) are filtered; when they hold a full page, or are all there is, that is the page: common
 *    matches cost a few milliseconds.
 * 2. otherwise the matches are sparse, and the page is found through the `contacts_lookup` GIN index (trigram, tags
 *    and audience intersected in the index) with a bitmap scan, sorted: the cost follows the number of matches, not
 *    the size of the table. The planner is told so (bitmap scans only, in a short transaction): left to itself it
 *    walks the name index for searches it over-estimates, and reads the whole table when nothing matches.
 * Costs one query, a second in the sparse case, and one more for `totalCount` when selected.
 */
export async function listContacts(ctx: GraphQLContext, scope: ContactListScope, page: PageArgs): Promise<Connection<Contact>> {
  const first = checkPageSize(page.first);
  const orgId = ctx.viewer.orgId;
  const reach = await viewerContactReach(ctx);
  const filters = conditions(ctx, reach, scope);
  const window: Where[] = [{ sql: 'c.org_id = ? and c.deleted_at is null', params: [orgId] }];
  if (scope.ownerId) window.push({ sql: 'c.owner_id = ?', params: [scope.ownerId] });
  if (page.after) {
    const [name, id] = decodeCursor(page.after, 2);
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw badInput('Invalid cursor', 'after');
    window.push({ sql: '(c.name, c.id) > (?::text, ?::uuid)', params: [name, id] });
  }
  const ordered = and(window);

  // The probe reads only the columns the filters look at; the page's full rows are fetched by id.
  const probe = await executeRead<Row[]>(
    ctx.em,
    `with scan as materialized (
       select c.id, c.name, c.org_id, c.deleted_at, c.owner_id, c.audience, c.search_text, c.tag_ids, c.company, c.visibility
         from contacts c where ${ordered.sql} order by c.name, c.id limit ?
     ),
     hits as (select c.id from scan c where ${filters.sql} order by c.name, c.id limit ?)
     select s.scanned, c.* from (select count(*)::int as scanned from scan) s
       left join (hits h join contacts c on c.id = h.id) on true
      order by c.name, c.id`,
    [...ordered.params, NAME_ORDER_PROBE, ...filters.params, first + 1],
  );
  const found = probe.filter((row) => row.id != null);
  const complete = found.length > first || Number(probe[0]?.scanned ?? 0) < NAME_ORDER_PROBE;
  const rows = complete
    ? found
    : await ctx.em.transactional(async (tx) => {
        // JIT compiling would cost more than such a query itself.
        await tx.execute('set local enable_seqscan = off; set local enable_indexscan = off; set local jit = off');
        const matches = and([filters, ...window.slice(1)]);
        return tx.execute<Row[]>(`select c.* from contacts c where ${matches.sql} order by c.name, c.id limit ?`, [...matches.params, first + 1]);
      });
  const contacts = toContacts(ctx, rows);
  for (const contact of contacts) contactLoaders(ctx).contactById.prime(contact.id, contact);
  return toConnection(contacts, first, (contact) => [contact.name, contact.id], !!page.after, async () => {
    const [{ count }] = await executeRead<Array<{ count: number }>>(ctx.em, `select count(*)::int as count from contacts c where ${filters.sql}`, filters.params);
    return count;
  });
}
