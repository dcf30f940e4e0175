import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credential } from '../src/auth/jwt';
import { Viewer } from '../src/auth/viewer';
import { ViewerCache } from '../src/auth/viewer-cache';
import { TEST_REDIS_URL } from './support/gateway';

/** Two caches as on two gateway instances, hearing each other's invalidations over the real Redis. */
describe('viewer cache across instances', () => {
  const connections: Redis[] = [];
  const caches: ViewerCache[] = [];
  const cacheOn = async () => {
    const publisher = new Redis(TEST_REDIS_URL);
    const subscriber = new Redis(TEST_REDIS_URL, { lazyConnect: true });
    connections.push(publisher);
    const cache = new ViewerCache(subscriber, (channel, message) => publisher.publish(channel, message), pino({ level: 'silent' }), { ttlMs: 60_000, maxEntries: 100 });
    await cache.start();
    caches.push(cache);
    return cache;
  };
  let a: ViewerCache;
  let b: ViewerCache;
  beforeAll(async () => {
    a = await cacheOn();
    b = await cacheOn();
    await new Promise((resolve) => setTimeout(resolve, 200)); // both subscribed
  });
  afterAll(() => {
    for (const cache of caches) cache.close();
    for (const connection of connections) connection.disconnect();
  });

  const credentialOf = (userId: string, orgId: string): Credential => ({ kind: 'user', sub: userId, org: orgId }) as Credential;
  const viewerOf = (userId: string, orgId: string) =>
    new Viewer({ id: userId, kind: 'PERSONAL', name: 'x', phone: null, phoneVerifiedAt: null, email: null, emailVerifiedAt: null, mustChangePassword: false, orgId: null, loginName: null } as never, { id: orgId } as never);
  const heard = () => new Promise((resolve) => setTimeout(resolve, 150));

  it('keeps a viewer loaded while another org is invalidated, and drops it when its own org is', async () => {
    const [user, org, otherOrg] = [randomUUID(), randomUUID(), randomUUID()];
    let loads = 0;
    const load = async () => {
      loads++;
      // Another instance writes in another org while this load runs (a busy gateway hears such writes constantly).
      await b.invalidate({ orgId: otherOrg });
      await heard();
      return viewerOf(user, org);
    };
    await a.viewerFor(credentialOf(user, org), load);
    await a.viewerFor(credentialOf(user, org), load);
    expect(loads).toBe(1);

    await b.invalidate({ orgId: org });
    await heard();
    await a.viewerFor(credentialOf(user, org), load);
    expect(loads).toBe(2);
  });

  it('does not store a viewer whose own org was invalidated while it loaded (it may have read the old rows)', async () => {
    const [user, org] = [randomUUID(), randomUUID()];
    let loads = 0;
    const load = async () => {
      loads++;
      if (loads === 1) {
        await b.invalidate({ orgId: org });
        await heard();
      }
      return viewerOf(user, org);
    };
    await a.viewerFor(credentialOf(user, org), load);
    await a.viewerFor(credentialOf(user, org), load);
    await a.viewerFor(credentialOf(user, org), load);
    expect(loads).toBe(2);
  });

  it('does not store a viewer whose user was invalidated while it loaded', async () => {
    const [user, org] = [randomUUID(), randomUUID()];
    let loads = 0;
    const load = async () => {
      loads++;
      if (loads === 1) {
        await b.invalidate({ userId: user });
        await heard();
      }
      return viewerOf(user, org);
    };
    await a.viewerFor(credentialOf(user, org), load);
    await a.viewerFor(credentialOf(user, org), load);
    expect(loads).toBe(2);
  });
});
