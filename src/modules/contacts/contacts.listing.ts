import type { ContactReach } from '../../auth/policy';
import type { GraphQLContext } from '../../graphql/context';
import { badInput, notFound } from '../../errors';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { Contact, type ContactVisibility } from './contact.entity';
import { rawIds } from './contact-fields';
import { type InStatementReach, pgArray, statementContactReach, visibleContactsWhere } from './contact-visibility';
import { queryNamed, statementFor } from '../../db/named-statement';
import { Member } from '../members/member.entity';
import { Tag } from './tag.entity';
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

/**
 * Parses the client's filter ids. The tags and owner it names are checked by the page's own statement (unknown ones
 * answer NOT_FOUND after it); a group must be the caller's own.
 */
export async function resolveContactScope(ctx: GraphQLContext, filter: ContactFilter | null | undefined): Promise<ContactListScope> {
  ctx.viewer.requireOrg();
  const scope: ContactListScope = { query: filter?.query, company: filter?.company, visibility: filter?.visibility };
  if (filter?.tagIds?.length) scope.tagIds = [...new Set(rawIds(filter.tagIds, 'Tag', 'filter.tagIds', CONTACT_LIMITS.tags))];
  if (filter?.ownerId) scope.ownerId = rawId(filter.ownerId, 'Member');
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
function conditions(ctx: GraphQLContext, reach: ContactReach & InStatementReach, scope: ContactListScope): Where {
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

/** What a page's nodes select that the page statement can bring along. */
export interface ContactPageNeeds {
  tags?: boolean;
  owner?: boolean;
}

/** `?` placeholders as `$1`, `$2`...: the statement goes straight to pg. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * One page of the contacts the viewer sees, ordered by (name, id) with keyset cursors, in one statement: the
 * viewer's departments (for the visibility rule), the filter's tags and owner (unknown ones answer NOT_FOUND), the
 * page and, when the nodes select them, each contact's tags and owner are all read by it.
 *
 * A page is looked for in two steps, so that neither a broad nor a narrow search reads much of a million contacts:
 * 1. the next 4,000 contacts in name order (an index-only scan of `contacts_org_name_probe`, which holds every column
 *    the conditions look at, or `contacts_org_owner_name` with an owner filter) are filtered as they stream, until a
 *    page is full; when it fills, or they are all there is, that is the page: common matches cost a millisecond or two.
 * 2. otherwise the matches are sparse (fewer than one in 200), and the page is found through the `contacts_lookup`
 *    GIN index (trigram, tags and audience intersected in the index) with a bitmap scan, sorted: the cost follows the
 *    number of matches, not the size of the table. This part runs only when step 1 fell short (a one-time filter);
 *    it sorts on `name || ''`, which no btree index matches, so the planner cannot walk the name index instead.
 * One more statement for `totalCount` when selected.
 */
export async function listContacts(ctx: GraphQLContext, scope: ContactListScope, page: PageArgs, needs: ContactPageNeeds = {}): Promise<Connection<Contact>> {
  const first = checkPageSize(page.first);
  const orgId = ctx.viewer.orgId;
  const reach = statementContactReach(ctx);
  const filters = conditions(ctx, reach, scope);
  const window: Where[] = [{ sql: 'c.org_id = ? and c.deleted_at is null', params: [orgId] }];
  if (scope.ownerId) window.push({ sql: 'c.owner_id = ?', params: [scope.ownerId] });
  if (page.after) {
    const [name, id] = decodeCursor(page.after, 2);
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw badInput('Invalid cursor', 'after');
    window.push({ sql: '(c.name, c.id) > (?::text, ?::uuid)', params: [name, id] });
  }
  const ordered = and(window);
  const matches = and([filters, ...window.slice(1)]);
  
  const extras: Where[] = [];
  if (needs.tags) {
    extras.push({
      sql: `(select coalesce(jsonb_agg(to_jsonb(t)), '[]'::jsonb) from contact_tags t where t.org_id = ? and t.id = any(c.tag_ids)) as page_tags`,
      params: [orgId],
    });
  }
  if (needs.owner) extras.push({ sql: '(select to_jsonb(m) from members m where m.org_id = ? and m.id = c.owner_id) as page_owner', params: [orgId] });
  if (scope.tagIds?.length) {
    extras.push({ sql: '(select count(*)::int from contact_tags t where t.org_id = ? and t.id = any(?::uuid[])) as filter_tags', params: [orgId, pgArray(scope.tagIds)] });
  }
  if (scope.ownerId) extras.push({ sql: 'exists (select 1 from members m where m.org_id = ? and m.id = ?) as filter_owner', params: [orgId, scope.ownerId] });
  const columns = extras.map((extra) => `, ${extra.sql}`).join('');

  // The probe streams: a common match fills the page after a few hundred rows. Only when it falls short are its rows
  // counted (an index-only scan of `contacts_org_name`), to tell a sparse match from the end of the contacts.
  const text = `with hits as materialized (
       select c.id from (
         select c.id, c.name, c.org_id, null::timestamptz as deleted_at, c.owner_id, c.audience, c.search_text, c.tag_ids, c.company, c.visibility
           from contacts c where ${ordered.sql} order by c.name, c.id limit ?
       ) c where ${filters.sql} order by c.name, c.id limit ?
     ),
     state as materialized (
       select case when (select count(*) from hits) > ? then true
                   else (select count(*) from (select 1 from contacts c where ${ordered.sql} order by c.name, c.id limit ?) probe) < ? end as complete
     ),
     sparse as materialized (
       select c.id from contacts c where ${matches.sql} and not (select complete from state) order by c.name || '', c.id limit ?
     ),
     found as (
       select h.id from hits h where (select complete from state)
       union all
       select p.id from sparse p
     )
     select c.*${columns} from (select 1) one left join (found f join contacts c on c.id = f.id) on true
      order by c.name, c.id`;
  const params = [
    ...ordered.params,
    NAME_ORDER_PROBE,
    ...filters.params,
    first + 1,
    first,
    ...ordered.params,
    NAME_ORDER_PROBE,
    NAME_ORDER_PROBE,
    ...matches.params,
    first + 1,
    ...extras.flatMap((extra) => extra.params),
  ];
  // Named after its text (one per combination of filters): planning it each time would cost more than running it.
  // Its generic plan holds for every pattern: the probe walks the name index whatever it filters, and the sparse part
  // can only be a bitmap scan of the GIN index (or the table).
  const rows = await queryNamed<Row>(ctx.em, statementFor(numbered(text)), params);
  if (scope.tagIds?.length && Number(rows[0]?.filter_tags ?? 0) !== scope.tagIds.length) throw notFound('Tag');
  if (scope.ownerId && rows[0]?.filter_owner !== true) throw notFound('Member');

  const loaders = contactLoaders(ctx);
  const contacts: Contact[] = [];
  for (const { audience: _a, search_text: _s, page_tags, page_owner, filter_tags: _ft, filter_owner: _fo, ...row } of rows) {
    if (row.id == null) continue;
    const contact = ctx.loaders.mapRow(Contact, row);
    contacts.push(contact);
    loaders.contactById.prime(contact.id, contact);
    if (needs.tags) {
      const tags = new Map((page_tags as Row[]).map((tag) => [tag.id as string, tag]));
      for (const id of contact.tagIds) {
        const tag = tags.get(id);
        loaders.tagById.clear(id).prime(id, tag ? ctx.loaders.mapRow(Tag, tag) : null);
      }
    }
    if (needs.owner && contact.ownerId) {
      ctx.loaders.memberById.clear(contact.ownerId).prime(contact.ownerId, page_owner ? ctx.loaders.mapRow(Member, page_owner as Row) : null);
    }
  }
  return toConnection(contacts, first, (contact) => [contact.name, contact.id], !!page.after, async () => {
    const [{ count }] = await executeRead<Array<{ count: number }>>(ctx.em, `select count(*)::int as count from contacts c where ${filters.sql}`, filters.params);
    return count;
  });
}
