import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, loadConfig, parseTrustProxy, type TrustProxy } from '../src/config';
import { startTestGateway } from './support/gateway';
import { gql, rawCode } from './support/limits';

/** A gateway allowing each client address 3 cost points per window (an anonymous `{ __typename }` costs 1). */
function gatewayTrusting(trustProxy: TrustProxy) {
  return startTestGateway({ trustProxy, rateLimits: { ...DEFAULT_RATE_LIMITS, prefix: `orggraph-test:${randomUUID()}`, perAddress: 3 } });
}

/** What is left of the address budget after one operation sent with this X-Forwarded-For (null: refused). */
async function remainingAfter(url: string, forwardedFor?: string, localAddress?: string): Promise<number | null> {
  const result = await gql(url, '{ __typename }', {}, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}, localAddress });
  if (result.status === 429) {
    expect(rawCode(result)).toBe('RATE_LIMITED');
    return null;
  }
  expect(result.status).toBe(200);
  return result.body.extensions.cost.remaining as number;
}

describe('client address behind proxies (TRUST_PROXY)', () => {
  it('ignores X-Forwarded-For by default: every header from one socket address shares its budget', async () => {
    const { url } = await gatewayTrusting(false);
    expect(await remainingAfter(url, '198.51.100.1')).toBe(2);
    expect(await remainingAfter(url, '198.51.100.2')).toBe(1);
    expect(await remainingAfter(url)).toBe(0);
    expect(await remainingAfter(url, '198.51.100.3')).toBeNull();
  });

  it('with a number of hops, takes the address the nearest trusted proxy saw; what the client wrote itself does not count', async () => {
    const { url } = await gatewayTrusting({ hops: 1 });
    for (const remaining of [2, 1, 0]) expect(await remainingAfter(url, '198.51.100.1')).toBe(remaining);
    expect(await remainingAfter(url, '198.51.100.1')).toBeNull();
    // A client forging the header: the proxy appends the real address, and only that one is read.
    expect(await remainingAfter(url, '203.0.113.9, 198.51.100.1')).toBeNull();
    // Another client behind the same proxy has its own budget.
    expect(await remainingAfter(url, '198.51.100.2')).toBe(2);
    expect(await remainingAfter(url, '198.51.100.1, 198.51.100.2')).toBe(1);
  });

  it('with ranges, skips trusted proxies from the right and believes the header only from a trusted peer', async () => {
    const { url } = await gatewayTrusting({ ranges: ['loopback', '10.0.0.0/8'] });
    // Client, then an inner proxy in 10/8, then the loopback peer: the client is the first untrusted from the right.
    expect(await remainingAfter(url, '198.51.100.7, 10.1.2.3')).toBe(2);
    expect(await remainingAfter(url, '198.51.100.7')).toBe(1);
    expect(await remainingAfter(url, '198.51.100.8, 10.1.2.3')).toBe(2);

    const untrusting = await gatewayTrusting({ ranges: ['10.0.0.0/8'] }); // the loopback peer is not a trusted proxy
    expect(await remainingAfter(untrusting.url, '198.51.100.7', '127.0.0.4')).toBe(2);
    expect(await remainingAfter(untrusting.url, '198.51.100.8', '127.0.0.4')).toBe(1);
  });

  it('reads TRUST_PROXY as off, hops or a list, and refuses anything else at start', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('true')).toEqual({ hops: 1 });
    expect(parseTrustProxy('2')).toEqual({ hops: 2 });
    expect(parseTrustProxy('loopback, 10.0.0.0/8, 2001:db8::1')).toEqual({ ranges: ['loopback', '10.0.0.0/8', '2001:db8::1'] });
    expect(() => parseTrustProxy('everyone')).toThrow(/TRUST_PROXY/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/abc' })).toThrow(/TRUST_PROXY/);
  });
});
