import { describe, expect, it } from 'vitest';
import { MemberEventsDocument, SignUpDocument, UpdateMemberDocument, ViewerDocument, type MemberEventsSubscription } from './generated/graphql';
import { GraphQLClient, type GraphQLResult } from './support/client';
import { createOrgWithOwner, PASSWORD, uniquePhone } from './support/factories';
import { spawnGateway } from './support/process';
import { rawIdOf, sql } from './support/sql-fixtures';
import { sleep, subscribeTo, waitUntil, type TestSubscription } from './support/subscriptions';
import { connectWs } from './support/ws';

type Event = { memberEvents: MemberEventsSubscription['memberEvents'] };
const ids = (events: Event[]) => events.map((event) => Number(event.memberEvents.id));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('SIGTERM under load', () => {
  it('fails no request in flight, closes subscribers with 1001, and they resume on another instance with no event lost', async () => {
    // As production runs it (Apollo's own signal handlers are on outside NODE_ENV=test). The drain delay is what a load balancer needs to see /readyz turn 503 and route elsewhere (ours polls every 100 ms).
    const [leaving, staying] = await Promise.all([spawnGateway({ NODE_ENV: 'production', SMS_ALLOW_LOG: 'true', DRAIN_DELAY_MS: '1500' }), spawnGateway()]);
    const owner = await createOrgWithOwner(new GraphQLClient(staying.url));
    const token = owner.client.token!;
    const rename = (url: string, name: string) => new GraphQLClient(url, token).request(UpdateMemberDocument, { input: { id: owner.member.id, name } });

    // Four subscribers on the instance that will leave, on two sockets.
    const sockets = [connectWs(leaving.url, token), connectWs(leaving.url, token)];
    const subscribers = sockets.flatMap(({ client }) => [subscribeTo(client, MemberEventsDocument, {}), subscribeTo(client, MemberEventsDocument, {})]);
    let probe = 0;
    for (const subscriber of subscribers) await subscriber.untilLive(() => rename(staying.url, `Probe ${++probe}`));

    // A load balancer: routes to the leaving instance while its /readyz says 200.
    let leavingReady = true;
    let running = true;
    const balancer = (async () => {
      while (running) {
        leavingReady = await fetch(leaving.url.replace('/graphql', '/readyz')).then((response) => response.status === 200, () => false);
        await sleep(100);
      }
    })();
    const failures: string[] = [];
    let servedByLeaving = 0;
    const record = (url: string, what: string, result: Promise<GraphQLResult<unknown>>) =>
      result.then(
        (answer) => {
          if (answer.errors?.length) failures.push(`${what} on ${url}: ${JSON.stringify(answer.errors)}`);
          else if (url === leaving.url) servedByLeaving++;
        },
        (error: unknown) => failures.push(`${what} on ${url}: ${String(error)}`),
      );
    // Queries and mutations (each mutation is an event the subscribers must get) from 4 concurrent clients.
    let renames = 0;
    const load = Array.from({ length: 4 }, async (_, worker) => {
      while (running) {
        const url = leavingReady ? leaving.url : staying.url;
        if (worker % 2 === 0) await record(url, 'rename', rename(url, `Load ${++renames}`));
        else await record(url, 'viewer', new GraphQLClient(url, token).request(ViewerDocument));
      }
    });

    await sleep(500);
    // Slow requests (scrypt) still running when the signal lands.
    const signUps = Array.from({ length: 10 }, () =>
      record(leaving.url, 'signUp', new GraphQLClient(leaving.url).request(SignUpDocument, { input: { phone: uniquePhone(), name: 'Late', password: PASSWORD } })),
    );
    await sleep(20);
    leaving.child.kill('SIGTERM');

    expect(await Promise.all(sockets.map((socket) => socket.closed))).toEqual([1001, 1001]);
    expect(await leaving.exited).toBe(0);
    await sleep(300); // some load on the staying instance after the leaving one is gone
    running = false;
    await Promise.all([...load, ...signUps, balancer]);
    expect(failures).toEqual([]);
    expect(servedByLeaving).toBeGreaterThan(5);

    // Each subscriber resumes on the staying instance after the last event it received.
    const [{ last }] = await sql<{ last: string }>(`select max(id)::text as last from org_events where org_id = $1`, [rawIdOf(owner.org.id)]);
    const resumed: Array<TestSubscription<Event>> = [];
    for (const subscriber of subscribers) {
      expect(subscriber.ended).toBe(true);
      const after = subscriber.results.at(-1)!.memberEvents.id;
      resumed.push(subscribeTo(connectWs(staying.url, token).client, MemberEventsDocument, { after }));
    }
    for (const [i, subscriber] of subscribers.entries()) {
      const first = ids(subscriber.results)[0]!;
      await waitUntil(() => ids(resumed[i]!.results).at(-1) === Number(last), `subscriber ${i} to reach event ${last}`);
      // Every event from its first to the last written, exactly once, in order, across both instances.
      expect([...ids(subscriber.results), ...ids(resumed[i]!.results)]).toEqual(range(first, Number(last)));
    }
    // Events were written after the sockets closed, and only the resumed streams could bring them.
    for (const stream of resumed) expect(stream.results.length).toBeGreaterThan(0);
    expect(renames).toBeGreaterThanOrEqual(4);
  });
});
