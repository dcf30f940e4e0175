import { beforeAll, describe, expect, it } from 'vitest';
import {
  AssignRoleDocument,
  CreateRoleDocument,
  MarkAllNotificationsReadDocument,
  MarkNotificationsReadDocument,
  MyAnnouncementsDocument,
  MyNotificationsDocument,
  NotificationDeliveryNodeDocument,
  NotificationReceiptsDocument,
  PublishAnnouncementDocument,
  RemoveMemberDocument,
  SendNotificationDocument,
  SentNotificationsDocument,
  UnreadNotificationCountDocument,
  type NotificationAudienceInput,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { notificationRowCounts, placeMember, seedMembersInOneStatement } from './support/notifications';
import { seedActiveMember, type SeededMember } from './support/seed-member';
import { insertDepartment, rawIdOf, sql, toGlobalId, type SeededDepartment } from './support/sql-fixtures';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

type Org = Awaited<ReturnType<typeof createOrgWithOwner>>;

function send(sender: GraphQLClient, audience: NotificationAudienceInput, title = 'Fire drill at 3pm', body = 'Meet at the north gate.') {
  return sender.request(SendNotificationDocument, { input: { title, body, audience } });
}

/** Members who received a notification, as its sender sees them. */
async function recipientsOf(sender: GraphQLClient, notificationId: string): Promise<string[]> {
  const { node } = await sender.ok(NotificationReceiptsDocument, { id: notificationId, first: 100 });
  if (node?.__typename !== 'Notification') throw new Error('not a notification');
  return node.recipients!.nodes.map((delivery) => delivery.member!.id).sort();
}

/**
 * root > A > A1 > A1a, root > B, and members placed with SQL: inA, inA1a, inAandB (two targeted departments), inB,
 * pendingInA, disabledInA1, and a custom role "Safety officer" held by inB and disabledInA1.
 */
async function treeOrg() {
  const org = await createOrgWithOwner(client);
  const a = await insertDepartment(org.org.id, 'A');
  const a1 = await insertDepartment(org.org.id, 'A1', a.id);
  const a1a = await insertDepartment(org.org.id, 'A1a', a1.id);
  const b = await insertDepartment(org.org.id, 'B');
  const { createRole } = await org.client.ok(CreateRoleDocument, { input: { name: 'Safety officer', permissions: [] } });
  const safety = createRole.id;
  const members = {
    inA: await placeMember(org.org.id, [a.id], { name: 'In A' }),
    inA1a: await placeMember(org.org.id, [a1a.id], { name: 'In A1a' }),
    inAandB: await placeMember(org.org.id, [a.id, b.id], { name: 'In A and B' }),
    inB: await placeMember(org.org.id, [b.id], { name: 'In B', roleIds: [safety] }),
    pendingInA: await placeMember(org.org.id, [a.id], { name: 'Pending', status: 'PENDING' }),
    disabledInA1: await placeMember(org.org.id, [a1.id], { name: 'Disabled', status: 'DISABLED', roleIds: [safety] }),
  };
  return { org, departments: { a, a1, a1a, b }, safety, members };
}

describe('audience resolution', () => {
  it('reaches whole department subtrees, role holders and named members, each active member once', async () => {
    const { org, departments, safety, members } = await treeOrg();

    const byDepartments = await send(org.client, { departmentIds: [departments.a.id, departments.b.id] });
    expect(byDepartments.errors).toBeUndefined();
    const sent = byDepartments.data!.sendNotification;
    expect(sent).toMatchObject({ kind: 'NOTIFICATION', priority: 'NORMAL', recipientCount: 4, readCount: 0, sender: { id: org.member.id } });
    // A's subtree (A1a two levels down) and B; the member in both departments once; pending and disabled members not at all.
    expect(await recipientsOf(org.client, sent.id)).toEqual([members.inA, members.inA1a, members.inAandB, members.inB].sort());
    const [{ count }] = await sql<{ count: number }>('select count(*)::int as count from notification_deliveries where notification_id = $1', [rawIdOf(sent.id)]);
    expect(count).toBe(4);

    const byRole = (await send(org.client, { roleIds: [safety], departmentIds: [departments.a1.id], memberIds: [members.inB, members.inB] })).data!.sendNotification;
    expect(byRole.recipientCount).toBe(2); // inB (role and named twice), inA1a (A1's subtree); the disabled holder left out
    expect(await recipientsOf(org.client, byRole.id)).toEqual([members.inA1a, members.inB].sort());
    expect(byRole.audience).toEqual({ memberIds: [members.inB], departmentIds: [departments.a1.id], roleIds: [safety], everyone: false });

    const everyone = (await send(org.client, { everyone: true })).data!.sendNotification;
    expect(everyone.recipientCount).toBe(5); // the owner and the four active members
    expect(await recipientsOf(org.client, everyone.id)).toContain(org.member.id);
  });

  it('writes a 10,000-member announcement set-based, in a fixed number of statements', async () => {
    const org = await createOrgWithOwner(client);
    await seedMembersInOneStatement(org.org.id, 10_000);
    const result = await org.client.request(PublishAnnouncementDocument, { input: { title: 'Quarterly all-hands', body: 'Friday 10:00.', audience: { everyone: true } } });
    expect(result.errors).toBeUndefined();
    expect(result.data!.publishAnnouncement).toMatchObject({ kind: 'ANNOUNCEMENT', recipientCount: 10_001 });
    // Viewer, checks, one statement for all deliveries, the event, the notification, the audit entry: not one per member.
    expect(result.extensions!.sqlStatements).toBeLessThanOrEqual(15);
    const [row] = await sql<{ rows: number; recipients: number }>(
      'select count(*)::int as rows, count(distinct recipient_id)::int as recipients from notification_deliveries where notification_id = $1',
      [rawIdOf(result.data!.publishAnnouncement.id)],
    );
    expect(row).toEqual({ rows: 10_001, recipients: 10_001 });

    const page = await org.client.ok(NotificationReceiptsDocument, { id: result.data!.publishAnnouncement.id, first: 100, read: false });
    if (page.node?.__typename !== 'Notification') throw new Error('not a notification');
    expect(page.node.recipients).toMatchObject({ totalCount: 10_001, pageInfo: { hasNextPage: true } });
    expect(page.node.recipients!.nodes).toHaveLength(100);
  });
});

describe('who may send to whom', () => {
  let tree: Awaited<ReturnType<typeof treeOrg>>;
  let subAdmin: SeededMember;
  beforeAll(async () => {
    tree = await treeOrg();
    subAdmin = await seedActiveMember(client, tree.org.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [tree.departments.a.id], departmentId: tree.departments.a.id });
  });

  it('lets a SUB_ADMIN notify members of its subtree only, naming what reaches outside', async () => {
    const { org, departments, safety, members } = tree;
    const before = await notificationRowCounts(org.org.id);

    const inScope = await send(subAdmin.client, { departmentIds: [departments.a1.id], memberIds: [members.inA] });
    expect(inScope.data!.sendNotification.recipientCount).toBe(2);

    const refusals: Array<[NotificationAudienceInput, RegExp]> = [
      [{ departmentIds: [departments.b.id] }, /department "B" is outside/],
      [{ everyone: true }, /"everyone" reaches outside/],
      [{ memberIds: [members.inA, members.inB] }, /1 member of the audience is outside/],
      [{ roleIds: [safety] }, /1 member of the audience is outside/],
    ];
    for (const [audience, reason] of refusals) {
      const refused = await send(subAdmin.client, audience);
      expect(errorCode(refused), JSON.stringify(audience)).toBe('FORBIDDEN');
      expect(refused.errors![0]!.message).toMatch(reason);
    }
    const after = await notificationRowCounts(org.org.id);
    expect(after).toEqual({ notifications: before.notifications + 1, deliveries: before.deliveries + 2, audit: before.audit + 1 });
  });

  it('refuses plain members, and lets custom roles granting NOTIFICATIONS CREATE send within their scope', async () => {
    const { org, departments, members } = tree;
    const plain = await seedActiveMember(client, org.org.id, { departmentId: departments.b.id });
    expect(errorCode(await send(plain.client, { departmentIds: [departments.b.id] }))).toBe('FORBIDDEN');

    const { createRole } = await org.client.ok(CreateRoleDocument, {
      input: { name: 'Notifier', permissions: [{ module: 'NOTIFICATIONS', actions: ['CREATE'] }] },
    });
    const scoped = await seedActiveMember(client, org.org.id, { departmentId: departments.b.id });
    await org.client.ok(AssignRoleDocument, { input: { memberId: scoped.memberId, roleId: createRole.id, scopeDepartmentIds: [departments.b.id] } });
    const toB = await send(scoped.client, { departmentIds: [departments.b.id] });
    expect(toB.data!.sendNotification.recipientCount).toBe(4); // inAandB, inB, plain, scoped
    expect(errorCode(await send(scoped.client, { memberIds: [members.inA] }))).toBe('FORBIDDEN');

    const orgWide = await seedActiveMember(client, org.org.id, { departmentId: departments.b.id });
    await org.client.ok(AssignRoleDocument, { input: { memberId: orgWide.memberId, roleId: createRole.id } });
    expect((await send(orgWide.client, { everyone: true })).data!.sendNotification.recipientCount).toBe(9);
  });
});

describe('bad input', () => {
  it('answers with stable codes and writes nothing', async () => {
    const { org, departments, members } = await treeOrg();
    const other = await createOrgWithOwner(client);
    const foreignDepartment: SeededDepartment = await insertDepartment(other.org.id, 'Elsewhere');
    const before = await notificationRowCounts(org.org.id);

    const cases: Array<[string, Promise<{ errors?: Array<{ extensions?: Record<string, unknown> }> }>, string, string?]> = [
      ['empty audience', send(org.client, {}), 'BAD_USER_INPUT', 'audience'],
      ['empty lists', send(org.client, { memberIds: [], departmentIds: [], everyone: false }), 'BAD_USER_INPUT', 'audience'],
      ['member of another org', send(org.client, { memberIds: [members.inA, other.member.id] }), 'NOT_FOUND'],
      ['department of another org', send(org.client, { departmentIds: [foreignDepartment.id] }), 'NOT_FOUND'],
      ['malformed id', send(org.client, { memberIds: ['not-an-id'] }), 'NOT_FOUND'],
      ['a department id as member id', send(org.client, { memberIds: [departments.a.id] }), 'NOT_FOUND'],
      ['nobody active', send(org.client, { memberIds: [members.pendingInA, members.disabledInA1] }), 'BAD_USER_INPUT', 'audience'],
      ['title of 201 characters', send(org.client, { everyone: true }, 'x'.repeat(201)), 'BAD_USER_INPUT', 'title'],
      ['blank title', send(org.client, { everyone: true }, '   '), 'BAD_USER_INPUT', 'title'],
      ['body of 20,001 characters', send(org.client, { everyone: true }, 'Title', 'y'.repeat(20_001)), 'BAD_USER_INPUT', 'body'],
      [
        'announcement expiring in the past',
        org.client.request(PublishAnnouncementDocument, {
          input: { title: 'Old', body: 'News', audience: { everyone: true }, expiresAt: new Date(Date.now() - 1000).toISOString() },
        }),
        'BAD_USER_INPUT',
        'expiresAt',
      ],
    ];
    for (const [name, request, code, field] of cases) {
      const result = await request;
      expect(result.errors?.[0]?.extensions?.code, name).toBe(code);
      if (field) expect(result.errors![0]!.extensions!.field, name).toBe(field);
    }
    expect(await notificationRowCounts(org.org.id)).toEqual(before);
    // The limits themselves are accepted.
    const longest = await send(org.client, { memberIds: [members.inA] }, 't'.repeat(200), 'b'.repeat(20_000));
    expect(longest.data!.sendNotification.recipientCount).toBe(1);
  });
});

describe('receiving', () => {
  let org: Org;
  let alice: SeededMember;
  let bob: SeededMember;
  beforeAll(async () => {
    org = await createOrgWithOwner(client);
    alice = await seedActiveMember(client, org.org.id, { name: 'Alice' });
    bob = await seedActiveMember(client, org.org.id, { name: 'Bob' });
  });

  it('lists the member’s notifications newest first, counts unread ones, and shows receipts to the sender only', async () => {
    const ids: string[] = [];
    for (const title of ['First', 'Second', 'Third']) {
      ids.push((await send(org.client, { memberIds: [alice.memberId, bob.memberId] }, title)).data!.sendNotification.id);
    }
    await send(org.client, { memberIds: [bob.memberId] }, 'Only Bob');

    const firstPage = await alice.client.ok(MyNotificationsDocument, { first: 2 });
    expect(firstPage.myNotifications.totalCount).toBe(3);
    expect(firstPage.myNotifications.edges.map((edge) => edge.node.notification.title)).toEqual(['Third', 'Second']);
    expect(firstPage.myNotifications.edges[0]!.node).toMatchObject({
      read: false,
      readAt: null,
      member: { id: alice.memberId },
      notification: { kind: 'NOTIFICATION', body: 'Meet at the north gate.', sender: { id: org.member.id }, recipientCount: null, readCount: null },
    });
    const secondPage = await alice.client.ok(MyNotificationsDocument, { first: 2, after: firstPage.myNotifications.pageInfo.endCursor });
    expect(secondPage.myNotifications.edges.map((edge) => edge.node.notification.title)).toEqual(['First']);
    expect(secondPage.myNotifications.pageInfo.hasNextPage).toBe(false);
    expect((await alice.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(3);

    const third = firstPage.myNotifications.edges[0]!.node;
    const [marked] = (await alice.client.ok(MarkNotificationsReadDocument, { ids: [third.id] })).markNotificationsRead;
    expect(marked).toMatchObject({ id: third.id, read: true });
    expect((await alice.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(2);
    const unread = await alice.client.ok(MyNotificationsDocument, { first: 10, filter: { unread: true } });
    expect(unread.myNotifications.edges.map((edge) => edge.node.notification.title)).toEqual(['Second', 'First']);
    // Marking again keeps the first read time.
    const [again] = (await alice.client.ok(MarkNotificationsReadDocument, { ids: [third.id] })).markNotificationsRead;
    expect(again!.readAt).toBe(marked!.readAt);

    // Receipts: the sender sees who read it; a recipient does not.
    const receipts = await org.client.ok(NotificationReceiptsDocument, { id: ids[2]!, first: 10 });
    if (receipts.node?.__typename !== 'Notification') throw new Error('not a notification');
    expect(receipts.node).toMatchObject({ recipientCount: 2, readCount: 1 });
    const readers = await org.client.ok(NotificationReceiptsDocument, { id: ids[2]!, first: 10, read: true });
    if (readers.node?.__typename !== 'Notification') throw new Error('not a notification');
    expect(readers.node.recipients!.nodes).toMatchObject([{ read: true, member: { id: alice.memberId, name: 'Alice' } }]);
    const notReaders = await org.client.ok(NotificationReceiptsDocument, { id: ids[2]!, first: 10, read: false });
    if (notReaders.node?.__typename !== 'Notification') throw new Error('not a notification');
    expect(notReaders.node.recipients!.nodes.map((node) => node.member!.id)).toEqual([bob.memberId]);
    const asRecipient = await alice.client.ok(NotificationReceiptsDocument, { id: ids[2]!, first: 10 });
    if (asRecipient.node?.__typename !== 'Notification') throw new Error('not a notification');
    expect(asRecipient.node).toMatchObject({ recipientCount: null, readCount: null, recipients: null });

    expect(await alice.client.ok(MarkAllNotificationsReadDocument)).toEqual({ markAllNotificationsRead: 2 });
    expect((await alice.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(0);
    expect((await bob.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(4);
  });

  it("answers NOT_FOUND for another member's delivery and never marks it, nor the viewer's own in the same call", async () => {
    const sent = (await send(org.client, { memberIds: [alice.memberId, bob.memberId] }, 'Mine and yours')).data!.sendNotification;
    const aliceDelivery = (await alice.client.ok(MyNotificationsDocument, { first: 1 })).myNotifications.edges[0]!.node;
    const bobDelivery = (await bob.client.ok(MyNotificationsDocument, { first: 1 })).myNotifications.edges[0]!.node;
    expect(aliceDelivery.notification.id).toBe(sent.id);
    expect(bobDelivery.notification.id).toBe(sent.id);

    expect(errorCode(await alice.client.request(MarkNotificationsReadDocument, { ids: [bobDelivery.id] }))).toBe('NOT_FOUND');
    expect(errorCode(await alice.client.request(MarkNotificationsReadDocument, { ids: [aliceDelivery.id, bobDelivery.id] }))).toBe('NOT_FOUND');
    expect(errorCode(await alice.client.request(MarkNotificationsReadDocument, { ids: [toGlobalId('Member', rawIdOf(alice.memberId))] }))).toBe('NOT_FOUND');
    expect(errorCode(await alice.client.request(MarkNotificationsReadDocument, { ids: [] }))).toBe('BAD_USER_INPUT');
    expect((await bob.client.ok(MyNotificationsDocument, { first: 1 })).myNotifications.edges[0]!.node.read).toBe(false);
    expect((await alice.client.ok(MyNotificationsDocument, { first: 1 })).myNotifications.edges[0]!.node.read).toBe(false);
    // Nor can one read it through node(id).
    expect(errorCode(await alice.client.request(NotificationDeliveryNodeDocument, { id: bobDelivery.id }))).toBe('NOT_FOUND');
    const own = await alice.client.ok(NotificationDeliveryNodeDocument, { id: aliceDelivery.id });
    expect(own.node).toMatchObject({ id: aliceDelivery.id, notification: { title: 'Mine and yours' } });
  });

  it('drops the deliveries of a removed member', async () => {
    const leaving = await seedActiveMember(client, org.org.id, { name: 'Leaving' });
    const sent = (await send(org.client, { memberIds: [leaving.memberId, alice.memberId] }, 'Before leaving')).data!.sendNotification;
    await org.client.ok(RemoveMemberDocument, { input: { id: leaving.memberId, mode: 'DELETE' } });
    expect(await recipientsOf(org.client, sent.id)).toEqual([alice.memberId]);
  });
});

describe('announcements', () => {
  it('lists pinned announcements first and hides expired ones', async () => {
    const org = await createOrgWithOwner(client);
    const reader = await seedActiveMember(client, org.org.id);
    const publish = async (title: string, pinned = false, expiresAt?: string) =>
      (await org.client.ok(PublishAnnouncementDocument, { input: { title, body: 'Details inside.', audience: { everyone: true }, pinned, expiresAt } }))
        .publishAnnouncement;
    await publish('Canteen menu');
    const pinned = await publish('Safety rules', true);
    expect(pinned).toMatchObject({ pinned: true, recipientCount: 2 });
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    const expiring = await publish('Parking closed today', false, expiresAt);
    expect(expiring).toMatchObject({ kind: 'ANNOUNCEMENT', pinned: false, expiresAt });
    await publish('New coffee machine');
    await send(org.client, { memberIds: [reader.memberId] }, 'Not an announcement');

    const list = await reader.client.ok(MyAnnouncementsDocument, { first: 10 });
    expect(list.myAnnouncements.nodes.map((node) => node.notification.title)).toEqual(['Safety rules', 'New coffee machine', 'Parking closed today', 'Canteen menu']);
    const page = await reader.client.ok(MyAnnouncementsDocument, { first: 2 });
    const rest = await reader.client.ok(MyAnnouncementsDocument, { first: 10, after: page.myAnnouncements.pageInfo.endCursor });
    expect(rest.myAnnouncements.nodes.map((node) => node.notification.title)).toEqual(['Parking closed today', 'Canteen menu']);

    await sql(`update notifications set expires_at = now() - interval '1 second' where id = $1`, [rawIdOf(expiring.id)]);
    const after = await reader.client.ok(MyAnnouncementsDocument, { first: 10 });
    expect(after.myAnnouncements.nodes.map((node) => node.notification.title)).not.toContain('Parking closed today');
    const all = await reader.client.ok(MyNotificationsDocument, { first: 10 });
    expect(all.myNotifications.totalCount).toBe(4);
    expect((await reader.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(4);
    const onlyAnnouncements = await reader.client.ok(MyNotificationsDocument, { first: 10, filter: { kind: 'ANNOUNCEMENT' } });
    expect(onlyAnnouncements.myNotifications.totalCount).toBe(3);
  });

  it('lists sent notifications to admins in full and to other senders their own', async () => {
    const org = await createOrgWithOwner(client);
    const department = await insertDepartment(org.org.id, 'Ward');
    const subAdmin = await seedActiveMember(client, org.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [department.id], departmentId: department.id });
    const admin = await seedActiveMember(client, org.org.id, { role: 'ADMIN' });
    await send(org.client, { everyone: true }, 'From the owner');
    const own = (await send(subAdmin.client, { departmentIds: [department.id] }, 'From the sub-admin')).data!.sendNotification;

    const asAdmin = await admin.client.ok(SentNotificationsDocument, { first: 10 });
    expect(asAdmin.sentNotifications.nodes.map((node) => node.title)).toEqual(['From the sub-admin', 'From the owner']);
    expect(asAdmin.sentNotifications.nodes[0]).toMatchObject({ recipientCount: 1, readCount: 0, sender: { id: subAdmin.memberId } });
    const asSubAdmin = await subAdmin.client.ok(SentNotificationsDocument, { first: 10 });
    expect(asSubAdmin.sentNotifications.nodes.map((node) => node.id)).toEqual([own.id]);
    const ownerAnnouncements = await admin.client.ok(SentNotificationsDocument, { first: 10, filter: { kind: 'ANNOUNCEMENT' } });
    expect(ownerAnnouncements.sentNotifications.totalCount).toBe(0);
  });
});
