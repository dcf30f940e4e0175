import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, loadConfig, parseRedisNodes } from '../src/config';
import type { Gateway } from '../src/server';
import { orgChannel } from '../src/realtime/event-bus';
import { MemberEventsDocument, UpdateMemberDocument, type MemberEventsSubscription } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startOwnGateway, startTestGateway } from './support/gateway';
import { gql, rawCode } from './support/limits';
import { startRedisCluster, type PrivateRedisCluster } from './support/redis-cluster';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf } from './support/sql-fixtures';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

/** Costs 52: the page query, totalCount, and 50 members. */
const PAGE = 'query Page { members(first: 50) { totalCount nodes { id } } }';

/** Two gateways on one private 3-master Redis Cluster, sharing rate-limit counters (one prefix). */
describe('Redis Cluster (REDIS_CLUSTER_NODES)', () => {
  let cluster: PrivateRedisCluster;
  let gateways: [Gateway, Gateway];
  let setup: GraphQLClient;

  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    const prefix = `orggraph-test:${randomUUID()}`;
    const onCluster = () =>
      startTestGateway({
        redisClusterNodes: cluster.nodes,
        // No periodic sweep: only Redis can bring a gateway the other one's events.
        eventSweepMs: 0,
        rateLimits: { ...DEFAULT_RATE_LIMITS, prefix, perCredential: 280 },
      });
    gateways = [await onCluster(), await onCluster()];
    // People and orgs are made on a gateway of their own, so their sign-ups spend none of the budgets under test.
    setup = new GraphQLClient((await startTestGateway()).url);
  }, 60_000);
  afterAll(async () => {
    await Promise.all((gateways ?? []).map((gateway) => gateway.close())); // before their Redis goes
    await cluster?.stop();
  });

  it('reads the nodes from REDIS_CLUSTER_NODES', () => {
    expect(loadConfig({ REDIS_CLUSTER_NODES: '10.0.0.1:7000, redis://10.0.0.2:7001,10.0.0.3' }).redisClusterNodes).toEqual([
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: '10.0.0.3', port: 6379 },
    ]);
    expect(parseRedisNodes('')).toBeNull();
    expect(() => parseRedisNodes('10.0.0.1:x')).toThrow(/bad node/);
  });

  it('says it runs on Redis when only REDIS_CLUSTER_NODES is set (no REDIS_URL), not in embedded mode', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const gateway = await startOwnGateway({ redisUrl: null, redisClusterNodes: cluster.nodes }, logger);
    await gateway.close();
    expect(lines.find((line) => line.msg === 'orggraph gateway listening')).toMatchObject({ pubsub: 'redis', redis: 'cluster' });
    expect(lines.filter((line) => line.mode === 'embedded')).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ database: 'postgres', pubsub: 'redis' }));
  });

  it('delivers an event committed through one gateway to a subscriber of the other, over a shard channel', async () => {
    const [subscriberSide, writerSide] = gateways;
    const org = await createOrgWithOwner(setup);
    const target = await seedActiveMember(setup, org.org.id);
    const writer = new GraphQLClient(writerSide.url, org.client.token);
    const rename = (name: string) => writer.ok(UpdateMemberDocument, { input: { id: target.memberId, name } });

    const sub = subscribeTo(connectWs(subscriberSide.url, org.client.token).client, MemberEventsDocument, {});
    let probe = 0;
    await sub.untilLive(() => rename(`Probe ${++probe}`));
    const seen = sub.results.length;
    await rename('Changed through the other gateway');
    const [event] = (await sub.take(seen + 1)).slice(seen);
    expect((event as { memberEvents: MemberEventsSubscription['memberEvents'] }).memberEvents).toMatchObject({
      type: 'UPDATED',
      memberId: target.memberId,
      member: { name: 'Changed through the other gateway' },
    });

    // The org's channel is a shard channel (SSUBSCRIBE) on the master of its slot, not a cluster-wide channel.
    const channel = orgChannel(rawIdOf(org.org.id));
    const shardChannels = cluster.nodes.flatMap((node) => cluster.cli(node, 'pubsub', 'shardchannels').split('\n'));
    expect(shardChannels).toContain(channel);
    const plainChannels = cluster.nodes.flatMap((node) => cluster.cli(node, 'pubsub', 'channels').split('\n'));
    expect(plainChannels).not.toContain(channel);
  });

  it('counts rate limits across both gateways', async () => {
    const { client } = await createOrgWithOwner(setup);
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await gql(gateways[i % 2]!.url, PAGE, {}, { token: client.token });
      expect(result.status).toBe(200);
      remaining.push(result.body.extensions.cost.remaining);
    }
    // One budget of 280 shared by both: each instance alone would have answered 228, 176, 124 for its own three calls.
    expect(remaining).toEqual([228, 176, 124, 72, 20]);
    for (const gateway of gateways) {
      const refused = await gql(gateway.url, PAGE, {}, { token: client.token });
      expect(refused.status).toBe(429);
      expect(rawCode(refused)).toBe('RATE_LIMITED');
    }
  });
});
