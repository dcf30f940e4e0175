import { createServer, type Server, type Socket } from 'node:net';

/** One message the server accepted: the envelope and the text of DATA (lines joined with `\n`). */
export interface ReceivedMail {
  from: string;
  to: string[];
  text: string;
}

/**
 * A minimal SMTP server on loopback that accepts every message, which a test can take down (`stop`: connections
 * refused), bring back on the same port (`start`), or stall (`stall`: connections are accepted but get no greeting
 * until released, like a server that hangs).
 */
export interface TestSmtpServer {
  url: string;
  port: number;
  /** Accepted messages, in order. */
  received: ReceivedMail[];
  /** Connections accepted so far (stalled ones included). */
  readonly connections: number;
  /** Each message's `250 queued` waits this long after its final dot (a slow but healthy server). */
  replyDelayMs: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Holds the greeting of every connection from now on; the returned function releases them. */
  stall(): () => void;
  close(): Promise<void>;
}

export async function startSmtpServer(): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  let stalled: Array<() => void> | null = null;
  let connections = 0;
  let server: Server | null = null;

  const serve = (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const greet = () => {
      if (!socket.destroyed) socket.write('220 test ESMTP\r\n');
    };
    if (stalled) stalled.push(greet);
    else greet();
    let buffer = '';
    let data: string[] | null = null;
    let envelope: { from: string; to: string[] } = { from: '', to: [] };
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      for (let end = buffer.indexOf('\r\n'); end >= 0; end = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (data) {
          if (line === '.') {
            const mail = { ...envelope, text: data.join('\n') };
            data = null;
            envelope = { from: '', to: [] };
            setTimeout(() => {
              if (socket.destroyed) return;
              received.push(mail);
              socket.write('250 2.0.0 queued\r\n');
            }, handle.replyDelayMs);
          } else data.push(line.startsWith('..') ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
        if (verb === 'EHLO' || verb === 'HELO') socket.write('250-test\r\n250 8BITMIME\r\n');
        else if (verb === 'MAIL') {
          envelope.from = address;
          socket.write('250 OK\r\n');
        } else if (verb === 'RCPT') {
          envelope.to.push(address);
          socket.write('250 OK\r\n');
        } else if (verb === 'DATA') {
          data = [];
          socket.write('354 go ahead\r\n');
        } else if (verb === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
  };

  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      const next = createServer(serve);
      next.once('error', reject);
      next.listen(port, '127.0.0.1', () => {
        server = next;
        resolve((next.address() as { port: number }).port);
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      const current = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      if (!current) return resolve();
      current.close(() => resolve());
    });

  const port = await listen(0);
  const handle: TestSmtpServer = {
    url: `smtp://127.0.0.1:${port}`,
    port,
    received,
    get connections() {
      return connections;
    },
    replyDelayMs: 0,
    stop,
    start: async () => {
      if (!server) await listen(port);
    },
    stall: () => {
      stalled ??= [];
      return () => {
        const waiting = stalled ?? [];
        stalled = null;
        for (const greet of waiting) greet();
      };
    },
    close: stop,
  };
  return handle;
}
