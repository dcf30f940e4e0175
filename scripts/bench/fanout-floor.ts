/**
 * The floor of `npm run bench:fanout`: the same events, fanned out with nothing but one ioredis subscriber and a
 * `ws` server. No GraphQL, no authorization, no database: each Redis message becomes one pre-serialised
 * graphql-ws `next` message with the same data the gateway sends, written to every connected socket.
 *
 * Env: REDIS_URL, CHANNEL (the org channel to follow). Prints `{"msg":"floor listening","port":N}`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { WebSocket, WebSocketServer } from 'ws';

/** As `toGlobalId` in src/graphql/relay.ts (not imported: that module loads type-graphql). */
const toGlobalId = (type: string, rawId: string) => Buffer.from(`${type}:${rawId}`).toString('base64url');

async function main(): Promise<void> {
  const channel = process.env.CHANNEL!;
  const server = createServer();
  const sockets = new WebSocketServer({ server });
  const subscriber = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  subscriber.on('message', (_channel: string, message: string) => {
    const event = JSON.parse(message) as { id: string; type: string; createdAt: string; payload: { memberId: string; name: string } };
    const memberId = toGlobalId('Member', event.payload.memberId);
    const data = JSON.stringify({
      id: '1',
      type: 'next',
      payload: { data: { memberEvents: { id: event.id, type: event.type, occurredAt: event.createdAt, memberId, member: { id: memberId, name: event.payload.name } } } },
    });
    for (const socket of sockets.clients) if (socket.readyState === WebSocket.OPEN) socket.send(data);
  });
  await subscriber.subscribe(channel);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  console.log(JSON.stringify({ msg: 'floor listening', port: (server.address() as AddressInfo).port }));
  process.on('SIGTERM', () => process.exit(0));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
