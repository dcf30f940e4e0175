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

/** What one operation sent over a graphql-ws socket answered: its first result, or the errors it was refused with. */
export interface WsAnswer {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  data?: any;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** Runs one query or mutation over `client` as a subscribe message and resolves with its answer. */
export function wsOperation(client: Client, query: string, variables: Record<string, unknown> = {}): Promise<WsAnswer> {
  return new Promise((resolve, reject) => {
    let answer: WsAnswer | undefined;
    client.subscribe<unknown>(
      { query, variables },
      {
        next: (result) => (answer ??= result as WsAnswer),
        error: (error) => (Array.isArray(error) ? resolve({ errors: error }) : reject(error)),
        complete: () => resolve(answer ?? {}),
      },
    );
  });
}

/** The `extensions.code` of an answer's first error. */
export const wsCode = (answer: WsAnswer) => answer.errors?.[0]?.extensions?.code as string | undefined;
