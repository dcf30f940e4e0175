/**
 * Follow-up reminders [001], the hand-over's follow-ups and notification [004], contact cards materialised on joining
 * an org [002], and the bin's purge. The sweeps act on every due row of the database; only this file creates
 * follow-ups or back-dates deleted contacts, and its tests run one after another, so the shared database serves.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { contactPurgeJob, followUpReminderJob, notifyDueFollowUps } from '../src/modules/contacts';
import type { Gateway } from '../src/server';
import {
  AcceptInvitationDocument,
  CancelFollowUpDocument,
  CompleteFollowUpDocument,
  ConnectViaContactCardDocument,
  ContactDocument,
  ContactFollowUpsDocument,
  ContactInteractionsDocument,
  ContactsDocument,
  ContactsInDetailDocument,
  CreateContactCardDocument,
  CreateContactDocument,
  CreateOrgDocument,
  DeleteContactDocument,
  FollowUpNodeDocument,
  MyFollowUpsDocument,
  MyNotificationsDocument,
  NotificationReceivedDocument,
  RecordInteractionDocument,
  RemoveMemberDocument,
  RestoreContactDocument,
  ScheduleFollowUpDocument,
  SendInvitationDocument,
  SendNotificationDocument,
  SetMemberStatusDocument,
  TransferContactsWithFollowUpsDocument,
  UpdateContactDocument,
  type NotificationReceivedSubscription,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniqueOrgCode, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { invitationTokenSentTo, signUpVerified } from './support/invitations';
import { seedActiveMember, type SeededMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo, waitUntil, type TestSubscription } from './support/subscriptions';
import { connectWs } from './support/ws';

let gateway: Gateway;
let anonymous: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway();
  anonymous = new GraphQLClient(gateway.url);
});

const inHours = (hours: number) => new Date(Date.now() + hours * 3600_000).toISOString();
const makeDue = (followUpId: string) => sql(`update contact_follow_ups set due_at = now() - interval '1 minute' where id = $1`, [rawIdOf(followUpId)]);
const followUpRow = async (id: string) =>
  (await sql<{ status: string; notified_at: Date | null; assignee_member_id: string | null }>(
    'select status, notified_at, assignee_member_id from contact_follow_ups where id = $1',
    [rawIdOf(id)],
  ))[0]!;

/** An org with Alice (owner of a contact shared with Bob), Bob, and Carol (who does not see it). */
async function followUpOrg() {
  const org = await createOrgWithOwner(anonymous, 'Follow-up Co');
  const [alice, bob, carol] = await Promise.all(
    ['Alice', 'Bob', 'Carol'].map((name) => seedActiveMember(anonymous, org.org.id, { name })),
  );
  const create = async (who: SeededMember, input: Record<string, unknown>) =>
    (await who.client.ok(CreateContactDocument, { input: { phones: [uniquePhone()], ...input } as never })).createContact;
  const contact = await create(alice!, { name: 'Zhang Wei', visibility: 'SHARED', sharedMemberIds: [bob!.memberId] });
  return { org, alice: alice!, bob: bob!, carol: carol!, contact, create };
}

function schedule(who: GraphQLClient, contactId: string, extra: { assigneeId?: string; note?: string; dueAt?: string } = {}) {
  return who.request(ScheduleFollowUpDocument, { contactId, dueAt: extra.dueAt ?? inHours(24), assigneeId: extra.assigneeId, note: extra.note });
}

async function scheduled(who: GraphQLClient, contactId: string, extra: Parameters<typeof schedule>[2] = {}) {
  const result = await schedule(who, contactId, extra);
  if (result.errors) throw new Error(JSON.stringify(result.errors));
  return result.data!.scheduleFollowUp;
}

/** A live `notificationReceived` of `member` (probed with work notifications from `sender`). */
async function liveInbox(sender: GraphQLClient, member: SeededMember) {
  const sub = subscribeTo(connectWs(gateway.url, member.client.token).client, NotificationReceivedDocument, {});
  await sub.untilLive(() => sender.ok(SendNotificationDocument, { input: { title: 'Probe', body: 'probe', audience: { memberIds: [member.memberId] } } }));
  return sub;
}

const ofKind = (sub: TestSubscription<NotificationReceivedSubscription>, kind: string) =>
  sub.results.map((result) => result.notificationReceived.notification).filter((notification) => notification.kind === kind);

describe('follow-up reminders [001]', () => {
  it('schedules for oneself or, as the contact’s editor, for a colleague who sees it; lists on the contact and for the assignee; completes and cancels', async () => {
    const { alice, bob, contact } = await followUpOrg();
    const later = await scheduled(alice.client, contact.id, { note: 'Send the quote', dueAt: inHours(48) });
    expect(later).toMatchObject({ note: 'Send the quote', status: 'OPEN', notifiedAt: null, closedAt: null, authorName: 'Alice', author: { id: alice.memberId }, assignee: { id: alice.memberId }, contact: { id: contact.id, name: 'Zhang Wei' } });
    const sooner = await scheduled(alice.client, contact.id, { assigneeId: bob.memberId, note: 'Call back', dueAt: inHours(2) });
    expect(sooner.assignee).toEqual({ id: bob.memberId });
    // Bob sees the contact (shared with him) and schedules his own.
    const bobs = await scheduled(bob.client, contact.id, { dueAt: inHours(5) });
    expect(bobs.note).toBe('');

    // The contact lists every follow-up, soonest first, to everyone who sees it; pages with cursors.
    const onContact = (await bob.client.ok(ContactFollowUpsDocument, { id: contact.id, first: 2 })).contact!.followUps;
    expect(onContact.totalCount).toBe(3);
    expect(onContact.nodes.map((f) => f.id)).toEqual([sooner.id, bobs.id]);
    const rest = (await bob.client.ok(ContactFollowUpsDocument, { id: contact.id, first: 2, after: onContact.pageInfo.endCursor })).contact!.followUps;
    expect(rest.nodes.map((f) => f.id)).toEqual([later.id]);
    expect(rest.pageInfo.hasNextPage).toBe(false);

    // Each assignee's own list.
    expect((await bob.client.ok(MyFollowUpsDocument, { first: 10 })).myFollowUps.nodes.map((f) => f.id)).toEqual([sooner.id, bobs.id]);
    expect((await alice.client.ok(MyFollowUpsDocument, { first: 10 })).myFollowUps.nodes.map((f) => f.id)).toEqual([later.id]);

    const done = (await bob.client.ok(CompleteFollowUpDocument, { id: sooner.id })).completeFollowUp;
    expect(done).toMatchObject({ status: 'DONE', closedAt: expect.any(String) });
    expect(errorCode(await bob.client.request(CompleteFollowUpDocument, { id: sooner.id }))).toBe('CONFLICT');
    expect(errorCode(await bob.client.request(CancelFollowUpDocument, { id: sooner.id }))).toBe('CONFLICT');
    // Alice, the contact's owner (an editor), cancels Bob's own; Bob (shared-to, neither author nor assignee) may not cancel Alice's.
    expect(errorCode(await bob.client.request(CancelFollowUpDocument, { id: later.id }))).toBe('FORBIDDEN');
    expect((await alice.client.ok(CancelFollowUpDocument, { id: bobs.id })).cancelFollowUp.status).toBe('CANCELLED');

    const open = (await bob.client.ok(MyFollowUpsDocument, { first: 10, status: 'OPEN' })).myFollowUps;
    expect(open.totalCount).toBe(0);
    expect((await bob.client.ok(MyFollowUpsDocument, { first: 10, status: 'DONE' })).myFollowUps.nodes.map((f) => f.id)).toEqual([sooner.id]);
    expect((await alice.client.ok(FollowUpNodeDocument, { id: later.id })).node).toMatchObject({ id: later.id, status: 'OPEN' });
  });

  it('refuses bad input, assignees who cannot take it, and callers who do not see the contact, writing nothing', async () => {
    const { org, alice, bob, carol, contact } = await followUpOrg();
    const other = await createOrgWithOwner(anonymous, 'Other Co');
    const disabled = await seedActiveMember(anonymous, org.org.id, { name: 'Dora' });
    await org.client.ok(SetMemberStatusDocument, { input: { id: disabled.memberId, status: 'DISABLED' } });
    await org.client.ok(UpdateContactDocument, { input: { id: contact.id, sharedMemberIds: [bob.memberId, disabled.memberId] } });
    const foreignContact = (await other.client.ok(CreateContactDocument, { input: { name: 'Foreign', phones: [uniquePhone()] } })).createContact;

    const refusals = {
      longNote: await schedule(alice.client, contact.id, { note: 'x'.repeat(2001) }),
      past: await schedule(alice.client, contact.id, { dueAt: new Date(Date.now() - 3600_000).toISOString() }),
      tooFar: await schedule(alice.client, contact.id, { dueAt: '2099-01-01T00:00:00.000Z' }),
      foreignAssignee: await schedule(alice.client, contact.id, { assigneeId: other.member.id }),
      disabledAssignee: await schedule(alice.client, contact.id, { assigneeId: disabled.memberId }),
      blindAssignee: await schedule(alice.client, contact.id, { assigneeId: carol.memberId }),
      sharedToAssigningOthers: await schedule(bob.client, contact.id, { assigneeId: alice.memberId }),
      blindCaller: await schedule(carol.client, contact.id),
      foreignContact: await schedule(alice.client, foreignContact.id),
      malformedContact: await schedule(alice.client, 'not-an-id'),
    };
    expect(Object.fromEntries(Object.entries(refusals).map(([key, result]) => [key, errorCode(result)]))).toEqual({
      longNote: 'BAD_USER_INPUT',
      past: 'BAD_USER_INPUT',
      tooFar: 'BAD_USER_INPUT',
      foreignAssignee: 'NOT_FOUND',
      disabledAssignee: 'BAD_USER_INPUT',
      blindAssignee: 'BAD_USER_INPUT',
      sharedToAssigningOthers: 'FORBIDDEN',
      blindCaller: 'NOT_FOUND',
      foreignContact: 'NOT_FOUND',
      malformedContact: 'NOT_FOUND',
    });
    expect(refusals.blindAssignee.errors![0]!.message).toMatch(/does not see this contact/);
    expect(await sql('select 1 from contact_follow_ups where contact_id = $1', [rawIdOf(contact.id)])).toHaveLength(0);

    // Exactly 2,000 characters pass; the org's owner (an admin over Alice) assigns to Carol once she sees the contact.
    await scheduled(alice.client, contact.id, { note: 'y'.repeat(2000) });
    await org.client.ok(UpdateContactDocument, { input: { id: contact.id, visibility: 'ORG' } });
    const forCarol = await scheduled(org.client, contact.id, { assigneeId: carol.memberId });
    // Someone who does not see the contact neither reads nor closes its follow-ups.
    await alice.client.ok(UpdateContactDocument, { input: { id: contact.id, visibility: 'PRIVATE' } });
    expect(errorCode(await carol.client.request(CompleteFollowUpDocument, { id: forCarol.id }))).toBe('NOT_FOUND');
    expect(errorCode(await carol.client.request(FollowUpNodeDocument, { id: forCarol.id }))).toBe('NOT_FOUND');
    expect((await carol.client.ok(MyFollowUpsDocument, { first: 10 })).myFollowUps.totalCount).toBe(0);
    expect(errorCode(await other.client.request(FollowUpNodeDocument, { id: forCarol.id }))).toBe('NOT_FOUND');
  });

  it('notifies the assignee once when due, live through notificationReceived, however many sweeps run in parallel', async () => {
    const { org, alice, bob, carol, contact, create } = await followUpOrg();
    const toBob = await liveInbox(org.client, bob);
    const due1 = await scheduled(alice.client, contact.id, { assigneeId: bob.memberId, note: 'Call about the renewal' });
    const due2 = await scheduled(bob.client, contact.id);
    const dueForAlice = await scheduled(alice.client, contact.id);
    const notYet = await scheduled(alice.client, contact.id, { assigneeId: bob.memberId });
    const gone = await create(alice, { name: 'Deleted Ltd' });
    const onDeleted = await scheduled(alice.client, gone.id);
    const hidden = await create(alice, { name: 'Hidden Ltd', visibility: 'SHARED', sharedMemberIds: [bob.memberId] });
    const unshared = await scheduled(alice.client, hidden.id, { assigneeId: bob.memberId });
    const everyone = await create(alice, { name: 'Everyone Ltd', visibility: 'ORG' });
    const forDisabled = await scheduled(alice.client, everyone.id, { assigneeId: carol.memberId });
    await org.client.ok(SetMemberStatusDocument, { input: { id: carol.memberId, status: 'DISABLED' } });
    for (const followUp of [due1, due2, dueForAlice, onDeleted, unshared, forDisabled]) await makeDue(followUp.id);
    await alice.client.ok(DeleteContactDocument, { id: gone.id });
    await alice.client.ok(UpdateContactDocument, { input: { id: hidden.id, visibility: 'PRIVATE' } });

    const claimed = await Promise.all([notifyDueFollowUps(gateway.app, 2), notifyDueFollowUps(gateway.app, 2), notifyDueFollowUps(gateway.app, 2)]);
    expect(claimed.reduce((sum, n) => sum + n, 0)).toBeGreaterThanOrEqual(5);
    expect(await followUpReminderJob(gateway.app).runOnce()).toBe(1); // nothing left: one tick
    for (const followUp of [due1, due2, dueForAlice, unshared, forDisabled]) expect((await followUpRow(followUp.id)).notified_at).not.toBeNull();
    // A disabled assignee is not notified (and the follow-up is not retried).
    expect(await sql('select 1 from notification_deliveries where recipient_id = $1', [rawIdOf(carol.memberId)])).toHaveLength(0);
    for (const followUp of [notYet, onDeleted]) expect((await followUpRow(followUp.id)).notified_at).toBeNull();

    // Bob: one notification per due follow-up he sees (not the one on the contact no longer shared with him).
    const bobs = (await bob.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'FOLLOW_UP' } })).myNotifications;
    expect(bobs.totalCount).toBe(2);
    const byFollowUp = new Map(bobs.edges.map((edge) => [(edge.node.notification.data as { followUpId: string }).followUpId, edge.node.notification]));
    expect(byFollowUp.get(due1.id)).toMatchObject({
      kind: 'FOLLOW_UP',
      title: 'Follow up with Zhang Wei',
      body: expect.stringMatching(/^Call about the renewal\n\nDue .*, scheduled by Alice\.$/),
      data: { followUpId: due1.id, contactId: contact.id, contactName: 'Zhang Wei' },
      sender: null,
    });
    expect(byFollowUp.has(due2.id)).toBe(true);
    const alices = (await alice.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'FOLLOW_UP' } })).myNotifications;
    expect(alices.edges.map((edge) => (edge.node.notification.data as { followUpId: string }).followUpId)).toEqual([dueForAlice.id]);

    await waitUntil(() => ofKind(toBob, 'FOLLOW_UP').length >= 2, 'two FOLLOW_UP notifications live');
    await toBob.expectNoMoreThan(toBob.results.length, 300);
    expect(ofKind(toBob, 'FOLLOW_UP').map((n) => (n.data as { followUpId: string }).followUpId).sort()).toEqual([due1.id, due2.id].sort());

    // Restoring the deleted contact lets its due follow-up through.
    await alice.client.ok(RestoreContactDocument, { id: gone.id });
    expect(await notifyDueFollowUps(gateway.app)).toBe(1);
    expect((await alice.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'FOLLOW_UP' } })).myNotifications.totalCount).toBe(2);
    toBob.dispose();
  });

  it('the gateway runs the sweep on its own every FOLLOW_UP_SWEEP_MS', async () => {
    const { alice, contact } = await followUpOrg();
    const sweeping = await startTestGateway({ followUpSweepMs: 100 });
    const due = await scheduled(alice.client, contact.id, { note: 'By the job' });
    await makeDue(due.id);
    const deadline = Date.now() + 10_000;
    while ((await followUpRow(due.id)).notified_at === null) {
      if (Date.now() > deadline) throw new Error('the job never ran');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect((await alice.client.ok(MyNotificationsDocument, { first: 5, filter: { kind: 'FOLLOW_UP' } })).myNotifications.edges[0]!.node.notification.body).toMatch(/^By the job/);
    await sweeping.close();
  });
});

describe('hand-over [004]: follow-ups move and the receiver is notified', () => {
  it('transferContacts moves the member’s open follow-ups the receiver can see, keeps interaction authors, and notifies the receiver live', async () => {
    const { org, alice, bob, carol, contact, create } = await followUpOrg();
    const orgWide = await create(carol, { name: 'Everyone’s', visibility: 'ORG' });
    const carolsPrivate = await create(carol, { name: 'Carol’s', visibility: 'SHARED', sharedMemberIds: [alice.memberId] });
    const onOwn = await scheduled(alice.client, contact.id, { note: 'own' });
    const onOrgWide = await scheduled(alice.client, orgWide.id, { note: 'org-wide' });
    const onHidden = await scheduled(alice.client, carolsPrivate.id, { note: 'hidden from Bob' });
    const done = await scheduled(alice.client, contact.id, { note: 'done' });
    await alice.client.ok(CompleteFollowUpDocument, { id: done.id });
    await alice.client.ok(RecordInteractionDocument, { input: { contactId: contact.id, kind: 'CALL', at: '2026-03-01T09:00:00.000Z', summary: 'first call' } });
    const toBob = await liveInbox(org.client, bob);

    const input = { fromMemberId: alice.memberId, toMemberId: bob.memberId };
    const dry = (await org.client.ok(TransferContactsWithFollowUpsDocument, { input: { ...input, dryRun: true } })).transferContacts;
    expect(dry).toMatchObject({ dryRun: true, movedCount: 1, followUpsMoved: 2 });
    expect((await followUpRow(onOwn.id)).assignee_member_id).toBe(rawIdOf(alice.memberId));
    expect((await bob.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'CONTACT_TRANSFER' } })).myNotifications.totalCount).toBe(0);

    const real = (await org.client.ok(TransferContactsWithFollowUpsDocument, { input })).transferContacts;
    expect(real).toMatchObject({ dryRun: false, movedCount: 1, followUpsMoved: 2 });
    expect((await followUpRow(onOwn.id)).assignee_member_id).toBe(rawIdOf(bob.memberId));
    expect((await followUpRow(onOrgWide.id)).assignee_member_id).toBe(rawIdOf(bob.memberId));
    expect((await followUpRow(onHidden.id)).assignee_member_id).toBe(rawIdOf(alice.memberId)); // Bob does not see it
    expect((await followUpRow(done.id)).assignee_member_id).toBe(rawIdOf(alice.memberId)); // history stays
    expect((await bob.client.ok(MyFollowUpsDocument, { first: 10, status: 'OPEN' })).myFollowUps.nodes.map((f) => f.note).sort()).toEqual(['org-wide', 'own']);

    const interactions = (await bob.client.ok(ContactInteractionsDocument, { id: contact.id, first: 5 })).contact!.interactions.edges;
    expect(interactions.map((edge) => [edge.node.summary, edge.node.authorName, edge.node.author?.id])).toEqual([['first call', 'Alice', alice.memberId]]);

    const notifications = (await bob.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'CONTACT_TRANSFER' } })).myNotifications;
    expect(notifications.totalCount).toBe(1);
    expect(notifications.edges[0]!.node.notification).toMatchObject({
      kind: 'CONTACT_TRANSFER',
      title: '1 contact handed over to you by Alice',
      body: 'Alice handed over 1 contact and 2 open follow-ups to you.',
      data: { fromMemberId: alice.memberId, fromMemberName: 'Alice', contactCount: 1, externalGroupCount: 0, followUpCount: 2, contactIds: [contact.id] },
    });
    await waitUntil(() => ofKind(toBob, 'CONTACT_TRANSFER').length === 1, 'the CONTACT_TRANSFER notification live');
    // Only the receiver is told.
    expect((await alice.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'CONTACT_TRANSFER' } })).myNotifications.totalCount).toBe(0);

    // Chosen contacts carry only their own follow-ups; nothing moved, nobody notified.
    const mine = await create(alice, { name: 'Alice again' });
    const onMine = await scheduled(alice.client, mine.id);
    const chosen = (await org.client.ok(TransferContactsWithFollowUpsDocument, { input: { ...input, contactIds: [mine.id] } })).transferContacts;
    expect(chosen).toMatchObject({ movedCount: 1, followUpsMoved: 1 });
    expect((await followUpRow(onMine.id)).assignee_member_id).toBe(rawIdOf(bob.memberId));
    expect((await followUpRow(onHidden.id)).assignee_member_id).toBe(rawIdOf(alice.memberId));
    const none = (await org.client.ok(TransferContactsWithFollowUpsDocument, { input: { ...input, contactIds: [contact.id] } })).transferContacts;
    expect(none).toMatchObject({ movedCount: 0, followUpsMoved: 0 });
    expect((await bob.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'CONTACT_TRANSFER' } })).myNotifications.totalCount).toBe(2);
    toBob.dispose();
  });

  it('removeMember TRANSFER hands the follow-ups over and notifies the receiver in the removal’s transaction; the rest are cancelled', async () => {
    const { org, alice, bob, carol, contact, create } = await followUpOrg();
    const carolsShared = await create(carol, { name: 'Carol’s', visibility: 'SHARED', sharedMemberIds: [alice.memberId] });
    const onOwn = await scheduled(alice.client, contact.id, { note: 'own' });
    const onHidden = await scheduled(alice.client, carolsShared.id, { note: 'hidden from Bob' });
    await alice.client.ok(RecordInteractionDocument, { input: { contactId: contact.id, kind: 'MEETING', at: '2026-03-02T09:00:00.000Z', summary: 'met' } });

    await org.client.ok(RemoveMemberDocument, { input: { id: alice.memberId, mode: 'TRANSFER', transferToMemberId: bob.memberId } });
    expect(await followUpRow(onOwn.id)).toMatchObject({ status: 'OPEN', assignee_member_id: rawIdOf(bob.memberId) });
    expect(await followUpRow(onHidden.id)).toMatchObject({ status: 'CANCELLED' });
    const [notification] = (await bob.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'CONTACT_TRANSFER' } })).myNotifications.edges;
    expect(notification!.node.notification).toMatchObject({ title: '1 contact handed over to you by Alice', data: { contactCount: 1, followUpCount: 1 } });
    // The record keeps its author's name after the author left.
    const [record] = (await bob.client.ok(ContactInteractionsDocument, { id: contact.id, first: 5 })).contact!.interactions.edges;
    expect(record!.node).toMatchObject({ summary: 'met', authorName: 'Alice', author: null });
    const [followUp] = (await bob.client.ok(ContactFollowUpsDocument, { id: contact.id, first: 5 })).contact!.followUps.nodes;
    expect(followUp).toMatchObject({ id: onOwn.id, authorName: 'Alice', author: null, assignee: { id: bob.memberId } });
  });
});

describe('joining an org brings the contact-card links along [002]', () => {
  it('materialises the links of a person in no org when they accept an invitation, and when they create an org', async () => {
    const seller = await createOrgWithOwner(anonymous, 'Seller Co');
    const mei = await seedActiveMember(anonymous, seller.org.id, { name: 'Mei' });
    const card = (await mei.client.ok(CreateContactCardDocument)).createContactCard;
    const cardToken = card.url.slice(card.url.lastIndexOf('/') + 1);

    // A person in no org connects: the link is kept on their side only.
    const person = await signUpVerified(anonymous, 'Buyer');
    expect((await person.client.ok(ConnectViaContactCardDocument, { token: cardToken })).connectViaContactCard.orgsLinked).toBe(0);

    const buyerOrg = await createOrgWithOwner(anonymous, 'Buyer Co');
    await buyerOrg.client.ok(SendInvitationDocument, { input: { phone: person.phone, name: 'Buyer' } });
    const { acceptInvitation } = await person.client.ok(AcceptInvitationDocument, { token: await invitationTokenSentTo(person.phone) });
    const member = person.client.as(acceptInvitation.token);
    const contacts = (await member.ok(ContactsInDetailDocument, { first: 10 })).contacts.nodes;
    expect(contacts).toEqual([expect.objectContaining({ name: 'Mei', company: 'Seller Co', state: 'CONNECTED', source: 'CARD_LINK' })]);
    expect(contacts[0]!.connectedMembers).toEqual([{ id: acceptInvitation.member.id }]);

    // The same person creating an org of their own finds Mei there too.
    const { createOrg } = await person.client.ok(CreateOrgDocument, { input: { name: 'Own Co', code: uniqueOrgCode() } });
    const own = (await person.client.as(createOrg.token).ok(ContactsDocument, { first: 10 })).contacts.edges.map((edge) => edge.node.name);
    expect(own).toEqual(['Mei']);
    // And nothing was duplicated in the org joined first.
    expect((await member.ok(ContactsDocument, { first: 10 })).contacts.edges).toHaveLength(1);
  });

  it('materialises them when a DISABLED member is enabled again (connections made meanwhile reached no org)', async () => {
    const seller = await createOrgWithOwner(anonymous, 'Seller Co');
    const mei = await seedActiveMember(anonymous, seller.org.id, { name: 'Mei' });
    const card = (await mei.client.ok(CreateContactCardDocument)).createContactCard;
    const buyerOrg = await createOrgWithOwner(anonymous, 'Buyer Co');
    const buyer = await seedActiveMember(anonymous, buyerOrg.org.id, { name: 'Buyer' });
    await buyerOrg.client.ok(SetMemberStatusDocument, { input: { id: buyer.memberId, status: 'DISABLED' } });
    const connected = (await buyer.client.ok(ConnectViaContactCardDocument, { token: card.url.slice(card.url.lastIndexOf('/') + 1) })).connectViaContactCard;
    expect(connected.orgsLinked).toBe(0);
    expect(await sql('select 1 from contacts where org_id = $1', [rawIdOf(buyerOrg.org.id)])).toHaveLength(0);

    await buyerOrg.client.ok(SetMemberStatusDocument, { input: { id: buyer.memberId, status: 'ACTIVE' } });
    const contacts = (await buyer.client.ok(ContactsInDetailDocument, { first: 10 })).contacts.nodes;
    expect(contacts).toEqual([expect.objectContaining({ name: 'Mei', state: 'CONNECTED', owner: { id: buyer.memberId, name: 'Buyer' } })]);
  });

  it('a link that cannot be mirrored (the phone belongs to another person’s contact there) is skipped, never refusing the join', async () => {
    const seller = await createOrgWithOwner(anonymous, 'Seller Co');
    const mei = await seedActiveMember(anonymous, seller.org.id, { name: 'Mei' });
    const card = (await mei.client.ok(CreateContactCardDocument)).createContactCard;
    const person = await signUpVerified(anonymous, 'Buyer');
    await person.client.ok(ConnectViaContactCardDocument, { token: card.url.slice(card.url.lastIndexOf('/') + 1) });
    const second = await createOrgWithOwner(anonymous, 'Second Seller');
    const li = await seedActiveMember(anonymous, second.org.id, { name: 'Li' });
    const liCard = (await li.client.ok(CreateContactCardDocument)).createContactCard;
    await person.client.ok(ConnectViaContactCardDocument, { token: liCard.url.slice(liCard.url.lastIndexOf('/') + 1) });

    // In the org to join, Mei's phone is already on a contact linked with somebody else.
    const buyerOrg = await createOrgWithOwner(anonymous, 'Buyer Co');
    const taken = (await buyerOrg.client.ok(CreateContactDocument, { input: { name: 'Not Mei', phones: [mei.phone] } })).createContact;
    const stranger = await signUpVerified(anonymous, 'Stranger');
    await sql('update contacts set linked_user_id = $1 where id = $2', [rawIdOf(stranger.userId), rawIdOf(taken.id)]);

    await buyerOrg.client.ok(SendInvitationDocument, { input: { phone: person.phone, name: 'Buyer' } });
    const { acceptInvitation } = await person.client.ok(AcceptInvitationDocument, { token: await invitationTokenSentTo(person.phone) });
    expect(acceptInvitation.member.id).toEqual(expect.any(String));
    // Mei's link is skipped; the person's other link (Li, connected after Mei) still comes along.
    const names = (await person.client.as(acceptInvitation.token).ok(ContactsDocument, { first: 10 })).contacts.edges.map((edge) => edge.node.name);
    expect(names).toEqual(['Li']);
    const [row] = await sql<{ linked_user_id: string; connected_member_ids: string[] }>('select linked_user_id, connected_member_ids from contacts where id = $1', [rawIdOf(taken.id)]);
    expect(row).toEqual({ linked_user_id: rawIdOf(stranger.userId), connected_member_ids: [] });

  });
});

describe('the bin is emptied after 30 days', () => {
  it('contact-purge deletes contacts deleted more than 30 days ago with their records and follow-ups, and keeps the younger ones restorable', async () => {
    const { alice, contact, create } = await followUpOrg();
    const young = await create(alice, { name: 'Deleted yesterday' });
    await alice.client.ok(RecordInteractionDocument, { input: { contactId: contact.id, kind: 'NOTE', at: '2026-03-03T09:00:00.000Z', summary: 'note' } });
    const followUp = await scheduled(alice.client, contact.id);
    await alice.client.ok(DeleteContactDocument, { id: contact.id });
    await alice.client.ok(DeleteContactDocument, { id: young.id });
    await sql(`update contacts set deleted_at = now() - interval '31 days' where id = $1`, [rawIdOf(contact.id)]);
    await sql(`update contacts set deleted_at = now() - interval '29 days' where id = $1`, [rawIdOf(young.id)]);

    expect(await contactPurgeJob(gateway.app).runOnce()).toBe(1);
    expect(await sql('select 1 from contacts where id = $1', [rawIdOf(contact.id)])).toHaveLength(0);
    expect(await sql('select 1 from contact_interactions where contact_id = $1', [rawIdOf(contact.id)])).toHaveLength(0);
    expect(await sql('select 1 from contact_follow_ups where id = $1', [rawIdOf(followUp.id)])).toHaveLength(0);
    expect(errorCode(await alice.client.request(RestoreContactDocument, { id: contact.id }))).toBe('NOT_FOUND');
    expect((await alice.client.ok(RestoreContactDocument, { id: young.id })).restoreContact.name).toBe('Deleted yesterday');
    expect((await alice.client.ok(ContactDocument, { id: young.id })).contact!.name).toBe('Deleted yesterday');
  });
});
