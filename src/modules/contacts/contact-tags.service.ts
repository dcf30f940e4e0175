import type { EntityManager } from '@mikro-orm/postgresql';
import { withEvents, type EventServices } from '../../realtime/events';
import { ContactCatalogEventType, tagEvent } from './contact-events';
import { assertCanDefineContactTags } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { conflict, notFound, errorMessage } from '../../errors';
import { rawId, toGlobalId, toGlobalIds } from '../../graphql/relay';
import { recordAudit } from '../audit/audit.service';
import { isUniqueViolation } from '../common/validate';
import { PermissionAction } from '../roles/role.entity';
import { contactName } from './contact-fields';
import { pgArray } from './contact-visibility';
import type { CreateTagGroupInput, CreateTagInput, UpdateTagGroupInput, UpdateTagInput } from './contacts.inputs';
import { Tag, TagGroup } from './tag.entity';
import { executeRead } from '../../db/read-routing';
import { nameSearchSql } from '../../search/name-search-sql';

/** Tag groups and tags: the org's vocabulary for contacts [000] [001], defined by admins, read by every member. */

const tagName = contactName;

function nameTaken(what: string, name: string) {
  return (error: unknown): never => {
    if (isUniqueViolation(error)) throw conflict(errorMessage(what === 'tag group' ? 'tagGroupNameTaken' : 'tagNameTaken', { name }), { field: 'name' });
    throw error;
  };
}

export async function tagGroups(em: EntityManager, viewer: Viewer): Promise<TagGroup[]> {
  return em.find(TagGroup, { orgId: viewer.orgId }, { orderBy: { name: 'asc', id: 'asc' } });
}

/**
 * Every tag of the org, or of one group, in reading order; with `query`, those whose name matches it in the name
 * model of `src/search`, best first (exact, prefix, pinyin, substring).
 */
export async function tags(em: EntityManager, viewer: Viewer, groupGlobalId: string | null | undefined, query?: string | null): Promise<Tag[]> {
  const orgId = viewer.orgId;
  let groupId: string | null = null;
  if (groupGlobalId != null) {
    const group = await em.findOne(TagGroup, { orgId, id: rawId(groupGlobalId, 'TagGroup') });
    if (!group) throw notFound('TagGroup');
    groupId = group.id;
  }
  const search = query?.trim() ? nameSearchSql('t', query) : null;
  if (!search) return em.find(Tag, groupId ? { orgId, groupId } : { orgId }, { orderBy: { sortKey: 'asc', id: 'asc' } });
  const inGroup = groupId ? ' and t.group_id = ?' : '';
  const rows = await executeRead<Array<Record<string, unknown>>>(
    em,
    `select t.* from (select t.*, ${search.rank} as search_rank from contact_tags t where t.org_id = ?${inGroup} and ${search.where}) t
      order by t.search_rank, t.sort_key, t.id`,
    [...search.rankParams, orgId, ...(groupId ? [groupId] : []), ...search.whereParams],
  );
  return rows.map(({ search_rank: _rank, ...row }) => em.map(Tag, row));
}

export async function createTagGroup(em: EntityManager, viewer: Viewer, input: CreateTagGroupInput, services: EventServices): Promise<TagGroup> {
  assertCanDefineContactTags(viewer, PermissionAction.CREATE);
  const name = tagName(input.name);
  return withEvents(em, services, async (tx, emit) => {
      const group = tx.create(TagGroup, { orgId: viewer.orgId, name });
      recordAudit(tx, viewer, 'contactTagGroup.create', { type: 'TagGroup', id: group.id }, { name });
      await tx.flush();
      await emit(tagEvent(ContactCatalogEventType.CREATED, group, 'TagGroup'));
      return group;
    }).catch(nameTaken('tag group', name));
}

export async function updateTagGroup(em: EntityManager, viewer: Viewer, input: UpdateTagGroupInput, services: EventServices): Promise<TagGroup> {
  assertCanDefineContactTags(viewer, PermissionAction.EDIT);
  const name = tagName(input.name);
  return withEvents(em, services, async (tx, emit) => {
      const group = await tx.findOne(TagGroup, { orgId: viewer.orgId, id: rawId(input.id, 'TagGroup') });
      if (!group) throw notFound('TagGroup');
      recordAudit(tx, viewer, 'contactTagGroup.rename', { type: 'TagGroup', id: group.id }, { before: group.name, after: name });
      group.name = name;
      await tx.flush();
      await emit(tagEvent(ContactCatalogEventType.UPDATED, group, 'TagGroup', ['name']));
      return group;
    }).catch(nameTaken('tag group', name));
}

/** Deletes a tag group with its tags; contacts lose those tags. */
export async function deleteTagGroup(em: EntityManager, viewer: Viewer, globalId: string, services: EventServices): Promise<string> {
  assertCanDefineContactTags(viewer, PermissionAction.DELETE);
  const orgId = viewer.orgId;
  return withEvents(em, services, async (tx, emit) => {
    const group = await tx.findOne(TagGroup, { orgId, id: rawId(globalId, 'TagGroup') });
    if (!group) throw notFound('TagGroup');
    const tagRows = await tx.find(Tag, { orgId, groupId: group.id });
    await untagContacts(tx, orgId, tagRows.map((tag) => tag.id));
    recordAudit(tx, viewer, 'contactTagGroup.delete', { type: 'TagGroup', id: group.id }, { name: group.name, tagIds: toGlobalIds('Tag', tagRows.map((tag) => tag.id)) });
    await tx.nativeDelete(Tag, { orgId, groupId: group.id });
    tx.remove(group);
    await tx.flush();
    for (const tag of tagRows) await emit(tagEvent(ContactCatalogEventType.DELETED, tag, 'Tag'));
    await emit(tagEvent(ContactCatalogEventType.DELETED, group, 'TagGroup'));
    return group.globalId;
  });
}

export async function createTag(em: EntityManager, viewer: Viewer, input: CreateTagInput, services: EventServices): Promise<Tag> {
  assertCanDefineContactTags(viewer, PermissionAction.CREATE);
  const name = tagName(input.name);
  const orgId = viewer.orgId;
  return withEvents(em, services, async (tx, emit) => {
      const group = await tx.findOne(TagGroup, { orgId, id: rawId(input.groupId, 'TagGroup') });
      if (!group) throw notFound('TagGroup');
      const tag = tx.create(Tag, { orgId, groupId: group.id, name });
      recordAudit(tx, viewer, 'contactTag.create', { type: 'Tag', id: tag.id }, { name, groupId: toGlobalId('TagGroup', group.id) });
      await tx.flush();
      await emit(tagEvent(ContactCatalogEventType.CREATED, tag, 'Tag'));
      return tag;
    }).catch(nameTaken('tag in this group', name));
}

export async function updateTag(em: EntityManager, viewer: Viewer, input: UpdateTagInput, services: EventServices): Promise<Tag> {
  assertCanDefineContactTags(viewer, PermissionAction.EDIT);
  const name = tagName(input.name);
  return withEvents(em, services, async (tx, emit) => {
      const tag = await tx.findOne(Tag, { orgId: viewer.orgId, id: rawId(input.id, 'Tag') });
      if (!tag) throw notFound('Tag');
      recordAudit(tx, viewer, 'contactTag.rename', { type: 'Tag', id: tag.id }, { before: tag.name, after: name });
      tag.name = name;
      await tx.flush();
      await emit(tagEvent(ContactCatalogEventType.UPDATED, tag, 'Tag', ['name']));
      return tag;
    }).catch(nameTaken('tag in this group', name));
}

/** Deletes a tag; contacts lose it. */
export async function deleteTag(em: EntityManager, viewer: Viewer, globalId: string, services: EventServices): Promise<string> {
  assertCanDefineContactTags(viewer, PermissionAction.DELETE);
  const orgId = viewer.orgId;
  return withEvents(em, services, async (tx, emit) => {
    const tag = await tx.findOne(Tag, { orgId, id: rawId(globalId, 'Tag') });
    if (!tag) throw notFound('Tag');
    await untagContacts(tx, orgId, [tag.id]);
    recordAudit(tx, viewer, 'contactTag.delete', { type: 'Tag', id: tag.id }, { name: tag.name });
    tx.remove(tag);
    await tx.flush();
    await emit(tagEvent(ContactCatalogEventType.DELETED, tag, 'Tag'));
    return tag.globalId;
  });
}

/**
 * Takes tags off every contact carrying them: live ones through the `contacts_lookup` GIN index, deleted ones (still
 * restorable) through `contacts_deleted`.
 */
async function untagContacts(tx: EntityManager, orgId: string, tagIds: string[]): Promise<void> {
  if (!tagIds.length) return;
  const ids = pgArray(tagIds);
  const strip = 'update contacts set tag_ids = array(select t from unnest(tag_ids) t where t <> all(?::uuid[])) where org_id = ? and tag_ids && ?::uuid[]';
  await tx.execute(`${strip} and deleted_at is null`, [ids, orgId, ids]);
  await tx.execute(`${strip} and deleted_at is not null`, [ids, orgId, ids]);
}
