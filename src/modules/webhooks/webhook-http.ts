import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import type { WebhookAllowPrivate } from '../../config';
import { allowedAddresses } from './webhook-address';

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface WebhookLimits {
  allowPrivate: WebhookAllowPrivate;
  timeoutMs: number;
  responseBytes: number;
}

export interface AttemptResult {
  attemptedAt: Date;
  succeeded: boolean;
  latencyMs: number;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
}

const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 10_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64, keepAliveMsecs: 10_000 }),
};

/**
 * POSTs one webhook. The host is resolved and every address checked just before connecting, and the connection
 * goes to a checked address (no second lookup a DNS rebinding could answer differently). A redirect is not
 * followed (a failure naming it); at most `responseBytes` of the answer are read, then the socket is dropped; the
 * whole attempt, connect to last byte, is bounded by `timeoutMs`, so a slow receiver costs one timeout, not a worker.
 * Never throws: a failure is an `AttemptResult` with `error`.
 */
export async function postWebhook(request: WebhookRequest, limits: WebhookLimits): Promise<AttemptResult> {
  const attemptedAt = new Date();
  const started = performance.now();
  const done = (result: Omit<AttemptResult, 'attemptedAt' | 'latencyMs'>): AttemptResult => ({
    attemptedAt,
    latencyMs: Math.round(performance.now() - started),
    ...result,
  });
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return done({ succeeded: false, responseStatus: null, responseBody: null, error: 'invalid url' });
  }
  const deadline = AbortSignal.timeout(limits.timeoutMs);
  let checked: Array<{ address: string; family: number }>;
  try {
    checked = await allowedAddresses(url.hostname, limits.allowPrivate, url.protocol === 'http:');
  } catch (error) {
    return done({ succeeded: false, responseStatus: null, responseBody: null, error: (error as Error).message });
  }
  const pinned: LookupFunction = (_hostname, options, callback) => {
    if (options.all) callback(null, checked);
    else callback(null, checked[0]!.address, checked[0]!.family);
  };
  const secure = url.protocol === 'https:';
  return new Promise<AttemptResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<AttemptResult, 'attemptedAt' | 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      resolve(done(result));
    };
    const req = (secure ? https : http).request(
      url,
      {
        method: 'POST',
        agent: secure ? agents.https : agents.http,
        lookup: pinned,
        signal: deadline,
        headers: { ...request.headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(request.body)) },
      },
      (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const settle = () => {
          const body = Buffer.concat(chunks).subarray(0, limits.responseBytes).toString('utf8');
          const ok = status >= 200 && status < 300;
          const redirect = status >= 300 && status < 400;
          finish({
            succeeded: ok,
            responseStatus: status,
            responseBody: body,
            error: ok ? null : redirect ? `redirect to ${String(res.headers.location ?? '?').slice(0, 200)} not followed` : `status ${status}`,
          });
        };
        res.on('data', (chunk: Buffer) => {
          if (size < limits.responseBytes) chunks.push(chunk);
          size += chunk.length;
          if (size >= limits.responseBytes) {
            // Enough read: the rest of a large answer is not waited for (the socket is not reused).
            settle();
            res.destroy();
          }
        });
        res.on('end', settle);
        res.on('error', () => settle());
        res.on('close', settle);
      },
    );
    req.on('error', (error: Error & { code?: string }) => {
      const timedOut = deadline.aborted;
      finish({
        succeeded: false,
        responseStatus: null,
        responseBody: null,
        error: timedOut ? `timed out after ${limits.timeoutMs} ms` : error.code ? `${error.code}: ${error.message}`.slice(0, 300) : error.message.slice(0, 300),
      });
    });
    req.end(request.body);
  });
}
