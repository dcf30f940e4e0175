import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import { MemberEventsDocument, MembersTotalDocument, UpdateMemberDocument, type MemberEventsSubscription } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { startPrivateRedis } from './support/redis-server';
import { rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo, waitUntil } from './support/subscriptions';
import { connectWs } from './support/ws';

type Event = { memberEvents: MemberEventsSubscription['memberEvents'] };
const ids = (events: Event[]) => events.map((event) => Number(event.memberEvents.id));

let redis: Awaited<ReturnType<typeof startPrivateRedis>>;
let gateway: Gateway;
let base: string;
beforeAll(async () => {
  redis = await startPrivateRedis();
  // No periodic sweep: what a subscriber gets after the outage comes from its `after` cursor and the reconnect.
  gateway = await startTestGateway({ redisUrl: redis.url, eventSweepMs: 0 });
  base = gateway.url.replace('/graphql', '');
});

async function readiness(): Promise<{ httpStatus: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}/readyz`);
  return { httpStatus: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('Redis stops', () => {
  it('keeps queries and mutations answering, logs events, and a subscriber resuming with `after` gets every one', async () => {
    const client = new GraphQLClient(gateway.url);
    const owner = await createOrgWithOwner(client);
    const rename = (name: string) => owner.client.ok(UpdateMemberDocument, { input: { id: owner.member.id, name } });

    // A subscriber that is live, then goes away (a dashboard closed, a phone losing its connection).
    const before = subscribeTo(connectWs(gateway.url, owner.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await before.untilLive(() => rename(`Probe ${++probe}`));
    const cursor = before.results.at(-1)!.memberEvents.id;
    before.dispose();

    await redis.stop();
    await waitUntil(() => gateway.app.pubsub.redis!.status !== 'ready', 'the gateway to notice Redis is gone');
    const down = await readiness();
    expect(down.httpStatus).toBe(200); // still serving: stays behind the load balancer
    expect(down.body).toMatchObject({ status: 'degraded', postgres: true, redis: false });

    const renamedWhileDown = ['Down 1', 'Down 2', 'Down 3'];
    for (const name of renamedWhileDown) {
      const started = Date.now();
      await rename(name); // fails the test on any error
      expect(Date.now() - started).toBeLessThan(2000); // nothing waits for Redis
    }
    expect(gateway.app.eventBus.heldCount).toBe(3); // their publishes wait for Redis; nothing was thrown at the caller
    // Rate limits fail open (counted in the process meanwhile): the cost report still comes.
    const query = await owner.client.request(MembersTotalDocument, {});
    expect(query.errors).toBeUndefined();
    expect(query.data?.members.totalCount).toBe(1);
    expect(query.extensions?.cost).toMatchObject({ requested: expect.any(Number), remaining: expect.any(Number) });

    // The event log (Postgres) has every event; only their delivery waits.
    const logged = await sql<{ id: string }>(
      `select id::text from org_events where org_id = $1 and topic = 'MEMBER' and id > $2 order by id`,
      [rawIdOf(owner.org.id), cursor],
    );
    expect(logged.map((row) => Number(row.id))).toEqual([Number(cursor) + 1, Number(cursor) + 2, Number(cursor) + 3]);

    // Resuming while Redis is still down replays from the log already.
    const early = subscribeTo(connectWs(gateway.url, owner.client.token).client, MemberEventsDocument, { after: cursor });
    expect(ids(await early.take(3))).toEqual(logged.map((row) => Number(row.id)));
    early.dispose();

    await redis.start();
    await waitUntil(() => gateway.app.pubsub.redis!.status === 'ready', 'the gateway to reconnect to Redis');
    await waitUntil(() => gateway.app.eventBus.heldCount === 0, 'the held events to be published');
    await expect(readiness()).resolves.toMatchObject({ httpStatus: 200, body: { status: 'ok', redis: true } });

    const resumed = subscribeTo(connectWs(gateway.url, owner.client.token).client, MemberEventsDocument, { after: cursor });
    const replayed = await resumed.take(3);
    expect(ids(replayed)).toEqual(logged.map((row) => Number(row.id)));
    expect(replayed.map((event) => event.memberEvents.type)).toEqual(['UPDATED', 'UPDATED', 'UPDATED']);

    // And live delivery through Redis is back.
    await rename('Back');
    const [live] = (await resumed.take(4)).slice(3);
    expect(live!.memberEvents).toMatchObject({ id: String(Number(cursor) + 4), member: { name: 'Back' } });
    await resumed.expectNoMoreThan(4);
  });
});
