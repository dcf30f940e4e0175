import type { ContactReach } from '../../auth/policy';
import type { GraphQLContext } from '../../graphql/context';
import { badInput, notFound } from '../../errors';
import { checkPageSize, decodeCursor, rawId, toConnection, type Connection, type PageArgs } from '../../graphql/relay';
import { Contact, type ContactVisibility } from './contact.entity';
import { rawIds } from './contact-fields';
import { pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { contactLoaders } from './contacts.loaders';
import { CONTACT_LIMITS, type ContactFilter } from './contacts.inputs';

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
  const { member } = ctx.viewer.requireMember();
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
    if (!group || group.ownerId !== member.id) throw notFound('ContactGroup');
    scope.groupId = group.id;
  }
  return scope;
}

/** The filtered query (not awaited: a QueryBuilder is thenable and would run). */
function filtered(ctx: GraphQLContext, reach: ContactReach, scope: ContactListScope) {
  const visible = visibleContactsWhere('c', ctx.viewer.orgId, reach);
  const qb = ctx.em.createQueryBuilder(Contact, 'c').where(visible.sql, visible.params);
  // One LIKE per pattern, ORed: each can use the trigram index (a bitmap OR), `like any(array)` could not.
  const patterns = scope.query ? contactSearchPatterns(scope.query) : [];
  if (patterns.length) qb.andWhere(`(${patterns.map(() => 'c.search_text like lower(?)').join(' or ')})`, patterns);
  if (scope.tagIds?.length) qb.andWhere('c.tag_ids @> ?::uuid[]', [pgArray(scope.tagIds)]);
  if (scope.ownerId) qb.andWhere('c.owner_id = ?', [scope.ownerId]);
  if (scope.company?.trim()) qb.andWhere('lower(c.company) = lower(?)', [scope.company.trim()]);
  if (scope.visibility) qb.andWhere('c.visibility = ?', [scope.visibility]);
  if (scope.groupId) qb.andWhere('exists (select 1 from contact_group_items gi where gi.group_id = ? and gi.contact_id = c.id)', [scope.groupId]);
  return qb;
}

/**
 * One page of the contacts the viewer sees, ordered by (name, id) with keyset cursors; one query, plus one for
 * `totalCount` when selected. Lists, search and counts share `filtered`, so they never disagree.
 */
export async function listContacts(ctx: GraphQLContext, scope: ContactListScope, page: PageArgs): Promise<Connection<Contact>> {
  const first = checkPageSize(page.first);
  const reach = await viewerContactReach(ctx);
  const qb = filtered(ctx, reach, scope);
  if (page.after) {
    const [name, id] = decodeCursor(page.after, 2);
    if (typeof name !== 'string' || typeof id !== 'string' || !UUID.test(id)) throw badInput('Invalid cursor', 'after');
    qb.andWhere('(c.name, c.id) > (?::text, ?::uuid)', [name, id]);
  }
  const rows = await qb.orderBy([{ name: 'asc' }, { id: 'asc' }]).limit(first + 1).getResultList();
  for (const row of rows) contactLoaders(ctx).contactById.prime(row.id, row);
  return toConnection(rows, first, (contact) => [contact.name, contact.id], !!page.after, () => filtered(ctx, reach, scope).getCount());
}
