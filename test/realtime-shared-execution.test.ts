import { beforeAll, describe, expect, it } from 'vitest';
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
});
