import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { orgChannel } from '../src/realtime/event-bus';
import { EventTopic, recordEvent } from '../src/realtime/events';
import { TokenService } from '../src/auth/jwt';
import type { Gateway } from '../src/server';
import {
  AddMemberDocument,
  CreateEnterpriseAccountDocument,
  LogInWithEnterpriseAccountDocument,
  MemberEventsDocument,
  RemoveMemberDocument,
  SetMemberStatusDocument,
  UpdateMemberDocument,
  type MemberEventsSubscription,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo, TestSubscription } from './support/subscriptions';
import { connectWs } from './support/ws';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  // No periodic sweep: what arrives here came through Redis or the log reads it triggered.
  gateway = await startTestGateway({ eventSweepMs: 0 });
  client = new GraphQLClient(gateway.url);
});

type Org = Awaited<ReturnType<typeof createOrgWithOwner>>;
type Event = MemberEventsSubscription['memberEvents'];

async function lastEventId(org: Org): Promise<string> {
  const [row] = await sql<{ last: string }>('select last_event_id::text as last from orgs where id = $1', [rawIdOf(org.org.id)]);
  return row!.last;
}

function rename(org: Org, memberId: string, name: string) {
  return org.client.ok(UpdateMemberDocument, { input: { id: memberId, name } });
}

const ids = (events: Event[]) => events.map((event) => Number(event.id));

describe('memberEvents', () => {
  it('delivers UPDATED, REMOVED and JOINED live, with the member as it is now', async () => {
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id, { name: 'Target' });
    const sub = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(org, target.memberId, `Probe ${++probe}`));
    const seen = sub.results.length;
    expect(sub.results[seen - 1]!.memberEvents).toMatchObject({ type: 'UPDATED', memberId: target.memberId, member: { name: `Probe ${probe}` } });

    await org.client.ok(SetMemberStatusDocument, { input: { id: target.memberId, status: 'DISABLED' } });
    const disabled = (await sub.take(seen + 1))[seen]!.memberEvents;
    expect(disabled).toMatchObject({ type: 'UPDATED', memberId: target.memberId, member: { status: 'DISABLED' } });

    await org.client.ok(RemoveMemberDocument, { input: { id: target.memberId, mode: 'DELETE' } });
    const { addMember } = await org.client.ok(AddMemberDocument, { input: { name: 'Newcomer', phone: uniquePhone() } });
    await org.client.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName: `n${randomUUID().slice(0, 8)}` });

    const events = (await sub.take(seen + 3)).slice(seen).map((result) => result.memberEvents);
    expect(events.map((event) => event.type)).toEqual(['UPDATED', 'REMOVED', 'JOINED']);
    expect(events[1]).toMatchObject({ memberId: target.memberId, member: null });
    expect(events[2]).toMatchObject({ memberId: addMember.id, member: { id: addMember.id, name: 'Newcomer', status: 'ACTIVE' } });
    const first = Number(sub.results[seen - 1]!.memberEvents.id);
    expect(ids(events).slice(0, 2)).toEqual([first + 1, first + 2]);
    // MEMBER ADDED and the invitation events of the newcomer (SENT on addMember, REVOKED when the enterprise account supersedes it) take
    // ids between REMOVED and JOINED: memberEvents skips other topics without a gap of its own.
    expect(ids(events)[2]).toBe(first + 6);
    expect(new Date(events[0]!.occurredAt).getTime()).toBeGreaterThan(Date.now() - 60_000);
    await sub.expectNoMoreThan(seen + 3);

    // The audit entries were written with the events, in the same transactions.
    const audit = await sql<{ action: string }>('select action from audit_entries where target_id = $1 order by id', [rawIdOf(target.memberId)]);
    expect(audit.map((entry) => entry.action)).toEqual(expect.arrayContaining(['member.setStatus', 'member.remove']));
  });

  it('filters by type', async () => {
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id);
    const after = await lastEventId(org);
    const sub = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, { types: ['REMOVED'], after });
    await rename(org, target.memberId, 'Renamed');
    await org.client.ok(RemoveMemberDocument, { input: { id: target.memberId, mode: 'OFFBOARD' } });
    const [removed] = await sub.take(1);
    expect(removed!.memberEvents).toMatchObject({ type: 'REMOVED', memberId: target.memberId, id: String(Number(after) + 2) });
    await sub.expectNoMoreThan(1);
  });

  it('after a disconnect, replays exactly the missed events in order, then continues live', async () => {
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id);
    const first = connectWs(gateway.url, org.client.token).client;
    const before = subscribeTo(first, MemberEventsDocument, {});
    let probe = 0;
    await before.untilLive(() => rename(org, target.memberId, `Probe ${++probe}`));
    const last = before.results.at(-1)!.memberEvents.id;
    await first.dispose();

    for (const name of ['One', 'Two', 'Three']) await rename(org, target.memberId, name);

    const sub = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, { after: last });
    const replayed = (await sub.take(3)).map((result) => result.memberEvents);
    expect(ids(replayed)).toEqual([1, 2, 3].map((n) => Number(last) + n));
    expect(replayed.every((event) => event.type === 'UPDATED' && event.memberId === target.memberId)).toBe(true);
    await sub.expectNoMoreThan(3, 300);

    await rename(org, target.memberId, 'Four');
    const [, , , live] = (await sub.take(4)).map((result) => result.memberEvents);
    expect(live).toMatchObject({ id: String(Number(last) + 4), member: { name: 'Four' } });
    await sub.expectNoMoreThan(4);
  });

  it('fills a gap in the live stream from the log: an event whose publish never happened arrives before the next one', async () => {
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id);
    const sub = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(org, target.memberId, `Probe ${++probe}`));
    const seen = sub.results.length;
    const last = Number(sub.results[seen - 1]!.memberEvents.id);

    // Committed to the log but never published (as if the writing process died right after its commit).
    const orgId = rawIdOf(org.org.id);
    await gateway.app.orm.em.fork().transactional((tx) =>
      recordEvent(tx, [], { orgId, topic: EventTopic.MEMBER, type: 'UPDATED', payload: { memberId: rawIdOf(target.memberId), name: 'Unpublished' } }),
    );
    await sub.expectNoMoreThan(seen, 300); // nothing tells this gateway yet (no sweep here)
    await rename(org, target.memberId, 'Published');
    const events = (await sub.take(seen + 2)).slice(seen).map((result) => result.memberEvents);
    expect(ids(events)).toEqual([last + 1, last + 2]);
    expect(events.map((event) => event.member?.name)).toEqual(['Published', 'Published']); // loaded at delivery
    await sub.expectNoMoreThan(seen + 2);
  });

  it("never delivers another org's events", async () => {
    const orgA = await createOrgWithOwner(client);
    const orgB = await createOrgWithOwner(client);
    const memberA = await seedActiveMember(client, orgA.org.id);
    const memberB = await seedActiveMember(client, orgB.org.id);
    const subB = subscribeTo(connectWs(gateway.url, orgB.client.token).client, MemberEventsDocument, { after: await lastEventId(orgB) });
    // A cursor is per org: B's subscriber passing A's numbers still reads B's log only.
    for (const name of ['A1', 'A2', 'A3']) await rename(orgA, memberA.memberId, name);
    await rename(orgB, memberB.memberId, 'B1');
    const [only] = await subB.take(1);
    expect(only!.memberEvents).toMatchObject({ memberId: memberB.memberId, member: { name: 'B1' } });
    await subB.expectNoMoreThan(1);
  });

  it('ends with FORBIDDEN for a member removed while subscribed, and refuses bad cursors', async () => {
    const org = await createOrgWithOwner(client);
    const watcher = await seedActiveMember(client, org.org.id, { name: 'Watcher' });
    const other = await seedActiveMember(client, org.org.id, { name: 'Other' });
    const ws = connectWs(gateway.url, watcher.client.token).client;
    const sub = subscribeTo(ws, MemberEventsDocument, { after: await lastEventId(org) });
    await rename(org, other.memberId, 'Seen');
    expect((await sub.take(1))[0]!.memberEvents.member?.name).toBe('Seen');

    await org.client.ok(RemoveMemberDocument, { input: { id: watcher.memberId, mode: 'DELETE' } });
    expect(await sub.endedWith()).toBe('FORBIDDEN');
    expect(sub.results).toHaveLength(1);

    const bad = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, { after: 'abc' });
    expect(await bad.endedWith()).toBe('BAD_USER_INPUT');
    const ahead = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, { after: '999999' });
    expect(await ahead.endedWith()).toBe('BAD_USER_INPUT');
    const owner = connectWs(gateway.url, org.client.token).client;
    expect(await new TestSubscription(owner, 'subscription { memberEvents {', {}).endedWith()).toBe('GRAPHQL_PARSE_FAILED');
    expect(await new TestSubscription(owner, 'subscription { memberEvents { nope } }', {}).endedWith()).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('subscribes the process to an org channel once however many local subscriptions watch it, and unsubscribes after the last', async () => {
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id);
    const channel = orgChannel(rawIdOf(org.org.id));
    const redis = new Redis(gateway.app.config.redisUrl!);
    const subscribers = async () => Number(((await redis.pubsub('NUMSUB', channel)) as [string, number])[1]);
    const sockets = [connectWs(gateway.url, org.client.token).client, connectWs(gateway.url, target.client.token).client];
    const subs = sockets.flatMap((socket) => [subscribeTo(socket, MemberEventsDocument, {}), subscribeTo(socket, MemberEventsDocument, { types: ['JOINED'] })]);
    let probe = 0;
    await subs[0]!.untilLive(() => rename(org, target.memberId, `Probe ${++probe}`));
    expect(await subscribers()).toBe(1);

    subs[0]!.dispose();
    await sockets[1]!.dispose();
    await rename(org, target.memberId, 'Still watched');
    await subs[1]!.expectNoMoreThan(0, 100); // JOINED only
    expect(await subscribers()).toBe(1);
    subs[1]!.dispose();
    await expect.poll(subscribers, { timeout: 5000 }).toBe(0);
    redis.disconnect();
  });

  it('subscribes as nobody once the token the socket was opened with has expired', async () => {
    const org = await createOrgWithOwner(client);
    const shortLived = new TokenService(gateway.app.config.jwtSecret, 1);
    const token = await shortLived.sign({ sub: rawIdOf(org.user.id), org: rawIdOf(org.org.id) });
    const ws = connectWs(gateway.url, token).client;
    const fresh = subscribeTo(ws, MemberEventsDocument, { after: await lastEventId(org) });
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const expired = subscribeTo(ws, MemberEventsDocument, {});
    expect(await expired.endedWith()).toBe('UNAUTHENTICATED');
    expect(fresh.ended).toBe(false); // an open subscription is not cut by expiry
  });

  it('refuses subscriptions while an enterprise account must change its initial password', async () => {
    const org = await createOrgWithOwner(client);
    const { addMember } = await org.client.ok(AddMemberDocument, { input: { name: 'Fresh', phone: uniquePhone() } });
    const loginName = `f${randomUUID().slice(0, 8)}`;
    const { createEnterpriseAccount } = await org.client.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName });
    const { logInWithEnterpriseAccount } = await client.ok(LogInWithEnterpriseAccountDocument, {
      input: { orgCode: org.org.code, loginName, password: createEnterpriseAccount.initialPassword },
    });
    const sub = subscribeTo(connectWs(gateway.url, logInWithEnterpriseAccount.token).client, MemberEventsDocument, {});
    expect(await sub.endedWith()).toBe('PASSWORD_CHANGE_REQUIRED');
  });
});
