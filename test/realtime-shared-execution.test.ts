import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gateway } from '../src/server';
import { UpdateMemberDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { seedActiveMember, type SeededMember } from './support/seed-member';
import { builtinRoleId, rawIdOf, sql } from './support/sql-fixtures';
import { TestSubscription, waitUntil } from './support/subscriptions';
import { connectWs } from './support/ws';

/** Selects a sensitive field (phone: the member themself, admins, sub-admins covering them). */
const QUERY = `subscription SharedMemberEvents($after: String) {
  memberEvents(after: $after) { id type memberId member { id name phone } }
}`;

type Event = { memberEvents: { id: string; type: string; memberId: string; member: { id: string; name: string; phone: string | null } | null } };

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway({ eventSweepMs: 0 });
  client = new GraphQLClient(gateway.url);
});

const stats = () => ({ ...gateway.app.realtime.sharedExecutions });

async function lastEventId(orgId: string): Promise<string> {
  const [row] = await sql<{ last: string }>('select last_event_id::text as last from orgs where id = $1', [rawIdOf(orgId)]);
  return row!.last;
}

function subscribe(member: { client: GraphQLClient }, after: string): TestSubscription<Event> {
  return new TestSubscription<Event>(connectWs(gateway.url, member.client.token).client, QUERY, { after });
}

describe('shared execution of subscription events', () => {
  it('executes an event once per visibility class, shows each class its own fields, and the member themself theirs', async () => {
    const org = await createOrgWithOwner(client);
    const subject = await seedActiveMember(client, org.org.id, { name: 'Subject' });
    const admins = [await seedActiveMember(client, org.org.id, { name: 'Admin 1', role: 'ADMIN' }), await seedActiveMember(client, org.org.id, { name: 'Admin 2', role: 'ADMIN' })];
    const members = [await seedActiveMember(client, org.org.id, { name: 'Member 1' }), await seedActiveMember(client, org.org.id, { name: 'Member 2' })];
    const after = await lastEventId(org.org.id);
    const everyone: Array<{ who: SeededMember; sub: TestSubscription<Event> }> = [...admins, ...members, subject].map((who) => ({ who, sub: subscribe(who, after) }));

    // Live once each has the first rename (replayed from the log or live, whichever comes first).
    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Subject 1' } });
    for (const { sub } of everyone) await sub.take(1);

    const before = stats();
    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Subject 2' } });
    await waitUntil(() => everyone.every(({ sub }) => sub.results.length >= 2), 'the second rename on every subscription');
    const delta = { shared: stats().shared - before.shared, served: stats().served - before.served, individual: stats().individual - before.individual };

    const phoneSeenBy = (who: SeededMember) => everyone.find((entry) => entry.who === who)!.sub.results[1]!.memberEvents.member!.phone;
    for (const admin of admins) expect(phoneSeenBy(admin)).toBe(subject.phone);
    for (const member of members) expect(phoneSeenBy(member)).toBeNull();
    expect(phoneSeenBy(subject)).toBe(subject.phone); // their own phone: an execution of their own
    for (const { sub } of everyone) expect(sub.results[1]!.memberEvents.member!.name).toBe('Subject 2');

    // Two classes (ADMIN, MEMBER): two executions for four subscribers; the subject alone on its own.
    expect(delta).toEqual({ shared: 2, served: 4, individual: 1 });
    for (const { sub } of everyone) {
      expect(sub.errors).toEqual([]);
      sub.dispose();
    }
  });

  it('re-checks access per subscriber at every event: a demoted admin leaves the class, a disabled member stops', async () => {
    const org = await createOrgWithOwner(client);
    const subject = await seedActiveMember(client, org.org.id, { name: 'Subject' });
    const [kept, demoted] = [await seedActiveMember(client, org.org.id, { name: 'Kept', role: 'ADMIN' }), await seedActiveMember(client, org.org.id, { name: 'Demoted', role: 'ADMIN' })];
    const disabled = await seedActiveMember(client, org.org.id, { name: 'Disabled' });
    const after = await lastEventId(org.org.id);
    const [keptSub, demotedSub, disabledSub] = [kept, demoted, disabled].map((who) => subscribe(who, after));

    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Subject 1' } });
    for (const sub of [keptSub, demotedSub, disabledSub]) await sub.take(1);
    expect(demotedSub.results[0]!.memberEvents.member!.phone).toBe(subject.phone);

    // Behind the gateway's back: no event tells the subscriptions about it, the next event's re-check must.
    await sql('update member_roles set role_id = $1 where member_id = $2', [rawIdOf(await builtinRoleId(org.org.id, 'MEMBER')), rawIdOf(demoted.memberId)]);
    await sql(`update members set status = 'DISABLED' where id = $1`, [rawIdOf(disabled.memberId)]);
    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Subject 2' } });

    await keptSub.take(2);
    await demotedSub.take(2);
    expect(keptSub.results[1]!.memberEvents.member).toMatchObject({ name: 'Subject 2', phone: subject.phone });
    expect(demotedSub.results[1]!.memberEvents.member).toMatchObject({ name: 'Subject 2', phone: null });
    expect(await disabledSub.endedWith()).toBe('FORBIDDEN');
    expect(disabledSub.results).toHaveLength(1);
    for (const sub of [keptSub, demotedSub]) sub.dispose();
  });

  it('re-checks each event of a burst: access revoked between two events stops exactly that subscriber, the others get every event in order', async () => {
    const org = await createOrgWithOwner(client);
    const subject = await seedActiveMember(client, org.org.id, { name: 'Subject' });
    const watchers = [await seedActiveMember(client, org.org.id, { name: 'Watcher 1' }), await seedActiveMember(client, org.org.id, { name: 'Watcher 2' })];
    const revoked = await seedActiveMember(client, org.org.id, { name: 'Revoked' });
    const after = await lastEventId(org.org.id);
    const subs = [...watchers, revoked].map((who) => subscribe(who, after));
    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Burst 0' } });
    for (const sub of subs) await sub.take(1);

    // A burst of renames, not waiting for deliveries; the membership is disabled behind the gateway's back after the second.
    const passDeliveries = stats().passDeliveries;
    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Burst 1' } });
    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Burst 2' } });
    await sql(`update members set status = 'DISABLED' where id = $1`, [rawIdOf(revoked.memberId)]);
    for (let i = 3; i <= 6; i++) await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: `Burst ${i}` } });

    const names = (sub: TestSubscription<Event>) => sub.results.map((result) => result.memberEvents.member!.name);
    for (const sub of subs.slice(0, 2)) {
      await sub.take(7);
      expect(names(sub)).toEqual(['Burst 0', 'Burst 1', 'Burst 2', 'Burst 3', 'Burst 4', 'Burst 5', 'Burst 6']);
      expect(new Set(sub.results.map((result) => result.memberEvents.id)).size).toBe(7);
      expect(sub.errors).toEqual([]);
    }
    const revokedSub = subs[2]!;
    expect(await revokedSub.endedWith()).toBe('FORBIDDEN');
    // Delivered by the per-event passes over the caught-up subscribers (not one async chain each).
    expect(stats().passDeliveries - passDeliveries).toBeGreaterThanOrEqual(12);
    // At most the events committed before the revocation (a re-check made after it may refuse those too); none after.
    expect(['Burst 0', 'Burst 1', 'Burst 2'].slice(0, revokedSub.results.length)).toEqual(names(revokedSub));
    for (const sub of subs.slice(0, 2)) sub.dispose();
  });

  it('does not hold back the other subscribers for a socket that stops reading, and that socket loses nothing', async () => {
    const org = await createOrgWithOwner(client);
    const subject = await seedActiveMember(client, org.org.id, { name: 'Subject' });
    const prompt = await seedActiveMember(client, org.org.id, { name: 'Prompt' });
    const slow = await seedActiveMember(client, org.org.id, { name: 'Slow' });
    const after = await lastEventId(org.org.id);
    const promptSub = subscribe(prompt, after);
    const slowSocket = await rawSubscriber(slow.client.token!, after);

    await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: 'Slow 0' } });
    await promptSub.take(1);
    await waitUntil(() => slowSocket.names.length === 1, 'the first event on the slow socket');

    slowSocket.pause(); // its TCP socket is no longer read: what the gateway writes waits in buffers
    for (let i = 1; i <= 10; i++) await org.client.ok(UpdateMemberDocument, { input: { id: subject.memberId, name: `Slow ${i}` } });
    await promptSub.take(11);
    expect(slowSocket.names).toEqual(['Slow 0']);

    slowSocket.resume();
    await waitUntil(() => slowSocket.names.length === 11, 'the burst on the slow socket once it reads again');
    expect(slowSocket.names).toEqual(Array.from({ length: 11 }, (_, i) => `Slow ${i}`));
    expect(slowSocket.errors).toBe(0);
    promptSub.dispose();
  });
});

/** A bare graphql-transport-ws client on `ws`, whose TCP socket can stop being read (`pause`). */
async function rawSubscriber(token: string, after: string) {
  const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  afterAll(() => socket.terminate());
  const names: string[] = [];
  let errors = 0;
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { type: string; payload?: { data?: Event; errors?: unknown[] } };
    if (message.type === 'connection_ack') socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: QUERY, variables: { after } } }));
    else if (message.type === 'next' && message.payload?.data) names.push(message.payload.data.memberEvents.member!.name);
    else if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
    if (message.type === 'error' || message.payload?.errors) errors++;
  });
  await once(socket, 'open');
  socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }));
  const tcp = (socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  return {
    names,
    get errors() {
      return errors;
    },
    pause: () => tcp.pause(),
    resume: () => tcp.resume(),
  };
}
