import { beforeAll, describe, expect, it } from 'vitest';
import { NotificationKind, notifyMembers } from '../src/modules/notifications';
import { withEvents } from '../src/realtime/events';
import type { Gateway } from '../src/server';
import {
  MarkNotificationsReadDocument,
  MyNotificationsDocument,
  NotificationReceivedDocument,
  RemoveMemberDocument,
  ResendInvitationDocument,
  SendInvitationDocument,
  SendNotificationDocument,
  UnreadNotificationCountDocument,
  UpdateMemberDocument,
  type NotificationReceivedSubscription,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser } from './support/factories';
import { startTestGateway } from './support/gateway';
import { signUpVerified } from './support/invitations';
import { spawnGateway } from './support/process';
import { seedActiveMember, type SeededMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo, type TestSubscription } from './support/subscriptions';
import { connectWs } from './support/ws';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  // No periodic sweep: what arrives came through Redis or a replay from the log.
  gateway = await startTestGateway({ eventSweepMs: 0 });
  client = new GraphQLClient(gateway.url);
});

type Received = NotificationReceivedSubscription['notificationReceived'];
const titles = (sub: TestSubscription<NotificationReceivedSubscription>, from = 0) => sub.results.slice(from).map((result) => result.notificationReceived.notification.title);

function notify(sender: GraphQLClient, memberIds: string[], title: string) {
  return sender.ok(SendNotificationDocument, { input: { title, body: `Body of ${title}`, audience: { memberIds } } });
}

/** Subscribes and sends probes to `member` until one arrives: proof the subscription is live (it starts from now). */
async function liveSubscription(url: string, sender: GraphQLClient, member: SeededMember, after?: string) {
  const sub = subscribeTo(connectWs(url, member.client.token).client, NotificationReceivedDocument, after ? { after } : {});
  let probe = 0;
  await sub.untilLive(() => notify(sender, [member.memberId], `Probe ${++probe}`));
  return sub;
}

function last(sub: TestSubscription<NotificationReceivedSubscription>): Received {
  return sub.results.at(-1)!.notificationReceived;
}

describe('notificationReceived', () => {
  it('delivers each notification live to its recipients only, with its sender and a resume cursor', async () => {
    const org = await createOrgWithOwner(client);
    const alice = await seedActiveMember(client, org.org.id, { name: 'Alice' });
    const bob = await seedActiveMember(client, org.org.id, { name: 'Bob' });
    const toAlice = await liveSubscription(gateway.url, org.client, alice);
    const toBob = await liveSubscription(gateway.url, org.client, bob);
    const seenByAlice = toAlice.results.length;
    const seenByBob = toBob.results.length;

    const sent = (await notify(org.client, [alice.memberId], 'For Alice only')).sendNotification;
    const [received] = (await toAlice.take(seenByAlice + 1)).slice(seenByAlice);
    expect(received!.notificationReceived).toMatchObject({
      read: false,
      member: { id: alice.memberId },
      notification: { id: sent.id, kind: 'NOTIFICATION', title: 'For Alice only', body: 'Body of For Alice only', data: {}, sender: { id: org.member.id } },
    });
    expect(received!.notificationReceived.cursor).toEqual(expect.any(String));
    // The delivery is the one in Alice's list.
    const listed = await alice.client.ok(MyNotificationsDocument, { first: 1 });
    expect(listed.myNotifications.edges[0]!.node.id).toBe(received!.notificationReceived.id);

    await notify(org.client, [bob.memberId], 'For Bob only');
    await toBob.take(seenByBob + 1);
    expect(titles(toBob, seenByBob)).toEqual(['For Bob only']);
    await toAlice.expectNoMoreThan(seenByAlice + 1, 300);
  });

  it('resumes after a reconnect with exactly the notifications missed, in order, then live ones', async () => {
    const org = await createOrgWithOwner(client);
    const alice = await seedActiveMember(client, org.org.id, { name: 'Alice' });
    const bob = await seedActiveMember(client, org.org.id, { name: 'Bob' });
    const first = await liveSubscription(gateway.url, org.client, alice);
    const cursor = last(first).cursor!;
    first.dispose();

    // While Alice is away: three for her, one for Bob only, and events of other topics in between.
    await notify(org.client, [alice.memberId], 'Missed 1');
    await notify(org.client, [bob.memberId], 'Not for Alice');
    await org.client.ok(UpdateMemberDocument, { input: { id: bob.memberId, name: 'Robert' } });
    await notify(org.client, [alice.memberId, bob.memberId], 'Missed 2');
    await notify(org.client, [alice.memberId], 'Missed 3');

    const resumed = subscribeTo(connectWs(gateway.url, alice.client.token).client, NotificationReceivedDocument, { after: cursor });
    await resumed.take(3);
    expect(titles(resumed)).toEqual(['Missed 1', 'Missed 2', 'Missed 3']);
    await notify(org.client, [alice.memberId], 'Live again');
    await resumed.take(4);
    expect(titles(resumed)).toEqual(['Missed 1', 'Missed 2', 'Missed 3', 'Live again']);
    await resumed.expectNoMoreThan(4, 300);

    // Resuming from the middle replays only what follows.
    const middle = resumed.results[1]!.notificationReceived.cursor!;
    const again = subscribeTo(connectWs(gateway.url, alice.client.token).client, NotificationReceivedDocument, { after: middle });
    await again.take(2);
    expect(titles(again)).toEqual(['Missed 3', 'Live again']);
    await again.expectNoMoreThan(2, 300);
    resumed.dispose();
    again.dispose();
  });

  it('refuses bad cursors and cursors of another org, and ends when the member is removed', async () => {
    const org = await createOrgWithOwner(client);
    const alice = await seedActiveMember(client, org.org.id, { name: 'Alice' });
    const ws = connectWs(gateway.url, alice.client.token).client;
    expect(await subscribeTo(ws, NotificationReceivedDocument, { after: 'garbage' }).endedWith()).toBe('BAD_USER_INPUT');
    const other = await createOrgWithOwner(client);
    const foreign = Buffer.from(JSON.stringify({ o: [rawIdOf(other.org.id), 0], u: null })).toString('base64url');
    expect(await subscribeTo(ws, NotificationReceivedDocument, { after: foreign }).endedWith()).toBe('BAD_USER_INPUT');
    const ahead = Buffer.from(JSON.stringify({ o: [rawIdOf(org.org.id), 1_000_000], u: null })).toString('base64url');
    expect(await subscribeTo(ws, NotificationReceivedDocument, { after: ahead }).endedWith()).toBe('BAD_USER_INPUT');

    // Removal ends the stream at once, not at the next notification (there will be none).
    const sub = await liveSubscription(gateway.url, org.client, alice);
    await org.client.ok(RemoveMemberDocument, { input: { id: alice.memberId, mode: 'DELETE' } });
    expect(await sub.endedWith()).toBe('FORBIDDEN');
  });

  it('delivers system notifications written inside another module’s transaction once it commits, and nothing of a rollback', async () => {
    const org = await createOrgWithOwner(client);
    const alice = await seedActiveMember(client, org.org.id, { name: 'Alice' });
    const sub = await liveSubscription(gateway.url, org.client, alice);
    const seen = sub.results.length;
    const transfer = (tx: Parameters<typeof notifyMembers>[0], title: string) =>
      notifyMembers(tx, gateway.app, {
        orgId: rawIdOf(org.org.id),
        kind: NotificationKind.CONTACT_TRANSFER,
        title,
        body: '3 contacts of Zhang Wei are now yours.',
        memberIds: [rawIdOf(alice.memberId), rawIdOf(alice.memberId)],
        data: { contactCount: 3 },
      });

    await gateway.app.orm.em
      .fork()
      .transactional(async (tx) => {
        await transfer(tx, 'Rolled back');
        throw new Error('the hand-over failed');
      })
      .catch(() => undefined);
    // Nested in withEvents, as the contacts module would call it.
    const written = await withEvents(gateway.app.orm.em.fork(), gateway.app, (tx) => transfer(tx, 'Contacts transferred to you'));
    expect(written).toMatchObject({ kind: 'CONTACT_TRANSFER', recipientCount: 1 });

    const [received] = (await sub.take(seen + 1)).slice(seen);
    expect(received!.notificationReceived.notification).toMatchObject({ kind: 'CONTACT_TRANSFER', title: 'Contacts transferred to you', data: { contactCount: 3 }, sender: null });
    await sub.expectNoMoreThan(seen + 1, 300);
    const [{ count }] = await sql<{ count: number }>(`select count(*)::int as count from notifications where org_id = $1 and title = 'Rolled back'`, [rawIdOf(org.org.id)]);
    expect(count).toBe(0);
    const none = await notifyMembers(gateway.app.orm.em.fork(), gateway.app, {
      orgId: rawIdOf(org.org.id),
      kind: NotificationKind.FOLLOW_UP,
      title: 'Nobody',
      body: 'No active member named',
      memberIds: [],
    });
    expect(none).toBeNull();
  });
});

describe('invitation notifications', () => {
  it('delivers an invitation to the user it is addressed to, live and in their list, before they are a member', async () => {
    const org = await createOrgWithOwner(client, 'Chaoyang Health Commission');
    const invitee = await signUpVerified(client, 'Invitee');
    const bystander = await signUpUser(client, 'Bystander');
    const sub = subscribeTo(connectWs(gateway.url, invitee.client.token).client, NotificationReceivedDocument, {});
    // A user with nothing to receive (no org, nothing verified) is told so.
    expect(await subscribeTo(connectWs(gateway.url, bystander.client.token).client, NotificationReceivedDocument, {}).endedWith()).toBe('FORBIDDEN');

    const sendInvitation = () =>
      org.client.ok(SendInvitationDocument, { input: { name: 'Invitee', phone: invitee.phone, message: 'Welcome to the team!' } });
    // The subscription starts from now: invite until it is live (later invitations are resends).
    let invitationId: string | null = null;
    await sub.untilLive(async () => {
      if (invitationId) await org.client.ok(ResendInvitationDocument, { id: invitationId });
      else invitationId = (await sendInvitation()).sendInvitation.invitation.id;
    }, 500);
    const received = sub.results[0]!.notificationReceived;
    expect(received).toMatchObject({
      member: null,
      notification: {
        kind: 'INVITATION',
        title: 'Invitation to join Chaoyang Health Commission',
        // The invitee saved no language: the org's default (English), with the expiry in its zone (UTC).
        body: expect.stringMatching(/^Owner invited you to join Chaoyang Health Commission\. The invitation is valid until .+ \(UTC\)\.\n\nWelcome to the team!$/),
        data: { invitationId, orgName: 'Chaoyang Health Commission' },
        sender: null,
      },
    });

    const listed = await invitee.client.ok(MyNotificationsDocument, { first: 10 });
    expect(listed.myNotifications.edges.map((edge) => edge.node.id)).toContain(received.id);
    expect((await invitee.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(listed.myNotifications.totalCount);
    await invitee.client.ok(MarkNotificationsReadDocument, { ids: [received.id] });
    expect((await invitee.client.ok(UnreadNotificationCountDocument)).unreadNotificationCount).toBe(listed.myNotifications.totalCount - 1);
    expect((await bystander.client.ok(MyNotificationsDocument, { first: 10 })).myNotifications.totalCount).toBe(0);

    // A resend arrives too, and resuming after the first replays it.
    const seen = sub.results.length;
    await org.client.ok(ResendInvitationDocument, { id: invitationId! });
    await sub.take(seen + 1);
    const resumed = subscribeTo(connectWs(gateway.url, invitee.client.token).client, NotificationReceivedDocument, { after: sub.results[seen - 1]!.notificationReceived.cursor });
    await resumed.take(1);
    expect(resumed.results[0]!.notificationReceived.id).toBe(sub.results[seen]!.notificationReceived.id);
    await resumed.expectNoMoreThan(1, 300);

    // An invitation to a phone no account has verified notifies nobody.
    const [{ count }] = await sql<{ count: number }>(`select count(*)::int as count from notifications where org_id = $1 and kind = 'INVITATION'`, [rawIdOf(org.org.id)]);
    await org.client.ok(SendInvitationDocument, { input: { name: 'Nobody yet', phone: '+8613700000000' } });
    const [{ count: after }] = await sql<{ count: number }>(`select count(*)::int as count from notifications where org_id = $1 and kind = 'INVITATION'`, [rawIdOf(org.org.id)]);
    expect(after).toBe(count);
  });
});

describe('across gateway processes', () => {
  it('delivers a notification sent through one process to a subscriber of another', async () => {
    // The subscriber's process has no sweep: only Redis can bring it the other process's event.
    const [subscriberSide, senderSide] = await Promise.all([spawnGateway({ EVENT_SWEEP_MS: '0' }), spawnGateway()]);
    const sender = new GraphQLClient(senderSide.url);
    const org = await createOrgWithOwner(sender);
    const alice = await seedActiveMember(sender, org.org.id, { name: 'Alice' });
    const sub = await liveSubscription(subscriberSide.url, org.client, alice);
    const seen = sub.results.length;

    await notify(org.client, [alice.memberId], 'Sent elsewhere');
    await sub.take(seen + 1);
    expect(titles(sub, seen)).toEqual(['Sent elsewhere']);
    sub.dispose();
  });
});
