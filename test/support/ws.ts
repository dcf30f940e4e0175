import { createClient, type Client } from 'graphql-ws';
import { afterAll } from 'vitest';
import WebSocket from 'ws';

/**
 * A real graphql-ws client connected eagerly, as dashboards connect. `closed` resolves with the close code
 * the server sent. Disposed after the file's tests.
 */
export function connectWs(httpUrl: string, token?: string): { client: Client; closed: Promise<number> } {
  let onClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => (onClosed = resolve));
  const client = createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
    onNonLazyError: () => undefined, // the close code is what tests look at
    on: { closed: (event) => onClosed((event as { code: number }).code) },
  });
  afterAll(() => client.dispose());
  return { client, closed };
}
