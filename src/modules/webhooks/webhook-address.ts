import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhookAllowPrivate } from '../../config';
import { errorMessage } from '../../errors';
import type { LocalizedMessage } from '../../i18n';

/**
 * Which addresses a webhook may reach: public ones, and with `WEBHOOK_ALLOW_PRIVATE` loopback or private ones too.
 * Link-local (cloud metadata at 169.254.169.254, fd00:ec2::254 is in fc00::/7 and stays private), unspecified,
 * multicast and reserved ranges are never reachable.
 */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const PRIVATE = new BlockList();
PRIVATE.addSubnet('10.0.0.0', 8, 'ipv4');
PRIVATE.addSubnet('172.16.0.0', 12, 'ipv4');
PRIVATE.addSubnet('192.168.0.0', 16, 'ipv4');
PRIVATE.addSubnet('100.64.0.0', 10, 'ipv4'); // carrier-grade NAT
PRIVATE.addSubnet('fc00::', 7, 'ipv6');

const NEVER = new BlockList();
NEVER.addSubnet('0.0.0.0', 8, 'ipv4');
NEVER.addSubnet('169.254.0.0', 16, 'ipv4'); // link-local, cloud metadata
NEVER.addSubnet('192.0.0.0', 24, 'ipv4');
NEVER.addSubnet('198.18.0.0', 15, 'ipv4');
NEVER.addSubnet('224.0.0.0', 3, 'ipv4'); // multicast and reserved, broadcast
NEVER.addAddress('::', 'ipv6');
NEVER.addSubnet('fe80::', 10, 'ipv6');
NEVER.addSubnet('ff00::', 8, 'ipv6');
NEVER.addSubnet('64:ff9b::', 96, 'ipv6'); // NAT64 reaches IPv4 space we cannot judge
NEVER.addSubnet('2002::', 16, 'ipv6'); // 6to4, likewise

/** Why `address` may not be reached, or null when it may. IPv4-mapped IPv6 addresses are judged as IPv4. */
export function refusedAddress(address: string, allow: WebhookAllowPrivate): string | null {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const ip = mapped ? mapped[1]! : address;
  const family = isIP(ip) === 6 ? 'ipv6' : 'ipv4';
  if (NEVER.check(ip, family)) return `${address} is a link-local, metadata or reserved address`;
  if (LOOPBACK.check(ip, family)) return allow === 'none' ? `${address} is a loopback address` : null;
  if (PRIVATE.check(ip, family)) return allow === 'private' ? null : `${address} is a private address`;
  return null;
}

/**
 * Is this a URL an endpoint may have? https; plain http only where loopback or private addresses are allowed, and
 * then only to those addresses (`allowedAddresses` with `plainHttp`).
 */
export function urlProblem(text: string, allow: WebhookAllowPrivate): LocalizedMessage | null {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return errorMessage('webhookUrlInvalid');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && allow !== 'none')) return errorMessage('webhookUrlHttps');
  if (url.username || url.password) return errorMessage('webhookUrlCredentials');
  if (url.hash) return errorMessage('webhookUrlFragment');
  if (text.length > 2000) return errorMessage('webhookUrlTooLong', { max: '2000' });
  return null;
}

/**
 * The addresses `hostname` resolves to, all of them allowed; throws (with why) when any is refused or none is found,
 * so a name with one public and one private address is refused whichever a connection would pick.
 */
export async function allowedAddresses(
  hostname: string,
  allow: WebhookAllowPrivate,
  plainHttp = false,
): Promise<Array<{ address: string; family: number }>> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true, verbatim: true });
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  for (const { address } of addresses) {
    const refusal = refusedAddress(address, allow);
    if (refusal) throw new AddressRefused(`${host} resolves to ${refusal}`);
    // Plain http never crosses the internet: only to the loopback or private addresses configuration allows.
    if (plainHttp && refusedAddress(address, 'none') === null) throw new AddressRefused(`${host} is public: use https`);
  }
  return addresses;
}

export class AddressRefused extends Error {}
