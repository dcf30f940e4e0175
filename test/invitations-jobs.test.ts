/**
 * The expiry job and delivery failures. Both act on every row of their database (a sweep expires all past-due
 * invitations, a dispatcher drains all pending messages), so this file works in a database of its own.
 */
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../src/config';
import { expireDueInvitations, invitationExpiryJob } from '../src/modules/invitations';
import { createDeliveryAdapter, SmtpDeliveryAdapter } from '../src/modules/outbox';
import { LogDeliveryAdapter, OutboxDispatcher, type DeliveryAdapter, type OutboundMessage } from '../src/modules/outbox/outbox.dispatcher';
import type { Gateway } from '../src/server';
import {
  AcceptInvitationDocument,
  CreateInviteLinkDocument,
  InvitationDocument,
  RequestPhoneVerificationDocument,
  ResendInvitationDocument,
  SendInvitationDocument,
  SignUpDocument,
  VerifyPhoneDocument,
} from './generated/graphql';
import { sql } from './support/accounts-db';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, uniquePhone } from './support/factories';
import { startOwnGateway, startTestGateway } from './support/gateway';
import type { EventRow, InvitationMessage } from './support/invitations';
import { startSmtpServer } from './support/smtp-server';
import { rawIdOf } from './support/sql-fixtures';

const databaseUrl = (() => {
  const url = new URL(inject('databaseUrl'));
  url.pathname = `${url.pathname}_invitation_jobs`;
  return url.toString();
})();
const adminUrl = (() => {
  const url = new URL(databaseUrl);
  url.pathname = '/postgres';
  return url.toString();
})();
const db = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => sql<T>(text, params, databaseUrl);
const silent = pino({ level: 'silent' });

let gateway: Gateway;
let client: GraphQLClient;
// Registered first so it runs last: after the gateways have closed their connections.
afterAll(async () => {
  await sql(`drop database if exists "${new URL(databaseUrl).pathname.slice(1)}" with (force)`, [], adminUrl);
});
beforeAll(async () => {
  gateway = await startTestGateway({ databaseUrl });
  client = new GraphQLClient(gateway.url);
});

const invitationRow = async (globalId: string) =>
  (await db<{ status: string; failure_reason: string | null; status_changed_at: Date; expires_at: Date }>(
    'select status, failure_reason, status_changed_at, expires_at from invitations where id = $1',
    [rawIdOf(globalId)],
  ))[0]!;
const events = (orgId: string, type: string) =>
  db<EventRow & Record<string, unknown>>(`select * from org_events where org_id = $1 and topic = 'INVITATION' and type = $2 order by id`, [rawIdOf(orgId), type]);
const messagesTo = (recipient: string) =>
  db<InvitationMessage & Record<string, unknown>>(`select * from outbox_messages where recipient = $1 and template = 'INVITATION' order by id`, [recipient]);
const backdate = (globalId: string) => db(`update invitations set expires_at = now() - interval '1 second' where id = $1`, [rawIdOf(globalId)]);

async function signUpVerified(name = 'Invitee', phone = uniquePhone()) {
  const { signUp } = await client.ok(SignUpDocument, { input: { phone, name, password: PASSWORD } });
  const user = client.as(signUp.token);
  await user.ok(RequestPhoneVerificationDocument);
  const [message] = await db<{ payload: { code: string } }>(
    `select payload from outbox_messages where recipient = $1 and template = 'PHONE_VERIFICATION' order by id desc limit 1`,
    [phone],
  );
  await user.ok(VerifyPhoneDocument, { code: message!.payload.code });
  return { client: user, phone };
}

class BrokenAdapter implements DeliveryAdapter {
  constructor(private readonly breaks: (message: OutboundMessage) => boolean = () => true) {}
  readonly delivered: OutboundMessage[] = [];
  async deliver(message: OutboundMessage): Promise<void> {
    if (this.breaks(message)) throw new Error('SMS gateway unreachable');
    this.delivered.push(message);
  }
}

describe('expiry job', () => {
  it('shows past-due invitations as EXPIRED before the job runs, then marks them once, with their events, across parallel sweeps', async () => {
    const owner = await createOrgWithOwner(client);
    const due = [
      (await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Due 1' } })).sendInvitation.invitation,
      (await owner.client.ok(SendInvitationDocument, { input: { email: `due.${Date.now()}@example.org`, name: 'Due 2' } })).sendInvitation.invitation,
      (await owner.client.ok(CreateInviteLinkDocument, { input: {} })).createInviteLink.invitation,
    ];
    const fresh = (await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Fresh' } })).sendInvitation;
    for (const invitation of due) await backdate(invitation.id);

    // Reads already say EXPIRED; the table still says PENDING.
    for (const invitation of due) {
      const read = (await owner.client.ok(InvitationDocument, { id: invitation.id })).invitation;
      expect(read!.status).toBe('EXPIRED');
      expect(read!.statusChangedAt).toBe(read!.expiresAt);
      expect((await invitationRow(invitation.id)).status).toBe('PENDING');
    }

    const counts = await Promise.all([expireDueInvitations(gateway.app, 2), expireDueInvitations(gateway.app, 2), expireDueInvitations(gateway.app, 2)]);
    expect(counts.reduce((sum, n) => sum + n, 0)).toBe(3);
    expect(await expireDueInvitations(gateway.app)).toBe(0);
    for (const invitation of due) {
      const row = await invitationRow(invitation.id);
      expect(row.status).toBe('EXPIRED');
      expect(row.status_changed_at.getTime()).toBe(row.expires_at.getTime());
    }
    expect((await invitationRow(fresh.invitation.id)).status).toBe('PENDING');

    const expired = await events(owner.org.id, 'EXPIRED');
    expect(expired.map((event) => (event.payload as { invitationId: string }).invitationId).sort()).toEqual(due.map((invitation) => rawIdOf(invitation.id)).sort());
    expect(expired.find((event) => event.payload.invitationId === rawIdOf(due[0]!.id))).toMatchObject({
      department_ids: [rawIdOf(owner.org.rootDepartment.id)],
      recipient_phone: due[0]!.phone,
    });
    expect(expired.find((event) => event.payload.invitationId === rawIdOf(due[1]!.id))).toMatchObject({ recipient_email: due[1]!.email });
  });

  it('runs on its own in the gateway, and keeps expiring while Redis is down', async () => {
    const own = await startOwnGateway({ databaseUrl, invitationExpirySweepMs: 50, redisUrl: 'redis://127.0.0.1:1' }, silent);
    try {
      const owner = await createOrgWithOwner(new GraphQLClient(own.url));
      const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: {} });
      await backdate(createInviteLink.invitation.id);
      await expect.poll(async () => (await invitationRow(createInviteLink.invitation.id)).status, { timeout: 5000 }).toBe('EXPIRED');
      expect(await events(owner.org.id, 'EXPIRED')).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it('runs a job once per tick and again at once while a batch was full', async () => {
    const job = invitationExpiryJob({ ...gateway.app, config: { ...gateway.app.config, invitationExpirySweepMs: 0 } });
    job.start(); // interval 0: does nothing
    const owner = await createOrgWithOwner(client);
    const links = await Promise.all(Array.from({ length: 3 }, () => owner.client.ok(CreateInviteLinkDocument, { input: {} })));
    for (const { createInviteLink } of links) await backdate(createInviteLink.invitation.id);
    expect(await job.runOnce()).toBe(1);
    for (const { createInviteLink } of links) expect((await invitationRow(createInviteLink.invitation.id)).status).toBe('EXPIRED');
    await job.stop();
  });
});

describe('delivery failures', () => {
  it('marks the invitation FAILED with the reason when the outbox gives up, and emits FAILED; a corrected resend goes out', async () => {
    const owner = await createOrgWithOwner(client);
    const wrongPhone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: wrongPhone, name: 'Unreachable' } });
    // No pauses, so each drain is an attempt; given up on an hour after the first failure.
    const retry = { baseMs: 0, maxMs: 0, horizonMs: 60 * 60_000 };
    const broken = new OutboxDispatcher(gateway.app.orm, silent, { contributions: gateway.app.contributions, pollMs: 0, adapter: new BrokenAdapter(), eventBus: gateway.app.eventBus, retry });
    for (let attempt = 1; attempt <= 4; attempt++) {
      await broken.drainOnce();
      expect((await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id })).invitation!.status).toBe('PENDING');
    }
    // Every message this dispatcher failed (the file's other pending ones too) has been failing for 2 hours now.
    await db(`update outbox_messages set failing_since = now() - interval '2 hours' where status = 'PENDING' and failing_since is not null`);
    await broken.drainOnce();
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation).toMatchObject({
      status: 'FAILED',
      failureReason: 'The SMS could not be delivered: SMS gateway unreachable',
      statusChangedBy: null,
    });
    expect(await events(owner.org.id, 'FAILED')).toEqual([
      expect.objectContaining({ payload: { invitationId: rawIdOf(invitation!.id) }, recipient_phone: wrongPhone }),
    ]);
    const invitee = await signUpVerified('Unreachable');
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_INVALID');

    // Resent to the right number: PENDING again, delivered, accepted.
    const { resendInvitation } = await owner.client.ok(ResendInvitationDocument, { id: invitation!.id, phone: invitee.phone });
    expect(resendInvitation.invitation).toMatchObject({ status: 'PENDING', phone: invitee.phone, failureReason: null, sentCount: 2 });
    const working = new BrokenAdapter(() => false);
    await new OutboxDispatcher(gateway.app.orm, silent, { contributions: gateway.app.contributions, pollMs: 0, adapter: working }).drainOnce();
    expect(working.delivered.filter((message) => message.template === 'INVITATION')).toEqual([
      expect.objectContaining({ channel: 'SMS', recipient: invitee.phone, payload: expect.objectContaining({ url: resendInvitation.url }) }),
    ]);
    await invitee.client.ok(AcceptInvitationDocument, { token: resendInvitation.token });
  });

  it('does not fail an invitation over a message that a resend superseded', async () => {
    const owner = await createOrgWithOwner(client);
    const phone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone, name: 'Resent meanwhile' } });
    await owner.client.ok(ResendInvitationDocument, { id: sendInvitation.invitation.id });
    // The first message was already being sent when the resend came (so it was not cancelled), and then failed.
    const [first, second] = await messagesTo(phone);
    expect(second!.status).toBe('PENDING');
    await db(`update outbox_messages set status = 'PENDING', last_error = null where id = $1`, [first!.id]);
    const dispatcher = new OutboxDispatcher(gateway.app.orm, silent, {
      pollMs: 0,
      adapter: new BrokenAdapter((message) => message.id === first!.id),
      eventBus: gateway.app.eventBus,
      retry: { baseMs: 0, maxMs: 0, horizonMs: 0 }, // given up on at its first failure
    });
    for (let attempt = 0; attempt < 5; attempt++) await dispatcher.drainOnce();
    expect((await messagesTo(phone)).map((message) => message.status)).toEqual(['FAILED', 'SENT']);
    expect((await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id })).invitation!.status).toBe('PENDING');
    expect(await events(owner.org.id, 'FAILED')).toEqual([]);
  });
});

describe('SMTP adapter', () => {
  it('is chosen by SMTP_URL; the gateway\'s dispatcher mails email invitations through it and leaves SMS to the log', async () => {
    expect(createDeliveryAdapter({ smtpUrl: null, mailFrom: 'x@example.org' }, silent)).toBeInstanceOf(LogDeliveryAdapter);
    expect(loadConfig({ SMTP_URL: 'smtp://mail.example.org:587' }).smtpUrl).toBe('smtp://mail.example.org:587');
    const smtp = await startSmtpServer();
    const own = await startOwnGateway({ databaseUrl, smtpUrl: smtp.url, mailFrom: 'Orggraph <invites@example.org>', outboxPollMs: 20 }, silent);
    try {
      const owner = await createOrgWithOwner(new GraphQLClient(own.url), 'Mail Org');
      const email = `mail.${Date.now()}@example.org`;
      const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { email, name: 'By mail', message: 'See you Monday' } });
      const phone = uniquePhone();
      await owner.client.ok(SendInvitationDocument, { input: { phone, name: 'By SMS' } });
      await expect.poll(() => smtp.received.length, { timeout: 10_000 }).toBe(1);
      const mail = smtp.received[0]!.text.replace(/=\n/g, '');
      expect(mail).toMatch(new RegExp(`^To: ${email}$`, 'm'));
      expect(mail).toMatch(/^From: Orggraph <invites@example.org>$/m);
      expect(mail).toMatch(/^Subject: Join Mail Org on Orggraph$/m);
      expect(mail).toContain(sendInvitation.url);
      expect(mail).toContain('See you Monday');
      await expect.poll(async () => (await messagesTo(email))[0]?.status, { timeout: 5000 }).toBe('SENT');
      await expect.poll(async () => (await messagesTo(phone))[0]?.status, { timeout: 5000 }).toBe('SENT');
      expect(smtp.received).toHaveLength(1);
    } finally {
      await own.close();
      await smtp.close();
    }
  });

  it('fails an email invitation when the SMTP server is unreachable', async () => {
    const owner = await createOrgWithOwner(client);
    const email = `nobody.${Date.now()}@example.org`;
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { email, name: 'Nobody' } });
    const adapter = new SmtpDeliveryAdapter('smtp://127.0.0.1:1', 'x@example.org', new LogDeliveryAdapter(silent));
    const retry = { baseMs: 0, maxMs: 0, horizonMs: 0 }; // given up on at its first failure
    const dispatcher = new OutboxDispatcher(gateway.app.orm, silent, { contributions: gateway.app.contributions, pollMs: 0, adapter, eventBus: gateway.app.eventBus, retry });
    try {
      await dispatcher.drainOnce();
    } finally {
      adapter.close();
    }
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation!.status).toBe('FAILED');
    expect(invitation!.failureReason).toMatch(/^The email could not be delivered: .*ECONNREFUSED/);
  });
});
