import { describe, expect, it } from 'vitest';
import { SignUpDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { PASSWORD, signUpUser, uniquePhone } from './support/factories';
import { spawnGateway } from './support/process';
import { connectWs } from './support/ws';

describe('SIGTERM', () => {
  it('finishes requests in flight, closes sockets with 1001 and exits 0', async () => {
    // A drain delay long enough for a loaded CI machine to read every request already on the wire.
    const gateway = await spawnGateway({ DRAIN_DELAY_MS: '2000' });
    const client = new GraphQLClient(gateway.url);
    const { client: user } = await signUpUser(client);

    const { closed: socketClosed } = connectWs(gateway.url, user.token);
    await new Promise((resolve) => setTimeout(resolve, 200)); // let the socket finish its handshake

    // Sign-ups hash passwords with scrypt, so a burst of them is still running when the signal lands.
    const inFlight = Array.from({ length: 30 }, () =>
      client.request(SignUpDocument, { input: { phone: uniquePhone(), name: 'Late', password: PASSWORD } }),
    );
    await new Promise((resolve) => setTimeout(resolve, 30));
    gateway.child.kill('SIGTERM');

    const results = await Promise.all(inFlight);
    for (const result of results) {
      expect(result.errors).toBeUndefined();
      expect(result.data?.signUp.token).toBeTruthy();
    }
    expect(await socketClosed).toBe(1001);
    expect(await gateway.exited).toBe(0);
    await expect(fetch(gateway.url)).rejects.toThrow(); // no longer accepting
  });
});
