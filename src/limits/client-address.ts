import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { TrustProxy } from '../config';

/**
 * The address of the client a request comes from, for rate limits per address. The socket's peer, unless it is a
 * proxy we trust (`TRUST_PROXY`): then X-Forwarded-For is read from the right, skipping trusted hops, and the first
 * address not trusted is the client. Entries to the left of it were written by the client itself and are never used,
 * so a client cannot choose its own address by sending the header.
 */
export function clientAddressOf(req: IncomingMessage, trustProxy: TrustProxy): string | null {
  const peer = normalize(req.socket.remoteAddress ?? null);
  if (!trustProxy || !peer) return peer;
  const header = req.headers['x-forwarded-for'];
  const forwarded = (Array.isArray(header) ? header.join(',') : header ?? '')
    .split(',')
    .map((part) => normalize(part.trim()))
    .filter((part): part is string => part !== null && isIP(part) !== 0);
  // The chain as the last proxy saw it: client, proxy 1, ..., and the peer itself last.
  const chain = [...forwarded, peer];
  if ('hops' in trustProxy) {
    // `hops` proxies in front of us: the client is the entry `hops` places left of the peer (or the leftmost there is).
    return chain[Math.max(0, chain.length - 1 - trustProxy.hops)] ?? peer;
  }
  const trusted = trustedList(trustProxy.ranges);
  for (let i = chain.length - 1; i >= 0; i--) {
    if (!isTrusted(trusted, chain[i]!)) return chain[i]!;
  }
  return chain[0] ?? peer;
}

/** `::ffff:10.0.0.1` (an IPv4 client of a dual-stack socket) as `10.0.0.1`. */
function normalize(address: string | null): string | null {
  if (!address) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

const NAMED_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

const lists = new Map<string, BlockList>();

/** The trusted proxies as a `net.BlockList` (addresses, CIDRs, and the names above), built once per setting. */
function trustedList(ranges: string[]): BlockList {
  const key = ranges.join(',');
  let list = lists.get(key);
  if (list) return list;
  list = new BlockList();
  for (const entry of ranges.flatMap((range) => NAMED_RANGES[range.toLowerCase()] ?? [range])) {
    const [address, prefix] = entry.split('/');
    const family = isIP(address ?? '') === 6 ? 'ipv6' : 'ipv4';
    if (!address || isIP(address) === 0) throw new Error(`TRUST_PROXY: not an address or range: ${entry}`);
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  lists.set(key, list);
  return list;
}

function isTrusted(list: BlockList, address: string): boolean {
  return list.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}
