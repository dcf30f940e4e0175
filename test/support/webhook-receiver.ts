import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  /** The status the receiver answered. */
  status: number;
}

/**
 * A webhook receiver on loopback for tests: records every request and answers with what `respond` decides
 * (default 204). Closed after the file's tests.
 */
export async function startWebhookReceiver(respond?: (request: ReceivedWebhook, res: ServerResponse, req: IncomingMessage) => number | 'handled' | Promise<number | 'handled'>) {
  const received: ReceivedWebhook[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const [key, value] of Object.entries(req.headers)) if (typeof value === 'string') headers[key] = value;
    const request: ReceivedWebhook = { headers, body: Buffer.concat(chunks).toString('utf8'), status: 0 };
    received.push(request);
    const status = respond ? await respond(request, res, req) : 204;
    if (status === 'handled') return;
    request.status = status;
    res.statusCode = status;
    res.end(status >= 400 ? 'receiver failed' : '');
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  afterAll(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));
  return { url: `http://127.0.0.1:${port}/hooks`, port, received, server };
}

/** Waits until `check` holds (polling), or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
