import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Gateway } from '../src/server';
import { OutboxDispatcher, type DeliveryAdapter, type OutboundMessage } from '../src/modules/outbox/outbox.dispatcher';
import { RequestPhoneVerificationDocument } from './generated/graphql';
import { sql } from './support/accounts-db';
import { GraphQLClient } from './support/client';
import { signUpUser } from './support/factories';
import { startTestGateway } from './support/gateway';
import { latestMessageTo } from './support/outbox';

// A dispatcher drains every pending message of its database, so these tests get a database of their own:
// draining the shared one would send (or fail) the messages other test files are reading.
const databaseUrl = (() => {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `${url.pathname}_outbox`;
  return url.toString();
})();
const adminUrl = (() => {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
})();

let gateway: Gateway;
let client: GraphQLClient;
const logger = pino({ level: 'silent' });

// Registered first so it runs last: after the gateway has closed its connections.
afterAll(async () => {
  await sql(`drop database if exists "${new URL(databaseUrl).pathname.slice(1)}" with (force)`, [], adminUrl);
});
beforeAll(async () => {
  gateway = await startTestGateway({ databaseUrl });
  client = new GraphQLClient(gateway.url);
});

class RecordingAdapter implements DeliveryAdapter {
  readonly delivered: OutboundMessage[] = [];
  async deliver(message: OutboundMessage): Promise<void> {
    this.delivered.push(message);
  }
}

class BrokenAdapter implements DeliveryAdapter {
  async deliver(): Promise<void> {
    throw new Error('SMS gateway unreachable');
  }
}

/** A verification SMS queued through the API, as the dispatcher finds them in production. */
async function queueVerificationSms(): Promise<string> {
  const { client: user, phone } = await signUpUser(client);
  await user.ok(RequestPhoneVerificationDocument);
  return phone;
}

describe('outbox dispatcher', () => {
  it('hands pending messages to the adapter and marks them SENT, once', async () => {
    const phone = await queueVerificationSms();
    const adapter = new RecordingAdapter();
    const dispatcher = new OutboxDispatcher(gateway.app.orm, logger, 0, adapter);
    expect(await dispatcher.drainOnce()).toBe(1);
    expect(adapter.delivered).toEqual([
      expect.objectContaining({ channel: 'SMS', recipient: phone, template: 'PHONE_VERIFICATION', payload: { code: expect.stringMatching(/^\d{6}$/) } }),
    ]);
    expect(await latestMessageTo(phone, databaseUrl)).toMatchObject({ status: 'SENT', attempts: 1, last_error: null });
    expect(await dispatcher.drainOnce()).toBe(0);
    expect(adapter.delivered).toHaveLength(1);
  });

  it('keeps a message PENDING with its error while the adapter fails, and FAILED after 5 attempts', async () => {
    const phone = await queueVerificationSms();
    const dispatcher = new OutboxDispatcher(gateway.app.orm, logger, 0, new BrokenAdapter());
    for (let attempt = 1; attempt <= 4; attempt++) {
      await dispatcher.drainOnce();
      expect(await latestMessageTo(phone, databaseUrl)).toMatchObject({ status: 'PENDING', attempts: attempt, last_error: 'SMS gateway unreachable' });
    }
    await dispatcher.drainOnce();
    expect(await latestMessageTo(phone, databaseUrl)).toMatchObject({ status: 'FAILED', attempts: 5, last_error: 'SMS gateway unreachable' });
    // A FAILED message is left alone, even by a working adapter.
    const adapter = new RecordingAdapter();
    expect(await new OutboxDispatcher(gateway.app.orm, logger, 0, adapter).drainOnce()).toBe(0);
    expect(adapter.delivered).toEqual([]);
  });

  it('polls on its own once started, and stops cleanly', async () => {
    const adapter = new RecordingAdapter();
    const dispatcher = new OutboxDispatcher(gateway.app.orm, logger, 20, adapter);
    dispatcher.start();
    try {
      const phone = await queueVerificationSms();
      await expect.poll(async () => (await latestMessageTo(phone, databaseUrl))?.status, { timeout: 5000 }).toBe('SENT');
      expect(adapter.delivered.map((message) => message.recipient)).toContain(phone);
    } finally {
      await dispatcher.stop();
    }
  });
});
