import { beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptInvitationDocument,
  DeclineInvitationDocument,
  InvitationFunnelDocument,
  JoinsPerWeekDocument,
  LogInWithEmailDocument,
  SendInvitationDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { setVerifiedEmail, signUpVerified } from './support/invitations';
import { rawIdOf, sql } from './support/sql-fixtures';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

const DAY = 86_400_000;
const utcMidnight = (at: number) => Date.UTC(new Date(at).getUTCFullYear(), new Date(at).getUTCMonth(), new Date(at).getUTCDate());

/** An owner who sent two phone invitations: one accepted, one declined; returns the member who joined. */
async function orgWithFunnel() {
  const owner = await createOrgWithOwner(client);
  const people = [];
  for (const name of ['Accepts', 'Declines']) {
    const phone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { name, phone } });
    people.push({ ...(await signUpVerified(client, name, phone)), token: sendInvitation.token!, invitationId: sendInvitation.invitation.id });
  }
  const { acceptInvitation } = await people[0]!.client.ok(AcceptInvitationDocument, { token: people[0]!.token });
  await people[1]!.client.ok(DeclineInvitationDocument, { token: people[1]!.token });
  return { owner, joined: people[0]!, memberClient: people[0]!.client.as(acceptInvitation.token), declined: people[1]! };
}

describe('invitationFunnel', () => {
  it('counts sends, acceptances and declines per day from the event log, empty days included', async () => {
    const { owner, declined } = await orgWithFunnel();
    // The decline happened "yesterday": its bucket moves, the others stay today.
    await sql(
      `update org_events set created_at = created_at - interval '1 day'
        where org_id = $1 and topic = 'INVITATION' and type = 'DECLINED' and payload->>'invitationId' = $2`,
      [rawIdOf(owner.org.id), rawIdOf(declined.invitationId)],
    );
    const today = utcMidnight(Date.now());
    const from = new Date(today - 2 * DAY).toISOString();
    const to = new Date(today + DAY).toISOString();
    const { invitationFunnel } = await owner.client.ok(InvitationFunnelDocument, { from, to, bucket: 'DAY' });
    expect(invitationFunnel.bucket).toBe('DAY');
    expect(invitationFunnel.buckets.map((b) => b.start)).toEqual([0, 1, 2].map((n) => new Date(today - (2 - n) * DAY).toISOString()));
    const [dayBefore, yesterday, todays] = invitationFunnel.buckets;
    expect(dayBefore).toMatchObject({ sent: 0, accepted: 0, declined: 0, expired: 0, failed: 0 });
    expect(yesterday).toMatchObject({ sent: 0, accepted: 0, declined: 1 });
    expect(todays).toMatchObject({ sent: 2, accepted: 1, declined: 0 });
    expect(invitationFunnel.total).toMatchObject({ start: from, sent: 2, accepted: 1, declined: 1, expired: 0, failed: 0 });

    // A week bucket holds them all; a range that ends before today sees no sends.
    const week = await owner.client.ok(InvitationFunnelDocument, { from, to, bucket: 'WEEK' });
    expect(week.invitationFunnel.total).toMatchObject({ sent: 2, accepted: 1, declined: 1 });
    for (const b of week.invitationFunnel.buckets) expect(new Date(b.start).getUTCDay()).toBe(1); // Mondays
    const before = await owner.client.ok(InvitationFunnelDocument, { from, to: new Date(today).toISOString() });
    expect(before.invitationFunnel.total).toMatchObject({ sent: 0, accepted: 0, declined: 1 });
  });

  it('counts only the viewer\'s org, is for admins only and refuses bad ranges', async () => {
    const { memberClient } = await orgWithFunnel();
    const other = await createOrgWithOwner(client);
    const from = new Date(Date.now() - DAY).toISOString();
    const to = new Date(Date.now() + DAY).toISOString();
    const { invitationFunnel } = await other.client.ok(InvitationFunnelDocument, { from, to, bucket: 'MONTH' });
    expect(invitationFunnel.total).toMatchObject({ sent: 0, accepted: 0, declined: 0 });

    expect(errorCode(await memberClient.request(InvitationFunnelDocument, { from, to }))).toBe('FORBIDDEN');
    expect(errorCode(await other.client.request(InvitationFunnelDocument, { from: to, to: from }))).toBe('BAD_USER_INPUT');
    const longAgo = new Date(Date.now() - 500 * DAY).toISOString();
    expect(errorCode(await other.client.request(InvitationFunnelDocument, { from: longAgo, to, bucket: 'DAY' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await client.request(InvitationFunnelDocument, { from, to }))).toBe('UNAUTHENTICATED');
  });
});

describe('joinsPerWeek', () => {
  it('counts members by the week they joined, the current week last', async () => {
    const { owner, joined, memberClient } = await orgWithFunnel();
    const { joinsPerWeek } = await owner.client.ok(JoinsPerWeekDocument, { weeks: 3 });
    expect(joinsPerWeek).toHaveLength(3);
    expect(joinsPerWeek.map((w) => w.joins)).toEqual([0, 0, 2]); // the owner and the one who accepted
    const starts = joinsPerWeek.map((w) => Date.parse(w.weekStart));
    expect(new Date(starts[2]!).getUTCDay()).toBe(1);
    expect(starts[2]! - starts[1]!).toBe(7 * DAY);
    expect(Date.now() - starts[2]!).toBeLessThan(7 * DAY);

    await sql(`update members set joined_at = joined_at - interval '7 days' where org_id = $1 and user_id = $2`, [rawIdOf(owner.org.id), rawIdOf(joined.userId)]);
    const again = await owner.client.ok(JoinsPerWeekDocument, {});
    expect(again.joinsPerWeek).toHaveLength(12); // the default
    expect(again.joinsPerWeek.slice(-2).map((w) => w.joins)).toEqual([1, 1]);

    expect(errorCode(await memberClient.request(JoinsPerWeekDocument, { weeks: 4 }))).toBe('FORBIDDEN');
    expect(errorCode(await owner.client.request(JoinsPerWeekDocument, { weeks: 0 }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(JoinsPerWeekDocument, { weeks: 105 }))).toBe('BAD_USER_INPUT');
  });
});

describe('logInWithEmail', () => {
  it('signs a personal account in by its verified address, whatever its case; anything else is INVALID_CREDENTIALS', async () => {
    const { user } = await signUpUser(client, 'Mail Person');
    const email = `mail-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
    expect(errorCode(await client.request(LogInWithEmailDocument, { input: { email, password: PASSWORD } }))).toBe('INVALID_CREDENTIALS'); // not verified
    await setVerifiedEmail(user.id, email);
    const { logInWithEmail } = await client.ok(LogInWithEmailDocument, { input: { email: ` ${email.toUpperCase()} `, password: PASSWORD } });
    expect(logInWithEmail.user).toMatchObject({ id: user.id, email });
    expect(logInWithEmail.token).toBeTruthy();
    expect(errorCode(await client.request(LogInWithEmailDocument, { input: { email, password: 'wrong password here' } }))).toBe('INVALID_CREDENTIALS');
    expect(errorCode(await client.request(LogInWithEmailDocument, { input: { email: 'not-an-address', password: PASSWORD } }))).toBe('INVALID_CREDENTIALS');
  });
});
