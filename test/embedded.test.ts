import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  AcceptInvitationDocument,
  InvitationDocument,
  InvitationEventsDocument,
  RequestPhoneVerificationDocument,
  SendInvitationDocument,
  SignUpDocument,
  VerifyPhoneDocument,
  ViewerDocument,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, uniquePhone } from './support/factories';
import { spawnGateway, type GatewayProcess } from './support/process';
import { startSmtpServer } from './support/smtp-server';
import { subscribeTo, waitUntil } from './support/subscriptions';
import { connectWs } from './support/ws';

const dataDir = mkdtempSync(join(tmpdir(), 'orggraph-embedded-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/**
 * `npm start` on a machine without services: no DATABASE_URL, no REDIS_URL (empty counts as unset), and no JWT_SECRET,
 * so the gateway keeps its own in the data folder.
 */
function spawnEmbedded(env: Record<string, string> = {}): Promise<GatewayProcess> {
  return spawnGateway({ DATABASE_URL: '', REDIS_URL: '', JWT_SECRET: '', DATA_DIR: dataDir, OUTBOX_POLL_MS: '100', EVENT_SWEEP_MS: '0', ...env });
}

interface LogEntry {
  msg?: string;
  mode?: string;
  database?: string;
  pubsub?: string;
  outbox?: { recipient: string; template: string; payload: { code?: string } };
}

function logEntries(gateway: GatewayProcess): LogEntry[] {
  return gateway.logs.flatMap((line) => {
    try {
      return [JSON.parse(line) as LogEntry];
    } catch {
      return [];
    }
  });
}

/** The verification code the gateway "sent" (the outbox writes SMS to the log). */
async function codeSentTo(gateway: GatewayProcess, phone: string): Promise<string> {
  const find = () => logEntries(gateway).find((entry) => entry.outbox?.recipient === phone && entry.outbox.template === 'PHONE_VERIFICATION');
  await waitUntil(() => find() !== undefined, `the verification SMS to ${phone}`);
  return find()!.outbox!.payload.code!;
}

describe('embedded mode (no DATABASE_URL, no REDIS_URL)', () => {
  let ownerToken: string;
  let orgId: string;

  it('runs the product on PGlite and in-process pub/sub: invite, subscribe, accept, receive the event', { timeout: 90_000 }, async () => {
    const gateway = await spawnEmbedded();
    const mode = logEntries(gateway).find((entry) => entry.mode === 'embedded');
    expect(mode).toMatchObject({ database: 'embedded', pubsub: 'in-process' });
    // The start-up line: where to go, and the mode this process really runs in (no Redis at all here).
    const origin = `http://127.0.0.1:${new URL(gateway.url).port}`;
    expect(logEntries(gateway).find((entry) => entry.msg === 'orggraph gateway listening')).toMatchObject({
      urls: { home: `${origin}/`, api: `${origin}/graphql`, dashboard: `${origin}/dashboard`, graphiql: `${origin}/graphql` },
      database: 'embedded',
      pubsub: 'in-process',
      redis: 'none',
    });
    expect(mode!.msg).toContain('One gateway instance only');
    const readyz = await fetch(gateway.url.replace('/graphql', '/readyz'));
    expect(await readyz.json()).toEqual({ status: 'ok', postgres: true, pubsub: true, draining: false });

    const client = new GraphQLClient(gateway.url);
    const owner = await createOrgWithOwner(client, 'Embedded Org');
    ownerToken = owner.client.token!;
    orgId = owner.org.id;

    // The invitee signs up and verifies the phone the invitation goes to, with the code from the log.
    const phone = uniquePhone();
    const { signUp } = await client.ok(SignUpDocument, { input: { phone, name: 'Invitee', password: PASSWORD } });
    const invitee = client.as(signUp.token);
    await invitee.ok(RequestPhoneVerificationDocument);
    await invitee.ok(VerifyPhoneDocument, { code: await codeSentTo(gateway, phone) });

    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone, name: 'Invitee' } });
    // From the start of the org's log: SENT is replayed, which also shows the subscription is open before the accept.
    const ws = connectWs(gateway.url, ownerToken).client;
    const events = subscribeTo(ws, InvitationEventsDocument, { after: '0' });
    const [sent] = await events.take(1);
    expect(sent!.invitationEvents).toMatchObject({ type: 'SENT', invitation: { id: sendInvitation.invitation.id } });

    const { acceptInvitation } = await invitee.ok(AcceptInvitationDocument, { token: sendInvitation.token });
    // With the sweep off (EVENT_SWEEP_MS=0), only the in-process pub/sub can bring the live event.
    const [, accepted] = await events.take(2);
    expect(accepted!.invitationEvents).toMatchObject({
      type: 'ACCEPTED',
      invitation: { id: sendInvitation.invitation.id },
      member: { id: acceptInvitation.member.id, name: 'Invitee' },
    });
    events.dispose();

    // One instance per data folder: a second gateway on it refuses to start, naming the first.
    const second = spawnEmbedded();
    await expect(second).rejects.toThrow(`in use by process ${gateway.child.pid}`);

    gateway.child.kill('SIGTERM');
    expect(await gateway.exited).toBe(0);
  });

  it('keeps its data and token secret in DATA_DIR across restarts; retries an email while the mail server is down', { timeout: 60_000 }, async () => {
    expect(ownerToken).toBeDefined();
    const smtp = await startSmtpServer();
    await smtp.stop();
    const gateway = await spawnEmbedded({ SMTP_URL: smtp.url, OUTBOX_RETRY_BASE_MS: '200', OUTBOX_RETRY_MAX_MS: '500', OUTBOX_RETRY_HORIZON_MS: '60000' });
    try {
      const owner = new GraphQLClient(gateway.url, ownerToken);
      const { viewer } = await owner.ok(ViewerDocument);
      expect(viewer.org).toMatchObject({ id: orgId });

      // The outbox claims, backs off and marks over the gateway's one connection to PGlite.
      const email = `embedded.${Date.now()}@example.org`;
      const { sendInvitation } = await owner.ok(SendInvitationDocument, { input: { email, name: 'By mail' } });
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await smtp.start();
      await waitUntil(() => smtp.received.some((mail) => mail.to.includes(email)), `the email to ${email}`);
      expect((await owner.ok(InvitationDocument, { id: sendInvitation.invitation.id })).invitation!.status).toBe('PENDING');
      expect(smtp.received.filter((mail) => mail.to.includes(email))).toHaveLength(1);
    } finally {
      gateway.child.kill('SIGTERM');
      await smtp.close();
    }
    expect(await gateway.exited).toBe(0);
  });
});
