import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptInvitationDocument,
  AddMemberDocument,
  CreateEnterpriseAccountDocument,
  DeclineInvitationDocument,
  InvitationDocument,
  InvitationsDocument,
  MemberQuotaDocument,
  MyMembershipDocument,
  RemoveMemberDocument,
  ResendInvitationDocument,
  RevokeInvitationDocument,
  SendInvitationDocument,
  SignUpDocument,
  UpdateInvitationSettingsDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, PASSWORD, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import {
  backdateExpiry,
  invitationMessagesTo,
  invitationTokenSentTo,
  orgEvents,
  setVerifiedEmail,
  signUpVerified,
} from './support/invitations';
import { seedActiveMember } from './support/seed-member';
import { builtinRoleId, insertDepartment, rawIdOf, setMemberLimit, sql } from './support/sql-fixtures';

let client: GraphQLClient;
let publicUrl: string;
beforeAll(async () => {
  const gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
  publicUrl = gateway.app.config.publicUrl;
});

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** `+8613912345678` as the mismatch message shows it: `+86 139****5678`. */
const masked = (phone: string) => `+86 ${phone.slice(3, 6)}****${phone.slice(-4)}`;

describe('sendInvitation and acceptInvitation by phone', () => {
  it('creates the PENDING member and the invitation, queues the SMS with the link, and shows the token only once', async () => {
    const owner = await createOrgWithOwner(client, 'Hospital');
    const phone = uniquePhone();
    const before = Date.now();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: phone.slice(3), name: 'Zhang Wei', message: 'Welcome aboard' } });
    const { invitation, token, url } = sendInvitation;
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
    expect(url).toBe(`${publicUrl}/invite/${token}`);
    expect(invitation).toMatchObject({
      channel: 'PHONE',
      status: 'PENDING',
      phone,
      email: null,
      name: 'Zhang Wei',
      message: 'Welcome aboard',
      departments: [{ id: owner.org.rootDepartment.id }],
      roles: [{ builtin: 'MEMBER' }],
      member: { name: 'Zhang Wei', status: 'PENDING' },
      invitedBy: { id: owner.member.id },
      statusChangedBy: { id: owner.member.id },
      acceptedBy: null,
      maxUses: null,
      useCount: 0,
      url: null,
      failureReason: null,
      sentCount: 1,
    });
    const lifetime = Date.parse(invitation.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(7 * 86400_000 - 60_000);
    expect(lifetime).toBeLessThanOrEqual(7 * 86400_000 + 5_000);

    // The SMS carries the link; the table keeps only the token's hash.
    const [sms] = await invitationMessagesTo(phone);
    expect(sms).toMatchObject({ channel: 'SMS', status: 'PENDING', invitation_id: rawIdOf(invitation.id), payload: { url, orgName: 'Hospital', inviterName: 'Owner', message: 'Welcome aboard' } });
    const [row] = await sql<Record<string, unknown>>('select * from invitations where id = $1', [rawIdOf(invitation.id)]);
    expect(row!.token_hash).toBe(sha256(token));
    expect(JSON.stringify(row)).not.toContain(token);

    // Never shown again: not on the invitation, not on reads.
    const { invitation: read } = await owner.client.ok(InvitationDocument, { id: invitation.id });
    expect(read!.url).toBeNull();
    expect(JSON.stringify(read)).not.toContain(token);

    const [audit] = await sql<{ action: string; target_id: string }>(`select action, target_id from audit_entries where org_id = $1 and action like 'invitation.%'`, [rawIdOf(owner.org.id)]);
    expect(audit).toEqual({ action: 'invitation.send', target_id: rawIdOf(invitation.id) });
    const events = await orgEvents(owner.org.id, 'INVITATION');
    expect(events).toEqual([
      expect.objectContaining({
        type: 'SENT',
        payload: { invitationId: rawIdOf(invitation.id) },
        department_ids: [rawIdOf(owner.org.rootDepartment.id)],
        recipient_phone: phone,
        recipient_email: null,
      }),
    ]);
  });

  it('lets the user with the verified phone join: the member becomes ACTIVE with the invitation\'s departments and roles', async () => {
    const owner = await createOrgWithOwner(client);
    const wards = await insertDepartment(owner.org.id, 'Wards');
    const invitee = await signUpVerified(client, 'Li Na');
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, {
      input: { phone: invitee.phone, name: 'Li Na (Wards)', departmentIds: [wards.id] },
    });
    const token = await invitationTokenSentTo(invitee.phone);
    expect(token).toBe(sendInvitation.token);

    const { acceptInvitation } = await invitee.client.ok(AcceptInvitationDocument, { token });
    expect(acceptInvitation.org.id).toBe(owner.org.id);
    expect(acceptInvitation.member).toMatchObject({
      id: sendInvitation.invitation.member!.id,
      name: 'Li Na (Wards)',
      phone: invitee.phone,
      status: 'ACTIVE',
      departments: [{ id: wards.id }],
    });
    expect(acceptInvitation.member.joinedAt).toBeTruthy();
    // The returned token is a session for the org just joined.
    const { viewer } = await client.as(acceptInvitation.token).ok(MyMembershipDocument);
    expect(viewer).toMatchObject({ org: { id: owner.org.id }, member: { id: acceptInvitation.member.id, status: 'ACTIVE' } });

    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation).toMatchObject({
      status: 'ACCEPTED',
      useCount: 1,
      acceptedBy: { id: acceptInvitation.member.id },
      statusChangedBy: { id: acceptInvitation.member.id },
      member: { status: 'ACTIVE' },
    });
    // Used: the same token now answers like any invalid one.
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token }))).toBe('INVITATION_INVALID');

    const invitationEvents = await orgEvents(owner.org.id, 'INVITATION');
    expect(invitationEvents.map((event) => event.type)).toEqual(['SENT', 'ACCEPTED']);
    expect(invitationEvents[1]).toMatchObject({
      payload: { invitationId: rawIdOf(sendInvitation.invitation.id), memberId: rawIdOf(acceptInvitation.member.id) },
      department_ids: [wards.rawId],
      recipient_phone: invitee.phone,
    });
    const memberEvents = await orgEvents(owner.org.id, 'MEMBER');
    expect(memberEvents).toEqual([
      expect.objectContaining({ type: 'JOINED', payload: expect.objectContaining({ memberId: rawIdOf(acceptInvitation.member.id), name: 'Li Na (Wards)' }), department_ids: [wards.rawId] }),
    ]);
  });

  it('refuses another user with INVITATION_RECIPIENT_MISMATCH naming the masked number to use', async () => {
    const owner = await createOrgWithOwner(client);
    const phone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone, name: 'Wang Fang' } });
    const someoneElse = await signUpVerified(client, 'Someone Else');
    const result = await someoneElse.client.request(AcceptInvitationDocument, { token: sendInvitation.token });
    expect(errorCode(result)).toBe('INVITATION_RECIPIENT_MISMATCH');
    expect(result.errors![0]!.message).toContain(masked(phone));
    expect(result.errors![0]!.message).not.toContain(phone);
    expect(result.errors![0]!.extensions).toMatchObject({ expectedPhone: masked(phone) });
    expect(errorCode(await someoneElse.client.request(DeclineInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_RECIPIENT_MISMATCH');

    // The right number, not verified yet: told to verify it.
    const { signUp } = await client.ok(SignUpDocument, { input: { phone, name: 'Wang Fang', password: PASSWORD } });
    const notYet = await client.as(signUp.token).request(AcceptInvitationDocument, { token: sendInvitation.token });
    expect(errorCode(notYet)).toBe('INVITATION_RECIPIENT_MISMATCH');
    expect(notYet.errors![0]!.message).toMatch(/Verify your phone number/);

    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation!.status).toBe('PENDING');
  });

  it('answers unknown, expired, used-up and revoked tokens alike with INVITATION_INVALID', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client);
    const asker = await signUpVerified(client);
    const send = async (phone = uniquePhone()) => (await owner.client.ok(SendInvitationDocument, { input: { phone, name: 'Invitee' } })).sendInvitation;

    const expired = await send();
    await backdateExpiry(expired.invitation.id);
    const expiredAnswer = await asker.client.request(AcceptInvitationDocument, { token: expired.token });
    // Past due is EXPIRED for every operation, whether or not the expiry job has run.
    expect(errorCode(await owner.client.request(RevokeInvitationDocument, { id: expired.invitation.id }))).toBe('BAD_USER_INPUT');

    const revoked = await send();
    await owner.client.ok(RevokeInvitationDocument, { id: revoked.invitation.id });
    const revokedAnswer = await asker.client.request(AcceptInvitationDocument, { token: revoked.token });

    const used = await send(invitee.phone);
    await invitee.client.ok(AcceptInvitationDocument, { token: used.token });
    const usedAnswer = await asker.client.request(AcceptInvitationDocument, { token: used.token });

    const unknownAnswer = await asker.client.request(AcceptInvitationDocument, { token: 'x'.repeat(43) });

    const answers = [unknownAnswer, expiredAnswer, usedAnswer, revokedAnswer].map((answer) => ({ data: answer.data, errors: answer.errors!.map(({ message, extensions }) => ({ message, extensions })) }));
    expect(answers[0]!.errors[0]!.extensions!.code).toBe('INVITATION_INVALID');
    for (const answer of answers) expect(answer).toEqual(answers[0]);

    // Admins see the precise reason on each invitation.
    const statuses = await Promise.all([expired, revoked, used].map(async (sent) => (await owner.client.ok(InvitationDocument, { id: sent.invitation.id })).invitation!.status));
    expect(statuses).toEqual(['EXPIRED', 'REVOKED', 'ACCEPTED']);
  });

  it('invites by email: the email goes through the outbox and only a verified email may accept', async () => {
    const owner = await createOrgWithOwner(client);
    const email = `zhao.lei.${Date.now()}@example.org`;
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { email: email.toUpperCase(), name: 'Zhao Lei' } });
    expect(sendInvitation.invitation).toMatchObject({ channel: 'EMAIL', email, phone: null, member: { status: 'PENDING' } });
    const [message] = await invitationMessagesTo(email);
    expect(message).toMatchObject({ channel: 'EMAIL', payload: { url: sendInvitation.url } });
    const [event] = await orgEvents(owner.org.id, 'INVITATION');
    expect(event).toMatchObject({ type: 'SENT', recipient_email: email, recipient_phone: null });

    const invitee = await signUpVerified(client, 'Zhao Lei');
    const mismatch = await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token });
    expect(errorCode(mismatch)).toBe('INVITATION_RECIPIENT_MISMATCH');
    expect(mismatch.errors![0]!.message).toContain(`z***@example.org`);

    await setVerifiedEmail(invitee.userId, email);
    const { acceptInvitation } = await invitee.client.ok(AcceptInvitationDocument, { token: sendInvitation.token });
    // The member takes the user's verified phone too.
    expect(acceptInvitation.member).toMatchObject({ status: 'ACTIVE', phone: invitee.phone });
  });

  it('refuses bad input, and people already in the org or already invited', async () => {
    const owner = await createOrgWithOwner(client);
    const both = await owner.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), email: 'a@example.org', name: 'X' } });
    expect(errorCode(both)).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(SendInvitationDocument, { input: { name: 'X' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(SendInvitationDocument, { input: { phone: '12', name: 'X' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: ' ' } }))).toBe('BAD_USER_INPUT');
    const subAdmin = await builtinRoleId(owner.org.id, 'SUB_ADMIN');
    expect(errorCode(await owner.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'X', roleIds: [subAdmin] } }))).toBe('BAD_USER_INPUT');

    // A member's phone, an invited phone, an invited email: CONFLICT.
    const colleague = await seedActiveMember(client, owner.org.id);
    expect(errorCode(await owner.client.request(SendInvitationDocument, { input: { phone: colleague.phone, name: 'Colleague again' } }))).toBe('CONFLICT');
    const phone = uniquePhone();
    await owner.client.ok(SendInvitationDocument, { input: { phone, name: 'First' } });
    const again = await owner.client.request(SendInvitationDocument, { input: { phone, name: 'Second' } });
    expect(errorCode(again)).toBe('CONFLICT');
    expect(again.errors![0]!.extensions).toMatchObject({ field: 'phone' });
    await owner.client.ok(SendInvitationDocument, { input: { email: 'dup@example.org', name: 'First' } });
    expect(errorCode(await owner.client.request(SendInvitationDocument, { input: { email: 'Dup@example.org', name: 'Second' } }))).toBe('CONFLICT');
    expect((await owner.client.ok(InvitationsDocument, { first: 10 })).invitations.totalCount).toBe(2);
    expect(errorCode(await client.request(AcceptInvitationDocument, { token: 'x'.repeat(43) }))).toBe('UNAUTHENTICATED');
  });

  it('makes addMember invite its PENDING member the same way', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client, 'Chen Jie');
    const { addMember } = await owner.client.ok(AddMemberDocument, { input: { name: 'Chen Jie', phone: invitee.phone } });
    const { invitations } = await owner.client.ok(InvitationsDocument, { first: 10 });
    expect(invitations.edges.map((edge) => edge.node)).toEqual([expect.objectContaining({ channel: 'PHONE', status: 'PENDING', name: 'Chen Jie' })]);
    const [event] = await orgEvents(owner.org.id, 'INVITATION');
    expect(event).toMatchObject({ type: 'SENT', recipient_phone: invitee.phone });

    const token = await invitationTokenSentTo(invitee.phone);
    const { acceptInvitation } = await invitee.client.ok(AcceptInvitationDocument, { token });
    expect(acceptInvitation.member).toMatchObject({ id: addMember.id, status: 'ACTIVE' });
  });

  it('checks the quota when the invitation is accepted, not when it is sent', async () => {
    const owner = await createOrgWithOwner(client);
    await setMemberLimit(owner.org.id, 1);
    const invitee = await signUpVerified(client);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Over quota' } });
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('QUOTA_EXCEEDED');
    // Nothing changed: still PENDING, token still good once there is room.
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation).toMatchObject({ status: 'PENDING', useCount: 0, member: { status: 'PENDING' } });
    await setMemberLimit(owner.org.id, 2);
    await invitee.client.ok(AcceptInvitationDocument, { token: sendInvitation.token });
    expect((await owner.client.ok(MemberQuotaDocument)).viewer.org!.memberQuota).toEqual({ used: 2, limit: 2 });
  });

  it('declines: the invitation becomes DECLINED and the token stops working', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Not interested' } });
    expect((await invitee.client.ok(DeclineInvitationDocument, { token: sendInvitation.token })).declineInvitation).toBe(true);
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation).toMatchObject({ status: 'DECLINED', statusChangedBy: null, member: { status: 'PENDING' } });
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_INVALID');
    expect(errorCode(await invitee.client.request(DeclineInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_INVALID');
    expect((await orgEvents(owner.org.id, 'INVITATION')).map((event) => event.type)).toEqual(['SENT', 'DECLINED']);
    // A declined invitation is not resent.
    expect(errorCode(await owner.client.request(ResendInvitationDocument, { id: sendInvitation.invitation.id }))).toBe('BAD_USER_INPUT');
  });
});

describe('revokeInvitation and resendInvitation', () => {
  it('revokes: REVOKED by the admin, the token dead, the unsent SMS cancelled, audited', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Revoked' } });
    const { revokeInvitation } = await owner.client.ok(RevokeInvitationDocument, { id: sendInvitation.invitation.id });
    expect(revokeInvitation).toMatchObject({ status: 'REVOKED', statusChangedBy: { id: owner.member.id } });
    expect(Date.parse(revokeInvitation.statusChangedAt)).toBeGreaterThanOrEqual(Date.parse(sendInvitation.invitation.statusChangedAt));
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_INVALID');
    expect(errorCode(await owner.client.request(RevokeInvitationDocument, { id: sendInvitation.invitation.id }))).toBe('BAD_USER_INPUT');
    const [sms] = await invitationMessagesTo(invitee.phone);
    expect(sms).toMatchObject({ status: 'FAILED', last_error: 'cancelled: invitation revoked' });
    const audit = await sql<{ action: string }>(`select action from audit_entries where org_id = $1 and target_id = $2 order by id`, [rawIdOf(owner.org.id), rawIdOf(sendInvitation.invitation.id)]);
    expect(audit.map((row) => row.action)).toEqual(['invitation.send', 'invitation.revoke']);
    expect((await orgEvents(owner.org.id, 'INVITATION')).map((event) => event.type)).toEqual(['SENT', 'REVOKED']);
  });

  it('resends with a fresh token: the old one stops working; at most 5 resends a day', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Resent' } });
    const id = sendInvitation.invitation.id;
    const tokens = [sendInvitation.token];
    for (let resend = 1; resend <= 5; resend++) {
      const { resendInvitation } = await owner.client.ok(ResendInvitationDocument, { id });
      expect(resendInvitation.invitation).toMatchObject({ status: 'PENDING', sentCount: resend + 1 });
      expect(resendInvitation.url).toBe(`${publicUrl}/invite/${resendInvitation.token}`);
      tokens.push(resendInvitation.token);
    }
    expect(new Set(tokens).size).toBe(6);
    const tooMany = await owner.client.request(ResendInvitationDocument, { id });
    expect(errorCode(tooMany)).toBe('TOO_MANY_ATTEMPTS');
    const retryAfter = tooMany.errors![0]!.extensions!.retryAfter as number;
    expect(retryAfter).toBeGreaterThan(86400 - 120);
    expect(retryAfter).toBeLessThanOrEqual(86400);

    // Each resend queued a new SMS and cancelled the unsent one; only the newest token works.
    const messages = await invitationMessagesTo(invitee.phone);
    expect(messages).toHaveLength(6);
    expect(messages.slice(0, 5).every((message) => message.status === 'FAILED' && message.last_error === 'cancelled: superseded by a resend')).toBe(true);
    expect(await invitationTokenSentTo(invitee.phone)).toBe(tokens[5]);
    for (const old of tokens.slice(0, 5)) expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: old }))).toBe('INVITATION_INVALID');
    await invitee.client.ok(AcceptInvitationDocument, { token: tokens[5]! });
    expect((await orgEvents(owner.org.id, 'INVITATION')).map((event) => event.type)).toEqual(['SENT', 'SENT', 'SENT', 'SENT', 'SENT', 'SENT', 'ACCEPTED']);
    const [{ count }] = await sql<{ count: number }>(`select count(*)::int as count from audit_entries where target_id = $1 and action = 'invitation.resend'`, [rawIdOf(id)]);
    expect(count).toBe(5);
  });

  it('resends an expired invitation with a new lifetime, and a corrected phone number to the PENDING member too [004]', async () => {
    const owner = await createOrgWithOwner(client);
    const wrongPhone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: wrongPhone, name: 'Typo' } });
    await backdateExpiry(sendInvitation.invitation.id, 60);
    expect((await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id })).invitation!.status).toBe('EXPIRED');

    const invitee = await signUpVerified(client, 'Typo');
    // A number another member has is refused.
    const colleague = await seedActiveMember(client, owner.org.id);
    expect(errorCode(await owner.client.request(ResendInvitationDocument, { id: sendInvitation.invitation.id, phone: colleague.phone }))).toBe('CONFLICT');
    expect(errorCode(await owner.client.request(ResendInvitationDocument, { id: sendInvitation.invitation.id, phone: invitee.phone, email: 'x@example.org' }))).toBe('BAD_USER_INPUT');
    const { resendInvitation } = await owner.client.ok(ResendInvitationDocument, { id: sendInvitation.invitation.id, phone: invitee.phone });
    expect(resendInvitation.invitation).toMatchObject({ status: 'PENDING', phone: invitee.phone, member: { status: 'PENDING' } });
    expect(Date.parse(resendInvitation.invitation.expiresAt)).toBeGreaterThan(Date.now() + 6 * 86400_000);
    expect(await invitationTokenSentTo(invitee.phone)).toBe(resendInvitation.token);
    const { acceptInvitation } = await invitee.client.ok(AcceptInvitationDocument, { token: resendInvitation.token });
    expect(acceptInvitation.member).toMatchObject({ id: sendInvitation.invitation.member!.id, phone: invitee.phone });
    // Accepted: nothing to resend or revoke.
    expect(errorCode(await owner.client.request(ResendInvitationDocument, { id: sendInvitation.invitation.id }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(RevokeInvitationDocument, { id: sendInvitation.invitation.id }))).toBe('BAD_USER_INPUT');
  });
});

describe('invitation lifetime', () => {
  it('follows the org setting invitationTtlSeconds', async () => {
    const owner = await createOrgWithOwner(client);
    const { updateOrgSettings } = await owner.client.ok(UpdateInvitationSettingsDocument, { input: { invitationTtlSeconds: 3600 } });
    expect(updateOrgSettings.settings).toEqual({ invitesOpen: true, invitationTtlSeconds: 3600 });
    expect(errorCode(await owner.client.request(UpdateInvitationSettingsDocument, { input: { invitationTtlSeconds: 10 } }))).toBe('BAD_USER_INPUT');
    const before = Date.now();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Short-lived' } });
    const lifetime = Date.parse(sendInvitation.invitation.expiresAt) - before;
    expect(lifetime).toBeGreaterThan(3600_000 - 5000);
    expect(lifetime).toBeLessThanOrEqual(3600_000 + 5000);
  });
});

describe('removing a PENDING member', () => {
  it('revokes their open invitation, so the token dies and the phone can be invited again', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Removed' } });
    await owner.client.ok(RemoveMemberDocument, { input: { id: sendInvitation.invitation.member!.id, mode: 'DELETE' } });
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation).toMatchObject({ status: 'REVOKED', member: null, statusChangedBy: null });
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_INVALID');
    expect((await orgEvents(owner.org.id, 'INVITATION')).map((event) => event.type)).toEqual(['SENT', 'REVOKED']);
    expect((await invitationMessagesTo(invitee.phone))[0]).toMatchObject({ status: 'FAILED', last_error: 'cancelled: member removed' });

    const { sendInvitation: again } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Back again' } });
    await invitee.client.ok(AcceptInvitationDocument, { token: again.token });
  });
});

describe('issuing an enterprise account to a PENDING member', () => {
  it('revokes the invitation sent when they were added, by the admin who issued the account', async () => {
    const owner = await createOrgWithOwner(client);
    const invitee = await signUpVerified(client);
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: invitee.phone, name: 'Issued' } });
    await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: sendInvitation.invitation.member!.id, loginName: `e${Date.now()}` });
    const { invitation } = await owner.client.ok(InvitationDocument, { id: sendInvitation.invitation.id });
    expect(invitation).toMatchObject({ status: 'REVOKED', statusChangedBy: { id: owner.member.id } });
    expect(errorCode(await invitee.client.request(AcceptInvitationDocument, { token: sendInvitation.token }))).toBe('INVITATION_INVALID');
    expect((await orgEvents(owner.org.id, 'INVITATION')).map((event) => event.type)).toEqual(['SENT', 'REVOKED']);
    expect((await invitationMessagesTo(invitee.phone))[0]).toMatchObject({ last_error: 'cancelled: superseded by an enterprise account' });
  });
});
