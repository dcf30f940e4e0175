import { describe, expect, it } from 'vitest';
import { EventTopic, recordEvent } from '../src/realtime/events';
import { MemberEventsDocument, UpdateMemberDocument, type MemberEventsSubscription } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { spawnGateway } from './support/process';
import { startPrivateRedis } from './support/redis-server';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf } from './support/sql-fixtures';
import { sleep, subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

const ids = (events: Array<{ memberEvents: MemberEventsSubscription['memberEvents'] }>) => events.map((event) => Number(event.memberEvents.id));

describe('fan-out across gateway processes', () => {
  it('delivers a change made through one process to a subscriber of another', async () => {
    // No periodic sweep on the subscriber's side: only Redis can bring it the other process's events.
    const [subscriberSide, writerSide] = await Promise.all([spawnGateway({ EVENT_SWEEP_MS: '0' }), spawnGateway()]);
    const writer = new GraphQLClient(writerSide.url);
    const org = await createOrgWithOwner(writer);
    const target = await seedActiveMember(writer, org.org.id);
    const rename = (name: string) => org.client.ok(UpdateMemberDocument, { input: { id: target.memberId, name } });

    const sub = subscribeTo(connectWs(subscriberSide.url, org.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(`Probe ${++probe}`));
    const seen = sub.results.length;

    await rename('Changed elsewhere');
    const [event] = (await sub.take(seen + 1)).slice(seen);
    expect(event!.memberEvents).toMatchObject({ type: 'UPDATED', memberId: target.memberId, member: { name: 'Changed elsewhere' } });
    expect(Number(event!.memberEvents.id)).toBe(Number(sub.results[seen - 1]!.memberEvents.id) + 1);
  });
});

describe('periodic sweep', () => {
  it('delivers an event whose publish was lost even when no other event follows', async () => {
    const gateway = await startTestGateway({ eventSweepMs: 200 });
    const client = new GraphQLClient(gateway.url);
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id);
    const rename = (name: string) => org.client.ok(UpdateMemberDocument, { input: { id: target.memberId, name } });
    const sub = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(`Probe ${++probe}`));
    const seen = sub.results.length;

    await gateway.app.orm.em.fork().transactional((tx) =>
      recordEvent(tx, [], { orgId: rawIdOf(org.org.id), topic: EventTopic.MEMBER, type: 'REMOVED', payload: { memberId: rawIdOf(target.memberId) } }),
    );
    const [swept] = (await sub.take(seen + 1, 5000)).slice(seen);
    expect(swept!.memberEvents).toMatchObject({ type: 'REMOVED', memberId: target.memberId, member: null });
  });
});

describe('Redis outage', () => {
  it('keeps mutations working, and delivers every event produced while Redis was down once it is back', async () => {
    const redis = await startPrivateRedis();
    // No periodic sweep: the catch-up must come from the subscriber reconnecting.
    const gateway = await startTestGateway({ redisUrl: redis.url, eventSweepMs: 0 });
    const client = new GraphQLClient(gateway.url);
    const org = await createOrgWithOwner(client);
    const target = await seedActiveMember(client, org.org.id);
    const rename = (name: string) => org.client.ok(UpdateMemberDocument, { input: { id: target.memberId, name } });

    const sub = subscribeTo(connectWs(gateway.url, org.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(`Probe ${++probe}`));
    const seen = sub.results.length;
    const last = Number(sub.results[seen - 1]!.memberEvents.id);

    await redis.stop();
    for (const name of ['Down 1', 'Down 2', 'Down 3']) await rename(name); // fails the test on any error
    await sleep(300);
    expect(sub.results).toHaveLength(seen); // nothing can bring them while Redis is down

    await redis.start();
    const caughtUp = (await sub.take(seen + 3)).slice(seen);
    expect(ids(caughtUp)).toEqual([last + 1, last + 2, last + 3]);

    await rename('Back');
    const [live] = (await sub.take(seen + 4)).slice(seen + 3);
    expect(live!.memberEvents).toMatchObject({ id: String(last + 4), member: { name: 'Back' } });
    await sub.expectNoMoreThan(seen + 4);
  });
});
