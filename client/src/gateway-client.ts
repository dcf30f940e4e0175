import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws/client';

/** A GraphQL error answered by the gateway, with its stable `extensions.code`. */
export class GatewayError extends Error {
  constructor(
    readonly errors: readonly GraphQLFormattedError[],
    readonly status: number,
  ) {
    super(errors.map((error) => error.message).join('; ') || `HTTP ${status}`);
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.code as string | undefined;
  }
}

/** Variables as a typed operation declares them: none may be omitted when the operation requires some. */
type VariablesArg<V> = V extends Record<string, never> ? [] | [V] : [V];

export interface SubscriptionHandlers<T> {
  next(data: T): void;
  /**
   * The subscription ended: GraphQL errors (e.g. FORBIDDEN), the socket closing (code `SOCKET_CLOSED`, worth
   * subscribing again with the last event's id as `after`), or a refused token (UNAUTHENTICATED, FORBIDDEN).
   */
  error(error: GatewayError): void;
}

export interface GatewayClientOptions {
  /** `https://host/graphql`; also the WebSocket URL with the ws(s) scheme. */
  url: string;
  token: string | null;
  /** Socket state for the page: `connected` after connection_ack, `closed` while it reconnects. */
  onSocketState?: (state: 'connecting' | 'connected' | 'closed') => void;
}

/**
 * The dashboard's connection to the gateway: typed operations over HTTP, subscriptions over one graphql-ws
 * socket carrying the token in its `connection_init` payload (`{ authorization: 'Bearer …' }`).
 */
export class GatewayClient {
  private socket: Client | null = null;
  private readonly unsubscribers = new Set<() => void>();

  constructor(private readonly options: GatewayClientOptions) {}

  /** The bearer token, for the gateway's plain HTTP endpoints (CSV uploads to `/imports`). */
  get token(): string | null {
    return this.options.token;
  }

  async request<T, V>(document: TypedDocumentNode<T, V>, ...[variables]: VariablesArg<V>): Promise<T> {
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
      },
      body: JSON.stringify({ query: print(document), variables: variables ?? {} }),
    });
    let body: { data?: T | null; errors?: GraphQLFormattedError[] };
    try {
      body = (await response.json()) as typeof body;
    } catch {
      throw new GatewayError([{ message: `The gateway answered HTTP ${response.status}` }], response.status);
    }
    if (body.errors?.length || !body.data) throw new GatewayError(body.errors ?? [], response.status);
    return body.data;
  }

  /**
   * Subscribes; the returned function unsubscribes. The socket opens with the first subscription and closes after
   * the last. It does not reconnect by itself: the caller subscribes again with `after`, so that the gateway replays
   * the events missed while the socket was down.
   */
  subscribe<T, V>(document: TypedDocumentNode<T, V>, variables: V, handlers: SubscriptionHandlers<T>): () => void {
    let ended = false; // after our own unsubscribe (or dispose) graphql-ws completes the sink: not worth reporting
    const unsubscribe = this.openSocket().subscribe<T>(
      { query: print(document), variables: variables as Record<string, unknown> },
      {
        next: (result) => {
          if (ended) return;
          if (result.errors?.length) handlers.error(new GatewayError(result.errors, 200));
          else if (result.data) handlers.next(result.data);
        },
        error: (error) => {
          if (!ended) handlers.error(socketError(error));
          ended = true;
        },
        complete: () => {
          if (!ended) handlers.error(new GatewayError([{ message: 'The subscription ended', extensions: { code: 'SOCKET_CLOSED' } }], 0));
          ended = true;
        },
      },
    );
    this.unsubscribers.add(stop);
    function stop() {
      ended = true;
      unsubscribe();
    }
    return () => {
      this.unsubscribers.delete(stop);
      stop();
    };
  }

  /** Closes the socket and ends every subscription. */
  dispose(): void {
    for (const stop of this.unsubscribers) stop();
    this.unsubscribers.clear();
    void this.socket?.dispose();
    this.socket = null;
  }

  private openSocket(): Client {
    if (this.socket) return this.socket;
    const { url, token, onSocketState } = this.options;
    this.socket = createClient({
      url: url.replace(/^http/, 'ws'),
      connectionParams: () => (token ? { authorization: `Bearer ${token}` } : {}),
      retryAttempts: 0,
      on: {
        connecting: () => onSocketState?.('connecting'),
        connected: () => onSocketState?.('connected'),
        closed: () => onSocketState?.('closed'),
      },
    });
    return this.socket;
  }
}

/** What ended a subscription, as a GatewayError: its GraphQL errors, a refused token, or a closed socket. */
function socketError(error: unknown): GatewayError {
  if (Array.isArray(error)) return new GatewayError(error as GraphQLFormattedError[], 200);
  const close = error as { code?: unknown; reason?: unknown };
  // 4401: no token; 4403: a token the gateway refuses (bad, expired, unknown user). Either way the session is over.
  if (close.code === 4401 || close.code === 4403) {
    return new GatewayError([{ message: typeof close.reason === 'string' && close.reason ? close.reason : 'Not signed in', extensions: { code: 'UNAUTHENTICATED' } }], 0);
  }
  // Anything else (a network failure, the gateway restarting, 1006…) is worth subscribing again.
  const detail = typeof close.code === 'number' ? ` (${close.code})` : '';
  return new GatewayError([{ message: `The connection closed${detail}`, extensions: { code: 'SOCKET_CLOSED' } }], 0);
}
