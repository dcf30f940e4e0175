import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { GatewayMetrics } from '../src/observability/metrics';
import type { Gateway } from '../src/server';
import { contribute } from '../src/contributions';
import { deliveryFailureHooks, type DeliveryFailure } from '../src/modules/outbox';
import { OutboxDispatcher, retryDelayMs, type DeliveryAdapter, type OutboundMessage } from '../src/modules/outbox/outbox.dispatcher';
import { RequestPhoneVerificationDocument, SendInvitationDocument } from './generated/graphql';
import { rawIdOf, sql } from './support/accounts-db';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser } from './support/factories';
import { startOwnGateway, startTestGateway } from './support/gateway';
import { latestMessageTo } from './support/outbox';
import { startSmtpServer } from './support/smtp-server';

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
    const dispatcher = new OutboxDispatcher(gateway.app.orm, logger, { contributions: gateway.app.contributions, pollMs: 0, adapter });
    expect(await dispatcher.drainOnce()).toBe(1);
    expect(adapter.delivered).toEqual([
      expect.objectContaining({ channel: 'SMS', recipient: phone, template: 'PHONE_VERIFICATION', payload: { code: expect.stringMatching(/^\d{6}$/), locale: 'en', timeZone: 'UTC' } }),
    ]);
    expect(await latestMessageTo(phone, databaseUrl)).toMatchObject({ status: 'SENT', attempts: 1, last_error: null });
    expect(await dispatcher.drainOnce()).toBe(0);
    expect(adapter.delivered).toHaveLength(1);
  });

  it('keeps a failing message PENDING with its error and a growing, jittered pause, and FAILED once failing past the horizon', async () => {
    const phone = await queueVerificationSms();
    const retry = { baseMs: 60_000, maxMs: 240_000, horizonMs: 60 * 60_000 };
    const metrics = new GatewayMetrics();
    const dispatcher = new OutboxDispatcher(gateway.app.orm, logger, { contributions: gateway.app.contributions, pollMs: 0, adapter: new BrokenAdapter(), retry, metrics });
    const pending = async () =>
      (await sql<{ id: string; status: string; attempts: number; last_error: string | null; pause_ms: number }>(
        `select id, status, attempts, last_error, extract(epoch from next_attempt_at - now())::float8 * 1000 as pause_ms
           from outbox_messages where recipient = $1`,
        [phone],
        databaseUrl,
      ))[0]!;
    for (let attempt = 1; attempt <= 5; attempt++) {
      expect(await dispatcher.drainOnce()).toBe(1);
      const row = await pending();
      expect(row).toMatchObject({ status: 'PENDING', attempts: attempt, last_error: 'SMS gateway unreachable' });
      // 1, 2, 4, 4, 4 minutes at most (the cap), and at least half of that.
      const ceiling = Math.min(retry.maxMs, retry.baseMs * 2 ** (attempt - 1));
      expect(row.pause_ms).toBeGreaterThan(ceiling / 2 - 5000);
      expect(row.pause_ms).toBeLessThanOrEqual(ceiling);
      expect(await dispatcher.drainOnce()).toBe(0); // not due yet
      await sql(`update outbox_messages set next_attempt_at = now() where id = $1`, [row.id], databaseUrl);
    }
    // Failing for longer than the horizon: the next failure gives up.
    await sql(`update outbox_messages set failing_since = now() - interval '61 minutes' where recipient = $1`, [phone], databaseUrl);
    await dispatcher.drainOnce();
    expect(await latestMessageTo(phone, databaseUrl)).toMatchObject({ status: 'FAILED', attempts: 6, last_error: 'SMS gateway unreachable' });
    const scraped = await metrics.scrape();
    expect(scraped).toContain('orggraph_outbox_attempts_total{channel="SMS",outcome="retry"} 5');
    expect(scraped).toContain('orggraph_outbox_attempts_total{channel="SMS",outcome="failed"} 1');
    // A FAILED message is left alone, even by a working adapter.
    const adapter = new RecordingAdapter();
    expect(await new OutboxDispatcher(gateway.app.orm, logger, { contributions: gateway.app.contributions, pollMs: 0, adapter }).drainOnce()).toBe(0);
    expect(adapter.delivered).toEqual([]);
  });

  it('spreads the pauses between half and all of the capped exponential', () => {
    const retry = { baseMs: 1000, maxMs: 5000, horizonMs: 0 };
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(retry, n, () => 0))).toEqual([500, 1000, 2000, 2500, 2500]);
    expect([1, 2, 3, 4, 10].map((n) => retryDelayMs(retry, n, () => 1))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('marks a message only under the claim it holds: a dispatcher whose lease ran out changes nothing', async () => {
    const phone = await queueVerificationSms();
    const second = new RecordingAdapter();
    const other = new OutboxDispatcher(gateway.app.orm, logger, { contributions: gateway.app.contributions, pollMs: 0, adapter: second });
    // The first dispatcher stalls past its lease: meanwhile the message is due again, and another instance sends it.
    const stalled: DeliveryAdapter = {
      deliver: async (message) => {
        await sql(`update outbox_messages set next_attempt_at = now() where id = $1`, [message.id], databaseUrl);
        expect(await other.drainOnce()).toBe(1);
        throw new Error('timed out');
      },
    };
    expect(await new OutboxDispatcher(gateway.app.orm, logger, { contributions: gateway.app.contributions, pollMs: 0, adapter: stalled }).drainOnce()).toBe(1);
    expect(second.delivered.map((message) => message.recipient)).toEqual([phone]);
    // The late failure did not turn the message back to PENDING (nor run failure hooks): it stays as the holder left it.
    expect(await latestMessageTo(phone, databaseUrl)).toMatchObject({ status: 'SENT', attempts: 2, last_error: null });
  });

  it('polls on its own once started, and stops cleanly', async () => {
    const adapter = new RecordingAdapter();
    const dispatcher = new OutboxDispatcher(gateway.app.orm, logger, { contributions: gateway.app.contributions, pollMs: 20, adapter });
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

/**
 * Delivery through a real SMTP server (a local one the tests stop, restart and stall), by gateways of this file's
 * database with small retry settings: backoff from 100-200 ms, so a test sees several attempts in a few seconds.
 */
describe('delivery over SMTP', () => {
  const invitationRow = async (globalId: string) =>
    (await sql<{ status: string; failure_reason: string | null }>('select status, failure_reason from invitations where id = $1', [rawIdOf(globalId)], databaseUrl))[0]!;
  const failedEvents = async (invitationGlobalId: string) =>
    sql(`select id from org_events where topic = 'INVITATION' and type = 'FAILED' and payload->>'invitationId' = $1`, [rawIdOf(invitationGlobalId)], databaseUrl);

  async function inviteByEmail(on: Gateway, label: string) {
    const owner = await createOrgWithOwner(new GraphQLClient(on.url));
    const email = `${label}.${randomUUID().slice(0, 8)}@example.org`;
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { email, name: label } });
    return { email, invitation: sendInvitation.invitation };
  }

  it('retries with backoff while the mail server is down for 5 s, then delivers: nothing FAILED', async () => {
    const smtp = await startSmtpServer();
    await smtp.stop();
    const own = await startOwnGateway({ databaseUrl, smtpUrl: smtp.url, outboxPollMs: 20, outboxRetry: { baseMs: 200, maxMs: 1000, horizonMs: 60_000 } });
    try {
      const { email, invitation } = await inviteByEmail(own, 'down-then-up');
      await sleep(5000);
      const during = await latestMessageTo(email, databaseUrl);
      expect(during).toMatchObject({ status: 'PENDING', last_error: expect.stringContaining('ECONNREFUSED') });
      // Backed off: at most one attempt per 100-200 ms at first and one per 0.5-1 s later, not one per 20 ms poll.
      expect(during!.attempts).toBeGreaterThan(2);
      expect(during!.attempts).toBeLessThan(20);

      await smtp.start();
      await expect.poll(async () => (await latestMessageTo(email, databaseUrl))?.status, { timeout: 5000 }).toBe('SENT');
      expect(smtp.received.filter((mail) => mail.to.includes(email))).toHaveLength(1);
      expect(await invitationRow(invitation.id)).toMatchObject({ status: 'PENDING', failure_reason: null });
    } finally {
      await own.close();
      await smtp.close();
    }
  });

  it('sends outside any transaction: while the mail server hangs, the message row is not locked and no session is idle in a transaction', async () => {
    const smtp = await startSmtpServer();
    const release = smtp.stall();
    const own = await startOwnGateway({ databaseUrl, smtpUrl: smtp.url, outboxPollMs: 20 });
    try {
      const { email } = await inviteByEmail(own, 'stalled');
      await expect.poll(() => smtp.connections, { timeout: 5000 }).toBeGreaterThan(0); // the send is under way
      const message = (await latestMessageTo(email, databaseUrl))!;
      const name = new URL(databaseUrl).pathname.slice(1);
      const open = await sql<{ pid: number; query: string }>(
        `select pid, query from pg_stat_activity where datname = $1 and state like 'idle in transaction%'`,
        [name],
        databaseUrl,
      );
      expect(open).toEqual([]);
      // Another writer takes the row's lock at once (a cancellation, say), instead of waiting for the mail server.
      await expect(
        sql(`with locked as (select id from outbox_messages where id = $1 for update nowait) select count(*)::int as n from locked`, [message.id], databaseUrl),
      ).resolves.toEqual([{ n: 1 }]);
      release();
      await expect.poll(async () => (await latestMessageTo(email, databaseUrl))?.status, { timeout: 10_000 }).toBe('SENT');
      expect(smtp.received.filter((mail) => mail.to.includes(email))).toHaveLength(1);
    } finally {
      release();
      await own.close();
      await smtp.close();
    }
  });

  it('two gateways draining the same messages send each exactly once, and both take part', async () => {
    const smtp = await startSmtpServer();
    smtp.replyDelayMs = 20; // a healthy server that takes a moment per message, so the instances overlap
    const label = randomUUID().slice(0, 8);
    const gateways = await Promise.all(
      ['a', 'b'].map((instance) =>
        startOwnGateway({ databaseUrl, smtpUrl: smtp.url, outboxPollMs: 10, mailFrom: `instance-${instance}@example.org` }),
      ),
    );
    try {
      await sql(
        `insert into outbox_messages (channel, recipient, template, payload)
         select 'EMAIL', 'many.' || g || '.' || $1 || '@example.org', 'EMAIL_VERIFICATION', '{"code": "123456"}'
           from generate_series(1, 60) g`,
        [label],
        databaseUrl,
      );
      const ours = () => smtp.received.filter((mail) => mail.to[0]!.endsWith(`.${label}@example.org`));
      await expect.poll(() => ours().length, { timeout: 20_000 }).toBe(60);
      await sleep(300); // a second send of any of them would arrive by now
      const mails = ours();
      expect(new Set(mails.map((mail) => mail.to[0])).size).toBe(60);
      expect(mails).toHaveLength(60);
      expect(new Set(mails.map((mail) => mail.from))).toEqual(new Set(['instance-a@example.org', 'instance-b@example.org']));
      const rows = await sql<{ status: string; attempts: number }>(`select status, attempts from outbox_messages where recipient like $1`, [`%.${label}@example.org`], databaseUrl);
      expect(rows).toHaveLength(60);
      expect(rows.every((row) => row.status === 'SENT' && row.attempts === 1)).toBe(true);
    } finally {
      await Promise.all(gateways.map((each) => each.close()));
      await smtp.close();
    }
  });

  it('past the horizon a message becomes FAILED, and the failure hooks run once though two gateways retry it', async () => {
    const smtp = await startSmtpServer();
    await smtp.stop();
    const retry = { baseMs: 100, maxMs: 400, horizonMs: 2500 };
    const failures: DeliveryFailure[] = [];
    let email = '';
    const seeFailures = contribute(deliveryFailureHooks, async (_tx, failure) => {
      if (failure.recipient === email) failures.push(failure);
    });
    const gateways = await Promise.all(
      [0, 1].map(() => startOwnGateway({ databaseUrl, smtpUrl: smtp.url, outboxPollMs: 10, outboxRetry: retry }, undefined, { contributions: [seeFailures] })),
    );
    const invited = await inviteByEmail(gateways[0]!, 'horizon');
    email = invited.email;
    const { invitation } = invited;
    try {
      await sleep(1200);
      expect(await latestMessageTo(email, databaseUrl)).toMatchObject({ status: 'PENDING' });
      expect((await latestMessageTo(email, databaseUrl))!.attempts).toBeGreaterThan(2);
      expect(await invitationRow(invitation.id)).toMatchObject({ status: 'PENDING' });
      expect(failures).toEqual([]);

      await expect.poll(async () => (await latestMessageTo(email, databaseUrl))?.status, { timeout: 10_000 }).toBe('FAILED');
      await sleep(500); // both gateways keep polling
      expect(failures).toEqual([expect.objectContaining({ recipient: email, error: expect.stringContaining('ECONNREFUSED') })]);
      expect(await invitationRow(invitation.id)).toMatchObject({ status: 'FAILED', failure_reason: expect.stringMatching(/^The email could not be delivered: /) });
      expect(await failedEvents(invitation.id)).toHaveLength(1);
    } finally {
      await Promise.all(gateways.map((each) => each.close()));
      await smtp.close();
    }
  });
});
