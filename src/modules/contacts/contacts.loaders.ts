import type { EntityManager } from '@mikro-orm/postgresql';
import DataLoader from 'dataloader';
import type { ContactReach } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { groupBy, type Loaders } from '../../graphql/loaders';
import { Contact } from './contact.entity';
import { ContactGroup } from './contact-group.entity';
import { ContactInteraction } from './contact-interaction.entity';
import { visibleContactsWhere, viewerContactReach, pgArray } from './contact-visibility';
import { ExternalGroupParticipant } from './external-group.entity';
import { FollowUp, type FollowUpStatus } from './follow-up.entity';
import { Tag, TagGroup } from './tag.entity';

type Row = Record<string, unknown>;

function byId<T extends { id: string }>(keys: readonly string[], rows: T[]): (T | null)[] {
  const map = new Map(rows.map((row) => [row.id, row]));
  return keys.map((key) => map.get(key) ?? null);
}

/** One page of interaction records of one contact; the key of `interactionsPage`. */
export interface InteractionPageKey {
  contactId: string;
  /** Rows to fetch (page size + 1). */
  limit: number;
  /** Keyset position (at, id) of the previous page's last row, newest first. */
  before: [string, string] | null;
}

/** One page of follow-ups of one contact, soonest due first; the key of `followUpsPage`. */
export interface FollowUpPageKey {
  contactId: string;
  status: FollowUpStatus | null;
  /** Rows to fetch (page size + 1). */
  limit: number;
  /** Keyset position (dueAt, id) of the previous page's last row. */
  after: [string, string] | null;
}

/**
 * The contact loaders of one viewer in one operation: `em` and `orgId` are the operation's loaders' own, `reach` the
 * viewer's contact reach (`viewerContactReach`).
 */
function createViewerContactLoaders(em: EntityManager, orgId: string, reach: () => Promise<ContactReach>) {
  /** Live contacts the viewer may see; anything else (unknown, foreign, deleted, hidden) loads as null. */
  const contactById = new DataLoader<string, Contact | null>(async (ids) => {
    const visible = visibleContactsWhere('c', orgId, await reach());
    const rows = await em
      .createQueryBuilder(Contact, 'c')
      .where(visible.sql, visible.params)
      .andWhere('c.id = any(?::uuid[])', [pgArray(ids)])
      .getResultList();
    return byId(ids, rows);
  });

  const tagById = new DataLoader<string, Tag | null>(async (ids) => byId(ids, await em.find(Tag, { orgId, id: { $in: [...ids] } })));
  const tagGroupById = new DataLoader<string, TagGroup | null>(async (ids) => byId(ids, await em.find(TagGroup, { orgId, id: { $in: [...ids] } })));
  const tagsOfGroup = new DataLoader<string, Tag[]>(async (groupIds) =>
    groupBy(groupIds, await em.find(Tag, { orgId, groupId: { $in: [...groupIds] } }, { orderBy: { name: 'asc', id: 'asc' } }), (tag) => tag.groupId),
  );
  const contactGroupById = new DataLoader<string, ContactGroup | null>(async (ids) =>
    byId(ids, await em.find(ContactGroup, { orgId, id: { $in: [...ids] } })),
  );

  /** How many contacts of each group the viewer sees (the same rule as every other read). */
  const contactGroupCount = new DataLoader<string, number>(async (groupIds) => {
    const visible = visibleContactsWhere('c', orgId, await reach());
    const rows = await em.execute<Array<{ group_id: string; count: number }>>(
      `select gi.group_id, count(*)::int as count from contact_group_items gi join contacts c on c.id = gi.contact_id
        where gi.group_id = any(?::uuid[]) and ${visible.sql} group by gi.group_id`,
      [pgArray(groupIds), ...visible.params],
    );
    const counts = new Map(rows.map((row) => [row.group_id, row.count]));
    return groupIds.map((id) => counts.get(id) ?? 0);
  });

  /**
   * Pages of interaction records, newest first: one statement for the contacts of a whole page (a lateral join per
   * contact), whatever their number. Keys with different page arguments batch together too.
   */
  const interactionsPage = new DataLoader<InteractionPageKey, ContactInteraction[], string>(
    async (keys) => {
      const rows = await em.execute<Array<Record<string, unknown> & { k: number }>>(
        `select k.n - 1 as k, i.* from jsonb_array_elements(?::jsonb) with ordinality as k(spec, n)
           cross join lateral (
             select * from contact_interactions i
              where i.org_id = ? and i.contact_id = (k.spec->>'contactId')::uuid
                and (k.spec->'before' = 'null'::jsonb
                     or (i.at, i.id) < ((k.spec->'before'->>0)::timestamptz, (k.spec->'before'->>1)::uuid))
              order by i.at desc, i.id desc
              limit (k.spec->>'limit')::int
           ) i
          order by k.n, i.at desc, i.id desc`,
        [JSON.stringify(keys), orgId],
      );
      const pages: ContactInteraction[][] = keys.map(() => []);
      for (const { k, ...row } of rows) pages[Number(k)]!.push(em.map(ContactInteraction, row));
      return pages;
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  /** Places (members and live contacts) of each external group, in the order they joined. */
  const externalGroupParticipants = new DataLoader<string, ExternalGroupParticipant[]>(async (groupIds) => {
    const rows = await em.execute<Row[]>(
      `select p.* from external_group_participants p
        where p.org_id = ? and p.group_id = any(?::uuid[])
          and (p.contact_id is null or exists (select 1 from contacts c where c.id = p.contact_id and c.deleted_at is null))
        order by p.created_at, p.id`,
      [orgId, pgArray(groupIds)],
    );
    return groupBy(groupIds, rows.map((row) => em.map(ExternalGroupParticipant, row)), (row) => row.groupId);
  });

  /** Interaction records by id, only on contacts the viewer sees. */
  const interactionById = new DataLoader<string, ContactInteraction | null>(async (ids) => {
    const rows = await em.find(ContactInteraction, { orgId, id: { $in: [...ids] } });
    const visible = new Set((await contactById.loadMany([...new Set(rows.map((row) => row.contactId))])).filter((c): c is Contact => c instanceof Contact).map((c) => c.id));
    return byId(ids, rows.filter((row) => visible.has(row.contactId)));
  });

  /**
   * Names of live contacts whatever the viewer sees: only for showing who is in an external group the viewer is in
   * (sharing a room with someone shows their name, nothing more).
   */
  const contactNameById = new DataLoader<string, string | null>(async (ids) => {
    const rows = await em.execute<Array<{ id: string; name: string }>>(
      'select id, name from contacts where org_id = ? and id = any(?::uuid[]) and deleted_at is null',
      [orgId, pgArray(ids)],
    );
    const names = new Map(rows.map((row) => [row.id, row.name]));
    return ids.map((id) => names.get(id) ?? null);
  });

  /** Pages of follow-ups, soonest due first: one statement for the contacts of a whole page, as `interactionsPage`. */
  const followUpsPage = new DataLoader<FollowUpPageKey, FollowUp[], string>(
    async (keys) => {
      const rows = await em.execute<Array<Record<string, unknown> & { k: number }>>(
        `select k.n - 1 as k, f.* from jsonb_array_elements(?::jsonb) with ordinality as k(spec, n)
           cross join lateral (
             select * from contact_follow_ups f
              where f.org_id = ? and f.contact_id = (k.spec->>'contactId')::uuid
                and (k.spec->'status' = 'null'::jsonb or f.status = k.spec->>'status')
                and (k.spec->'after' = 'null'::jsonb
                     or (f.due_at, f.id) > ((k.spec->'after'->>0)::timestamptz, (k.spec->'after'->>1)::uuid))
              order by f.due_at, f.id
              limit (k.spec->>'limit')::int
           ) f
          order by k.n, f.due_at, f.id`,
        [JSON.stringify(keys), orgId],
      );
      const pages: FollowUp[][] = keys.map(() => []);
      for (const { k, ...row } of rows) pages[Number(k)]!.push(em.map(FollowUp, row));
      return pages;
    },
    { cacheKeyFn: (key) => JSON.stringify(key) },
  );

  /** Follow-ups by id, only on contacts the viewer sees. */
  const followUpById = new DataLoader<string, FollowUp | null>(async (ids) => {
    const rows = await em.find(FollowUp, { orgId, id: { $in: [...ids] } });
    const visible = new Set((await contactById.loadMany([...new Set(rows.map((row) => row.contactId))])).filter((c): c is Contact => c instanceof Contact).map((c) => c.id));
    return byId(ids, rows.filter((row) => visible.has(row.contactId)));
  });

  return {
    contactById,
    followUpsPage,
    followUpById,
    contactNameById,
    tagById,
    tagGroupById,
    tagsOfGroup,
    contactGroupById,
    contactGroupCount,
    interactionsPage,
    externalGroupParticipants,
    interactionById,
  };
}

export type ContactLoaders = ReturnType<typeof createViewerContactLoaders>;

/**
 * The contacts module's part of an operation's loaders (`createLoaders`, `src/modules.ts`): the contact loaders of
 * each viewer, made on first use. They check visibility, so they belong to a viewer as well as to the org.
 */
export function createContactLoaders(em: EntityManager, orgId: string, loaders: Loaders): ContactLoadersByViewer {
  const byViewer = new WeakMap<Viewer, ContactLoaders>();
  return {
    contactLoadersOf(viewer: Viewer): ContactLoaders {
      let made = byViewer.get(viewer);
      if (!made) byViewer.set(viewer, (made = createViewerContactLoaders(em, orgId, () => viewerContactReach(viewer, loaders))));
      return made;
    },
  };
}

/** What the contacts module adds to an operation's loaders. */
export interface ContactLoadersByViewer {
  contactLoadersOf(viewer: Viewer): ContactLoaders;
}

declare module '../../graphql/loaders' {
  interface Loaders extends ContactLoadersByViewer {}
}

/** The contacts module's loaders of this operation for `viewer` (org-bound, visibility-checked), made on first use. */
export function contactLoaders(viewer: Viewer, loaders: Loaders): ContactLoaders {
  return loaders.contactLoadersOf(viewer);
}
