import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppServices } from '../../app';
import { assertCanTransferContacts } from '../../auth/policy';
import type { Viewer } from '../../auth/viewer';
import { badInput, notFound, errorMessage } from '../../errors';
import type { Loaders } from '../../graphql/loaders';
import { parseGlobalId, rawId, toGlobalId, toGlobalIds } from '../../graphql/relay';
import { DEFAULT_LOCALE, translate, translator, type Locale } from '../../i18n';
import { memberPreferences, preferencesOf } from '../accounts/recipient-preferences';
import { recordAudit } from '../audit/audit.service';
import { Member, MemberStatus } from '../members/member.entity';
import type { MemberRemoval } from '../members/member-removal';
import { notifyMembers, NotificationKind } from '../notifications';
import { releaseContactKeys } from './contact-fields';
import { recordedEventsHooks, recordEvents, type NewOrgEvent, type OrgEvent } from '../../realtime/events';
import { ContactCatalogEventType, contactEvent, ContactEventType, contactsTransferredEvents, externalGroupEvent } from './contact-events';
import { pgArray, visibleContactsWhere, viewerContactReach } from './contact-visibility';
import { departmentPathsOfMembers } from './contacts.service';
import { cancelFollowUpsOfLeaver, handOverFollowUps } from './follow-ups.service';
import { ContributionKind } from '../../contributions';
import {
  CONTACT_LIMITS,
  ContactTransferOutcome,
  ContactTransferSkipReason,
  type ContactTransferItem,
  type ContactTransferReport,
  type ExternalGroupTransferItem,
  type TransferContactsInput,
} from './contacts.inputs';

/** A hand-over of contacts from one member to another [004] [001], as hooks see it (raw ids). */
export interface ContactHandOver {
  orgId: string;
  fromMemberId: string;
  toMemberId: string;
  /** Contacts that move (or would move, in a dry run). */
  contactIds: string[];
  /** External groups that change owner (a whole hand-over only). */
  externalGroupIds: string[];
  /** Open follow-ups that pass to the receiver (see `handOverFollowUps`). */
  followUpIds: string[];
  dryRun: boolean;
}

export type ContactHandOverHook = (tx: EntityManager, app: AppServices, handOver: ContactHandOver) => Promise<void>;

/**
 * Seam for what else follows a contact to its new owner (documents, deals... of modules to come; open follow-ups and
 * the receiver's notification are the hand-over's own). Hooks run inside the hand-over's transaction (also the one of
 * `removeMember`), after the contacts, groups and follow-ups moved; in a dry run too (with `dryRun: true`, to move
 * nothing). `app` lets them notify (`notifyMembers`). Throwing aborts the hand-over.
 */
export const contactHandOverHooks = new ContributionKind<ContactHandOverHook>('contactHandOverHooks');

interface HandOverOptions {
  orgId: string;
  fromMemberId: string;
  toMemberId: string;
  /**
   * Chosen contacts (as given by the client), with the viewer's visibility rule and language (of the skipped ones'
   * `message`); null: everything the member owns.
   */
  chosen: { globalIds: string[]; visible: { sql: string; params: unknown[] }; locale: Locale } | null;
  dryRun: boolean;
}

interface HandOverResult {
  contacts: ContactTransferItem[];
  externalGroups: ExternalGroupTransferItem[];
  movedIds: string[];
  followUpIds: string[];
  /** The CONTACT TRANSFERRED and EXTERNAL_GROUP UPDATED events logged in the hand-over's transaction, to publish after it. */
  events: OrgEvent[];
}

/** Looks up what moves, and (unless a dry run) moves it: one statement per kind of row, whatever the number. */
async function handOver(tx: EntityManager, app: AppServices, options: HandOverOptions): Promise<HandOverResult> {
  const { orgId, fromMemberId: from, toMemberId: to, dryRun } = options;
  const lock = dryRun ? '' : ' for update of c';
  const outcome = dryRun ? ContactTransferOutcome.WOULD_MOVE : ContactTransferOutcome.MOVED;
  const contacts: ContactTransferItem[] = [];
  const movedIds: string[] = [];

  if (options.chosen) {
    const wanted = new Map<string, string>(); // raw id -> id as given
    for (const globalId of options.chosen.globalIds) {
      const parsed = parseGlobalId(globalId);
      if (parsed?.type === 'Contact') wanted.set(parsed.id, globalId);
    }
    const { visible } = options.chosen;
    const rows = await tx.execute<Array<{ id: string; name: string; owner_id: string | null; connected: boolean }>>(
      `select c.id, c.name, c.owner_id, ? = any(c.connected_member_ids) as connected from contacts c
        where ${visible.sql} and c.id = any(?::uuid[]) order by c.name, c.id${lock}`,
      [from, ...visible.params, pgArray([...wanted.keys()])],
    );
    const found = new Map(rows.map((row) => [row.id, row]));
    for (const globalId of [...new Set(options.chosen.globalIds)]) {
      const parsed = parseGlobalId(globalId);
      const row = parsed?.type === 'Contact' ? found.get(parsed.id) : undefined;
      if (!row) {
        contacts.push({ contactId: globalId, name: null, outcome: ContactTransferOutcome.SKIPPED, reason: ContactTransferSkipReason.NOT_FOUND, message: translate(options.chosen.locale, 'errors.noSuchContact'), connectionMoves: false });
      } else if (row.owner_id !== from) {
        contacts.push({
          contactId: globalId,
          name: row.name,
          outcome: ContactTransferOutcome.SKIPPED,
          reason: ContactTransferSkipReason.NOT_OWNED_BY_SOURCE,
          message: translate(options.chosen.locale, 'errors.contactOfAnotherMember'),
          connectionMoves: false,
        });
      } else {
        contacts.push({ contactId: globalId, name: row.name, outcome, reason: null, message: null, connectionMoves: row.connected });
        movedIds.push(row.id);
      }
    }
  } else {
    const rows = await tx.execute<Array<{ id: string; name: string; connected: boolean }>>(
      `select c.id, c.name, ? = any(c.connected_member_ids) as connected from contacts c
        where c.org_id = ? and c.owner_id = ? and c.deleted_at is null order by c.name, c.id${lock}`,
      [from, orgId, from],
    );
    for (const row of rows) {
      contacts.push({ contactId: toGlobalId('Contact', row.id), name: row.name, outcome, reason: null, message: null, connectionMoves: row.connected });
      movedIds.push(row.id);
    }
  }

  const groups = options.chosen
    ? []
    : await tx.execute<Array<{ id: string; name: string }>>(
        `select g.id, g.name from external_groups g where g.org_id = ? and g.owner_member_id = ? order by g.name, g.id${dryRun ? '' : ' for update of g'}`,
        [orgId, from],
      );

  if (!dryRun) {
    if (movedIds.length) {
      // The person connected with the member handing over stays connected, now with the receiver (as in WeCom's hand-over).
      await tx.execute(
        `update contacts set owner_id = ?,
                connected_member_ids = case when ?::uuid = any(connected_member_ids)
                  then array_append(array_remove(array_remove(connected_member_ids, ?::uuid), ?::uuid), ?::uuid)
                  else connected_member_ids end,
                updated_at = now()
          where org_id = ? and id = any(?::uuid[])`,
        [to, from, from, to, to, orgId, pgArray(movedIds)],
      );
    }
    if (groups.length) {
      const groupIds = pgArray(groups.map((g) => g.id));
      await tx.execute('update external_groups set owner_member_id = ? where org_id = ? and id = any(?::uuid[])', [to, orgId, groupIds]);
      await tx.execute(
        `insert into external_group_participants (id, group_id, org_id, member_id, added_by_member_id)
         select gen_random_uuid(), id, ?, ?, ? from unnest(?::uuid[]) id
         on conflict (group_id, member_id) where member_id is not null do nothing`,
        [orgId, to, from, groupIds],
      );
    }
  }
  // One statement for all the events, whatever the number of contacts.
  const events = dryRun
    ? []
    : await recordEvents(tx, app.contributions.of(recordedEventsHooks), orgId, [
        ...contactsTransferredEvents(orgId, movedIds, from, to),
        ...groups.map((g) =>
          externalGroupEvent(ContactCatalogEventType.UPDATED, { id: g.id, orgId, ownerMemberId: to }, ['owner'], { previousOwnerId: toGlobalId('Member', from) }),
        ),
      ].map(({ orgId: _org, ...event }) => event));
  const followUpIds = await handOverFollowUps(tx, { orgId, fromMemberId: from, toMemberId: to, movedContactIds: movedIds, includeOthers: !options.chosen, dryRun });
  const externalGroupIds = groups.map((g) => g.id);
  for (const hook of app.contributions.of(contactHandOverHooks)) {
    await hook(tx, app, { orgId, fromMemberId: from, toMemberId: to, contactIds: movedIds, externalGroupIds, followUpIds, dryRun });
  }
  if (!dryRun) await notifyReceiver(tx, app, { orgId, fromMemberId: from, toMemberId: to, contactIds: movedIds, externalGroupIds, followUpIds, dryRun });
  return {
    contacts,
    externalGroups: groups.map((g) => ({ groupId: toGlobalId('ExternalGroup', g.id), name: g.name, outcome })),
    movedIds,
    followUpIds,
    events,
  };
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

/**
 * The receiver's CONTACT_TRANSFER notification [004]: what moved and from whom, in the hand-over's transaction (so it
 * exists exactly when the hand-over committed). Nothing moved: no notification.
 */
async function notifyReceiver(tx: EntityManager, app: AppServices, handOver: ContactHandOver): Promise<void> {
  const { contactIds, externalGroupIds, followUpIds } = handOver;
  if (!contactIds.length && !externalGroupIds.length && !followUpIds.length) return;
  const [from] = await tx.execute<Array<{ name: string }>>('select name from members where id = ?', [handOver.fromMemberId]);
  // In the receiver's language; the parts listed as that language lists them (Intl.ListFormat).
  const { locale, timeZone } = (await memberPreferences(tx, handOver.orgId, [handOver.toMemberId])).get(handOver.toMemberId) ?? preferencesOf(null, null);
  const t = translator(locale, timeZone);
  const fromName = from?.name ?? t('notifications.contactTransfer.formerMember');
  const parts = [
    contactIds.length ? t('notifications.contactTransfer.contacts', { count: contactIds.length }) : null,
    externalGroupIds.length ? t('notifications.contactTransfer.externalGroups', { count: externalGroupIds.length }) : null,
    followUpIds.length ? t('notifications.contactTransfer.followUps', { count: followUpIds.length }) : null,
  ].filter((part): part is string => part !== null);
  const what = new Intl.ListFormat(locale, { type: 'conjunction' }).format(parts);
  await notifyMembers(tx, app, {
    orgId: handOver.orgId,
    kind: NotificationKind.CONTACT_TRANSFER,
    title: t('notifications.contactTransfer.title', { contacts: contactIds.length, fromName }),
    body: t('notifications.contactTransfer.body', { fromName, what }),
    memberIds: [handOver.toMemberId],
    data: {
      fromMemberId: toGlobalId('Member', handOver.fromMemberId),
      fromMemberName: fromName,
      contactCount: contactIds.length,
      externalGroupCount: externalGroupIds.length,
      followUpCount: followUpIds.length,
      // The first ones, for a link; the count says how many in all.
      contactIds: contactIds.slice(0, CONTACT_LIMITS.batch).map((id) => toGlobalId('Contact', id)),
    },
  });
}

/**
 * `transferContacts` [004] [001]: hands all of a member's contacts (and the external groups they own), or chosen
 * ones, to another member; with `dryRun` it only reports, per contact, what would move and what cannot and why.
 * Interaction records keep their author; the member's open follow-ups go along (`handOverFollowUps`) and the receiver
 * gets a CONTACT_TRANSFER notification, in the same transaction. The receiver must be an ACTIVE member of the org (DISABLED: BAD_USER_INPUT;
 * another org's: NOT_FOUND). Needs CONTACTS EDIT over both members. `app` goes to the hand-over hooks and the notification.
 */
export async function transferContacts(
  em: EntityManager,
  viewer: Viewer,
  loaders: Loaders,
  input: TransferContactsInput,
  app: AppServices,
  locale: Locale = DEFAULT_LOCALE,
): Promise<ContactTransferReport> {
  const orgId = viewer.orgId;
  const fromId = rawId(input.fromMemberId, 'Member');
  const toId = rawId(input.toMemberId, 'Member');
  const dryRun = input.dryRun ?? false;
  if (fromId === toId) throw badInput(errorMessage('handOverToAnother'), 'toMemberId');
  if (input.contactIds && !input.contactIds.length) throw badInput(errorMessage('contactIdsEmpty'), 'contactIds');
  if (input.contactIds && input.contactIds.length > CONTACT_LIMITS.batch) {
    throw badInput(errorMessage('idsMax', { field: 'contactIds', max: String(CONTACT_LIMITS.batch) }), 'contactIds');
  }
  const chosen = input.contactIds
    ? { globalIds: input.contactIds, visible: visibleContactsWhere('c', orgId, await viewerContactReach(viewer, loaders)), locale }
    : null;

  let logged: OrgEvent[] = [];
  const report = await em.transactional(async (tx) => {
    const [from, to] = await Promise.all([tx.findOne(Member, { orgId, id: fromId }), tx.findOne(Member, { orgId, id: toId })]);
    if (!from || !to) throw notFound('Member');
    const paths = await departmentPathsOfMembers(tx, orgId, [fromId, toId]);
    assertCanTransferContacts(viewer, paths.get(fromId) ?? [], paths.get(toId) ?? []);
    if (to.status !== MemberStatus.ACTIVE) {
      throw badInput(errorMessage('receiverInactive', { status: to.status.toLowerCase() }), 'toMemberId');
    }
    const result = await handOver(tx, app, { orgId, fromMemberId: fromId, toMemberId: toId, chosen, dryRun });
    if (!dryRun && (result.movedIds.length || result.externalGroups.length)) {
      recordAudit(tx, viewer, 'contact.transfer', { type: 'Member', id: fromId }, {
        toMemberId: toGlobalId('Member', toId),
        contactIds: toGlobalIds('Contact', result.movedIds),
        externalGroupIds: result.externalGroups.map((g) => g.groupId),
        followUpIds: toGlobalIds('FollowUp', result.followUpIds),
      });
    }
    logged = result.events;
    const movedCount = result.contacts.filter((item) => item.outcome !== ContactTransferOutcome.SKIPPED).length;
    return {
      dryRun,
      from,
      to,
      contacts: result.contacts,
      externalGroups: result.externalGroups,
      movedCount,
      skippedCount: result.contacts.length - movedCount,
      followUpsMoved: result.followUpIds.length,
    };
  });
  // Published once committed, as `withEvents` does (a member removal's hand-over is published by the log read its event triggers).
  if (logged.length) app.eventBus.publish(logged);
  return report;
}

/**
 * `removeMember` hook, in the removal's transaction. TRANSFER (and OFFBOARD with a receiver): every contact of the
 * leaver (deleted ones too, so they stay restorable) and the external groups they own go to the receiver, with an
 * audit entry, the open follow-ups and the receiver's notification. Without a receiver: the leaver's contacts are deleted (restorable for 30 days by OWNER/ADMIN, who then
 * own them) and each group they owned passes to its longest-standing member, or goes when no member is left.
 * Always: the leaver drops out of other contacts' sharing and connections.
 */
export async function handOverOnMemberRemoval(tx: EntityManager, removal: MemberRemoval): Promise<void> {
  const { orgId, memberId, transferToMemberId: to, actor, app } = removal;
  const events: NewOrgEvent[] = [];
  // The leaver's places in groups owned by others go with the member row (on delete cascade).
  const leftGroups = await tx.execute<Array<{ id: string; owner_member_id: string }>>(
    `select g.id, g.owner_member_id from external_group_participants p join external_groups g on g.id = p.group_id
      where p.org_id = ? and p.member_id = ? and g.owner_member_id <> ? order by g.id`,
    [orgId, memberId, memberId],
  );
  for (const g of leftGroups) events.push(externalGroupEvent(ContactCatalogEventType.UPDATED, { id: g.id, orgId, ownerMemberId: g.owner_member_id }, ['participants']));
  if (to) {
    const result = await handOver(tx, app, { orgId, fromMemberId: memberId, toMemberId: to, chosen: null, dryRun: false });
    await tx.execute('update contacts set owner_id = ? where org_id = ? and owner_id = ? and deleted_at is not null', [to, orgId, memberId]);
    if (result.movedIds.length || result.externalGroups.length) {
      recordAudit(tx, actor, 'contact.transfer', { type: 'Member', id: memberId }, {
        toMemberId: toGlobalId('Member', to),
        contactIds: toGlobalIds('Contact', result.movedIds),
        externalGroupIds: result.externalGroups.map((g) => g.groupId),
        followUpIds: toGlobalIds('FollowUp', result.followUpIds),
        via: 'member.remove',
      });
    }
  } else {
    const deleted = await tx.execute<Array<{ id: string; visibility: string }>>(
      'update contacts set deleted_at = now(), deleted_by_member_id = ? where org_id = ? and owner_id = ? and deleted_at is null returning id, visibility',
      [actor.member?.id ?? null, orgId, memberId],
    );
    await releaseContactKeys(tx, orgId, deleted.map((row) => row.id));
    // The same CONTACT DELETED as deleteContact's, one per contact, in the statement that records the group events.
    for (const row of deleted) events.push(contactEvent(ContactEventType.DELETED, { id: row.id, orgId, ownerId: memberId, visibility: row.visibility }));
    if (deleted.length) {
      recordAudit(tx, actor, 'contact.delete', { type: 'Member', id: memberId }, { contactIds: toGlobalIds('Contact', deleted.map((row) => row.id)), via: 'member.remove' });
    }
    const inherited = await tx.execute<Array<{ id: string; owner_member_id: string }>>(
      `update external_groups g set owner_member_id = heir.member_id
         from (select distinct on (p.group_id) p.group_id, p.member_id from external_group_participants p
                 join external_groups og on og.id = p.group_id
                where og.org_id = ? and og.owner_member_id = ? and p.member_id is not null and p.member_id <> ?
                order by p.group_id, p.created_at, p.id) heir
        where g.id = heir.group_id
        returning g.id, g.owner_member_id`,
      [orgId, memberId, memberId],
    );
    const dissolved = await tx.execute<Array<{ id: string }>>('delete from external_groups where org_id = ? and owner_member_id = ? returning id', [orgId, memberId]);
    for (const g of inherited) {
      events.push(
        externalGroupEvent(ContactCatalogEventType.UPDATED, { id: g.id, orgId, ownerMemberId: g.owner_member_id }, ['owner', 'participants'], { previousOwnerId: toGlobalId('Member', memberId) }),
      );
    }
    if (dissolved.length) {
      // Once gone, a group's changes reach the admins over the departments its owner was in (change-audience rule).
      const ownerDepartments = await tx.execute<Array<{ id: string; path: string }>>(
        'select d.id, d.path from member_departments md join departments d on d.id = md.department_id where md.org_id = ? and md.member_id = ?',
        [orgId, memberId],
      );
      for (const g of dissolved) {
        events.push(externalGroupEvent(ContactCatalogEventType.DELETED, { id: g.id, orgId, ownerMemberId: memberId }, [], {}, ownerDepartments));
      }
    }
  }
  // One statement for them all; published by the log read the removal's own event triggers.
  await recordEvents(tx, app.contributions.of(recordedEventsHooks), orgId, events.map(({ orgId: _org, ...event }) => event));
  // Open follow-ups left on the leaver (none handed over, or on contacts the receiver does not see) end with them.
  await cancelFollowUpsOfLeaver(tx, orgId, memberId, actor.member?.id ?? null);
  // Live contacts through the audience index (the leaver's own ones are gone or moved by now), then the bin.
  const leave = `update contacts set shared_member_ids = array_remove(shared_member_ids, ?::uuid),
                                     connected_member_ids = array_remove(connected_member_ids, ?::uuid)`;
  await tx.execute(`${leave} where org_id = ? and deleted_at is null and audience @> array[?::uuid]`, [memberId, memberId, orgId, memberId]);
  await tx.execute(
    `${leave} where org_id = ? and deleted_at is not null and (shared_member_ids @> array[?::uuid] or connected_member_ids @> array[?::uuid])`,
    [memberId, memberId, orgId, memberId, memberId],
  );
}

