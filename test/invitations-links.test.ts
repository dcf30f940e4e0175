import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AcceptInvitationDocument,
  CreateInviteLinkDocument,
  DeclineInvitationDocument,
  InvitationDocument,
  InviteLinkQrCodeDocument,
  MyMembershipDocument,
  ResendInvitationDocument,
  RevokeInvitationDocument,
  SendInvitationDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { backdateExpiry, orgEvents, tokenOf } from './support/invitations';
import { builtinRoleId, insertDepartment, rawIdOf, setMemberLimit, sql } from './support/sql-fixtures';

let client: GraphQLClient;
let publicUrl: string;
beforeAll(async () => {
  const gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
  publicUrl = gateway.app.config.publicUrl;
});

describe('invite links', () => {
  it('admits any signed-in user while uses are left, with the link\'s departments and roles', async () => {
    const owner = await createOrgWithOwner(client);
    const lab = await insertDepartment(owner.org.id, 'Lab');
    const adminRole = await builtinRoleId(owner.org.id, 'ADMIN');
    const before = Date.now();
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, {
      input: { departmentIds: [lab.id], roleIds: [adminRole], expiresIn: 3600, maxUses: 2 },
    });
    const { invitation, token, url } = createInviteLink;
    expect(url).toBe(`${publicUrl}/invite/${token}`);
    expect(invitation).toMatchObject({
      channel: 'LINK',
      status: 'PENDING',
      phone: null,
      email: null,
      member: null,
      maxUses: 2,
      useCount: 0,
      departments: [{ id: lab.id }],
      roles: [{ id: adminRole }],
      url,
    });
    expect(Math.abs(Date.parse(invitation.expiresAt) - before - 3600_000)).toBeLessThan(5000);
    const [row] = await sql<Record<string, unknown>>('select * from invitations where id = $1', [rawIdOf(invitation.id)]);
    expect(row!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(token);
    // A link is shared again and again: admins may show it later (its token kept encrypted).
    expect((await owner.client.ok(InvitationDocument, { id: invitation.id })).invitation!.url).toBe(url);

    const first = await signUpUser(client, 'First');
    const { acceptInvitation } = await first.client.ok(AcceptInvitationDocument, { token });
    expect(acceptInvitation.member).toMatchObject({ name: 'First', status: 'ACTIVE', departments: [{ id: lab.id }] });
    const { viewer } = await client.as(acceptInvitation.token).ok(MyMembershipDocument);
    expect(viewer.member!.id).toBe(acceptInvitation.member.id);
    const [{ builtin }] = await sql<{ builtin: string }>(
      'select r.builtin from member_roles mr join roles r on r.id = mr.role_id where mr.member_id = $1',
      [rawIdOf(acceptInvitation.member.id)],
    );
    expect(builtin).toBe('ADMIN');
    expect((await owner.client.ok(InvitationDocument, { id: invitation.id })).invitation).toMatchObject({ status: 'PENDING', useCount: 1, acceptedBy: null });

    // A member joining again: CONFLICT (the use is not spent).
    expect(errorCode(await client.as(acceptInvitation.token).request(AcceptInvitationDocument, { token }))).toBe('CONFLICT');
    expect(errorCode(await first.client.request(AcceptInvitationDocument, { token }))).toBe('CONFLICT');
    expect(errorCode(await first.client.request(DeclineInvitationDocument, { token }))).toBe('BAD_USER_INPUT');

    const second = await signUpUser(client, 'Second');
    const joined = (await second.client.ok(AcceptInvitationDocument, { token })).acceptInvitation.member;
    const third = await signUpUser(client, 'Third');
    expect(errorCode(await third.client.request(AcceptInvitationDocument, { token }))).toBe('INVITATION_INVALID');
    // Used up: ACCEPTED, by the one who took the last use.
    expect((await owner.client.ok(InvitationDocument, { id: invitation.id })).invitation).toMatchObject({
      status: 'ACCEPTED',
      useCount: 2,
      acceptedBy: { id: joined.id },
    });

    const events = await orgEvents(owner.org.id);
    expect(events.map((event) => `${event.topic} ${event.type}`)).toEqual(['INVITATION SENT', 'INVITATION ACCEPTED', 'MEMBER JOINED', 'INVITATION ACCEPTED', 'MEMBER JOINED']);
    expect(events[0]).toMatchObject({ payload: { invitationId: rawIdOf(invitation.id) }, department_ids: [lab.rawId], recipient_phone: null, recipient_email: null });
    expect(events[3]).toMatchObject({ payload: { invitationId: rawIdOf(invitation.id), memberId: rawIdOf(joined.id) } });
    expect(events[4]).toMatchObject({ payload: { memberId: rawIdOf(joined.id), name: 'Second' }, department_ids: [lab.rawId] });
    const audit = await sql<{ action: string }>('select action from audit_entries where target_id = $1', [rawIdOf(invitation.id)]);
    expect(audit.map((entry) => entry.action)).toEqual(['inviteLink.create']);
  });

  it('lets exactly one of 50 simultaneous accepts take the last use, enforced by the database', async () => {
    const owner = await createOrgWithOwner(client);
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: { maxUses: 1 } });
    const users: Array<{ client: GraphQLClient }> = [];
    for (let batch = 0; batch < 5; batch++) users.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => signUpUser(client, `Racer ${batch * 10 + i}`)))));

    const results = await Promise.all(users.map((user) => user.client.request(AcceptInvitationDocument, { token: createInviteLink.token })));
    const winners = results.filter((result) => result.data?.acceptInvitation);
    expect(winners).toHaveLength(1);
    expect(results.filter((result) => errorCode(result) === 'INVITATION_INVALID')).toHaveLength(49);

    const { invitation } = await owner.client.ok(InvitationDocument, { id: createInviteLink.invitation.id });
    expect(invitation).toMatchObject({ status: 'ACCEPTED', useCount: 1, acceptedBy: { id: winners[0]!.data!.acceptInvitation.member.id } });
    const [{ count }] = await sql<{ count: number }>(`select count(*)::int as count from members where org_id = $1`, [rawIdOf(owner.org.id)]);
    expect(count).toBe(2);
    const [{ acceptances }] = await sql<{ acceptances: number }>('select count(*)::int as acceptances from invitation_acceptances where invitation_id = $1', [rawIdOf(invitation!.id)]);
    expect(acceptances).toBe(1);
    expect((await orgEvents(owner.org.id, 'MEMBER')).length).toBe(1);
  });

  it('checks the quota at each acceptance', async () => {
    const owner = await createOrgWithOwner(client);
    await setMemberLimit(owner.org.id, 2);
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: {} });
    expect(createInviteLink.invitation.maxUses).toBeNull();
    await (await signUpUser(client)).client.ok(AcceptInvitationDocument, { token: createInviteLink.token });
    const late = await signUpUser(client);
    expect(errorCode(await late.client.request(AcceptInvitationDocument, { token: createInviteLink.token }))).toBe('QUOTA_EXCEEDED');
    expect((await owner.client.ok(InvitationDocument, { id: createInviteLink.invitation.id })).invitation!.useCount).toBe(1);
  });

  it('validates lifetime and uses, and regenerates an expired link with a new token and the same lifetime', async () => {
    const owner = await createOrgWithOwner(client);
    for (const input of [{ expiresIn: 10 }, { expiresIn: 400 * 86400 }, { maxUses: 0 }, { maxUses: 100_001 }]) {
      expect(errorCode(await owner.client.request(CreateInviteLinkDocument, { input }))).toBe('BAD_USER_INPUT');
    }
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: { expiresIn: 600, maxUses: 5 } });
    await backdateExpiry(createInviteLink.invitation.id);
    const { invitation: expired } = await owner.client.ok(InvitationDocument, { id: createInviteLink.invitation.id });
    expect(expired!.status).toBe('EXPIRED');
    expect(expired!.statusChangedAt).toBe(expired!.expiresAt);
    expect(errorCode(await (await signUpUser(client)).client.request(AcceptInvitationDocument, { token: createInviteLink.token }))).toBe('INVITATION_INVALID');
    expect(errorCode(await owner.client.request(InviteLinkQrCodeDocument, { id: expired!.id, format: 'SVG' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(ResendInvitationDocument, { id: expired!.id, phone: uniquePhone() }))).toBe('BAD_USER_INPUT');

    const before = Date.now();
    const { resendInvitation } = await owner.client.ok(ResendInvitationDocument, { id: expired!.id });
    expect(resendInvitation.token).not.toBe(createInviteLink.token);
    expect(resendInvitation.invitation).toMatchObject({ status: 'PENDING', url: resendInvitation.url, sentCount: 2 });
    expect(Math.abs(Date.parse(resendInvitation.invitation.expiresAt) - before - 600_000)).toBeLessThan(5000);
    await (await signUpUser(client)).client.ok(AcceptInvitationDocument, { token: resendInvitation.token });

    const { revokeInvitation } = await owner.client.ok(RevokeInvitationDocument, { id: expired!.id });
    expect(revokeInvitation.status).toBe('REVOKED');
    expect(errorCode(await (await signUpUser(client)).client.request(AcceptInvitationDocument, { token: resendInvitation.token }))).toBe('INVITATION_INVALID');
  });
});

describe('inviteLinkQrCode', () => {
  it('renders a usable link as SVG or PNG', async () => {
    const owner = await createOrgWithOwner(client);
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: { maxUses: 10 } });
    const id = createInviteLink.invitation.id;
    const { inviteLinkQrCode: svg } = await owner.client.ok(InviteLinkQrCodeDocument, { id, format: 'SVG' });
    expect(svg).toMatchObject({ format: 'SVG', mimeType: 'image/svg+xml', url: createInviteLink.url });
    expect(svg.data).toMatch(/^<svg[^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    const { inviteLinkQrCode: png } = await owner.client.ok(InviteLinkQrCodeDocument, { id, format: 'PNG' });
    expect(png).toMatchObject({ format: 'PNG', mimeType: 'image/png', url: createInviteLink.url });
    const bytes = Buffer.from(png.data, 'base64');
    expect(bytes.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
    expect(tokenOf(png.url)).toBe(createInviteLink.token);

    // Phone invitations have no QR code.
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'No QR' } });
    expect(errorCode(await owner.client.request(InviteLinkQrCodeDocument, { id: sendInvitation.invitation.id, format: 'PNG' }))).toBe('BAD_USER_INPUT');
    // A used-up link neither.
    await sql('update invitations set use_count = max_uses, status = $2 where id = $1', [rawIdOf(id), 'ACCEPTED']);
    expect(errorCode(await owner.client.request(InviteLinkQrCodeDocument, { id, format: 'SVG' }))).toBe('BAD_USER_INPUT');
  });
});
