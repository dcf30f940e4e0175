import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { EventTopic, recordEvents, withEvents } from '../src/realtime/events';
import { orgChannel } from '../src/realtime/event-bus';
import type { Gateway } from '../src/server';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { rawIdOf } from './support/sql-fixtures';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
});

describe('org event log', () => {
  it('numbers events per org in commit order and publishes them to Redis only after commit', async () => {
    const { org } = await createOrgWithOwner(client);
    const orgId = rawIdOf(org.id);
    const subscriber = new Redis(gateway.app.config.redisUrl!);
    const received: Array<{ id: string; type: string }> = [];
    await subscriber.subscribe(orgChannel(orgId));
    subscriber.on('message', (_channel, message) => received.push(JSON.parse(message)));

    const em = gateway.app.orm.em.fork();
    const emitTwo = () =>
      withEvents(em.fork(), gateway.app, async (_tx, emit) => {
        await emit({ orgId, topic: EventTopic.MEMBER, type: 'A', payload: {} });
        await emit({ orgId, topic: EventTopic.MEMBER, type: 'B', payload: {} });
      });
    await Promise.all([emitTwo(), emitTwo(), emitTwo()]);
    // A rolled-back transaction leaves no event and publishes nothing.
    await expect(
      withEvents(em.fork(), gateway.app, async (_tx, emit) => {
        await emit({ orgId, topic: EventTopic.MEMBER, type: 'ROLLED_BACK', payload: {} });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');

    await expect.poll(() => received.length).toBe(6);
    expect(received.map((event) => Number(event.id)).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(received.some((event) => event.type === 'ROLLED_BACK')).toBe(false);
    const rows = await em.getConnection().execute<Array<{ id: string }>>('select id from org_events where org_id = ? order by id', [orgId]);
    expect(rows.map((row) => Number(row.id))).toEqual([1, 2, 3, 4, 5, 6]);
    subscriber.disconnect();

    // Bulk appends continue the same sequence.
    const bulk = await em.fork().transactional((tx) =>
      recordEvents(tx, [], orgId, [
        { topic: EventTopic.IMPORT, type: 'X', payload: { n: 1 } },
        { topic: EventTopic.IMPORT, type: 'Y', payload: { n: 2 } },
      ]),
    );
    expect(bulk.map((event) => [event.id, event.type])).toEqual([['7', 'X'], ['8', 'Y']]);
  });
});
