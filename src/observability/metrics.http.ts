import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bearerToken } from '../auth/credential';
import type { GatewayMetrics } from './metrics';

/** Compares digests, so neither the token's length nor its content shows in the time taken. */
function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** `GET /metrics`: the Prometheus text exposition; with a `METRICS_TOKEN`, only for `Authorization: Bearer <token>`. */
export async function handleMetricsRequest(req: IncomingMessage, res: ServerResponse, metrics: GatewayMetrics, token: string | null): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
    return;
  }
  if (token !== null && !sameToken(bearerToken(req.headers.authorization), token)) {
    res.writeHead(401, { 'www-authenticate': 'Bearer realm="metrics"', 'content-type': 'text/plain; charset=utf-8' }).end('Unauthorized\n');
    return;
  }
  const body = await metrics.scrape();
  res.writeHead(200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
