import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateInviteLinkDocument,
  CreateRoleDocument,
  InvitationDocument,
  InvitationNodeDocument,
  InvitationsDocument,
  InvitationsWithRelationsDocument,
  InviteLinkQrCodeDocument,
  ResendInvitationDocument,
  RevokeInvitationDocument,
  SendInvitationDocument,
  UpdateInvitationSettingsDocument,
  type InvitationFilter,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { backdateExpiry } from './support/invitations';
import { seedActiveMember } from './support/seed-member';
import { builtinRoleId, insertDepartment } from './support/sql-fixtures';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

describe('who may invite', () => {
  it('limits a SUB_ADMIN to its departments and to roles it may grant', async () => {
    const owner = await createOrgWithOwner(client);
    const a = await insertDepartment(owner.org.id, 'A');
    const a1 = await insertDepartment(owner.org.id, 'A1', a.id);
    const b = await insertDepartment(owner.org.id, 'B');
    const subAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [a.id], departmentId: a.id });
    // Invitations closed or not, a sub-admin invites inside its scope and nowhere else.
    await owner.client.ok(UpdateInvitationSettingsDocument, { input: { invitesOpen: false } });

    const inScope = (await subAdmin.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'In A1', departmentIds: [a1.id] } })).sendInvitation;
    expect(inScope.invitation.departments).toEqual([{ id: a1.id, name: 'A1' }]);
    await subAdmin.client.ok(CreateInviteLinkDocument, { input: { departmentIds: [a.id] } });
    const outside = await subAdmin.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'In B', departmentIds: [b.id] } });
    expect(errorCode(outside)).toBe('FORBIDDEN');
    expect(outside.errors![0]!.message).toMatch(/outside the departments you manage/);
    expect(errorCode(await subAdmin.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Both', departmentIds: [a.id, b.id] } }))).toBe('FORBIDDEN');
    expect(errorCode(await subAdmin.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Root' } }))).toBe('FORBIDDEN');
    expect(errorCode(await subAdmin.client.request(CreateInviteLinkDocument, { input: { departmentIds: [b.id] } }))).toBe('FORBIDDEN');
    const admin = await builtinRoleId(owner.org.id, 'ADMIN');
    expect(errorCode(await subAdmin.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Admin', departmentIds: [a.id], roleIds: [admin] } }))).toBe('FORBIDDEN');

    // It manages and sees invitations into its departments only.
    const intoB = (await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Owner into B', departmentIds: [b.id] } })).sendInvitation;
    const { invitations } = await subAdmin.client.ok(InvitationsDocument, { first: 10 });
    expect(invitations.edges.map((edge) => edge.node.name)).toEqual([null, 'In A1']); // the link, then the phone invitation
    expect((await subAdmin.client.ok(InvitationDocument, { id: inScope.invitation.id })).invitation!.phone).toMatch(/^\+86/);
    expect(errorCode(await subAdmin.client.request(InvitationDocument, { id: intoB.invitation.id }))).toBe('FORBIDDEN');
    expect(errorCode(await subAdmin.client.request(RevokeInvitationDocument, { id: intoB.invitation.id }))).toBe('FORBIDDEN');
    expect(errorCode(await subAdmin.client.request(ResendInvitationDocument, { id: intoB.invitation.id }))).toBe('FORBIDDEN');
    await subAdmin.client.ok(ResendInvitationDocument, { id: inScope.invitation.id });
    await subAdmin.client.ok(RevokeInvitationDocument, { id: inScope.invitation.id });
  });

  it('lets plain members invite with the MEMBER role only, and only while invitations are open [004]', async () => {
    const owner = await createOrgWithOwner(client);
    const a = await insertDepartment(owner.org.id, 'A');
    const b = await insertDepartment(owner.org.id, 'B');
    const plain = await seedActiveMember(client, owner.org.id, { departmentId: a.id });
    const member = await builtinRoleId(owner.org.id, 'MEMBER');
    const admin = await builtinRoleId(owner.org.id, 'ADMIN');
    const custom = (await owner.client.ok(CreateRoleDocument, { input: { name: 'Nurse', permissions: [] } })).createRole.id;

    // Open (the default): MEMBER role, into the root or the inviter's own departments.
    const mine = (await plain.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Friend' } })).sendInvitation;
    await plain.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Colleague', departmentIds: [a.id], roleIds: [member] } });
    const link = (await plain.client.ok(CreateInviteLinkDocument, { input: {} })).createInviteLink;
    for (const roleIds of [[admin], [custom], [member, custom]]) {
      const refused = await plain.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Boss', roleIds } });
      expect(errorCode(refused)).toBe('FORBIDDEN');
      expect(refused.errors![0]!.message).toMatch(/MEMBER role only/);
    }
    expect(errorCode(await plain.client.request(CreateInviteLinkDocument, { input: { roleIds: [admin] } }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Elsewhere', departmentIds: [b.id] } }))).toBe('FORBIDDEN');

    // They see what they sent (not the phone), they do not manage it, and they can show their link's QR code.
    const { invitations } = await plain.client.ok(InvitationsDocument, { first: 10 });
    expect(invitations.totalCount).toBe(3);
    const { invitation } = await plain.client.ok(InvitationDocument, { id: mine.invitation.id });
    expect(invitation).toMatchObject({ name: 'Friend', phone: null, invitedBy: { id: plain.memberId } });
    await plain.client.ok(InviteLinkQrCodeDocument, { id: link.invitation.id, format: 'SVG' });
    expect(errorCode(await plain.client.request(RevokeInvitationDocument, { id: mine.invitation.id }))).toBe('FORBIDDEN');
    expect(errorCode(await plain.client.request(ResendInvitationDocument, { id: mine.invitation.id }))).toBe('FORBIDDEN');
    const ownerInvite = (await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Not theirs' } })).sendInvitation;
    expect(errorCode(await plain.client.request(InvitationDocument, { id: ownerInvite.invitation.id }))).toBe('FORBIDDEN');

    // Closed: only admins invite.
    expect(errorCode(await plain.client.request(UpdateInvitationSettingsDocument, { input: { invitesOpen: false } }))).toBe('FORBIDDEN');
    await owner.client.ok(UpdateInvitationSettingsDocument, { input: { invitesOpen: false } });
    const closed = await plain.client.request(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Late' } });
    expect(errorCode(closed)).toBe('FORBIDDEN');
    expect(closed.errors![0]!.message).toMatch(/closed invitations/);
    expect(errorCode(await plain.client.request(CreateInviteLinkDocument, { input: {} }))).toBe('FORBIDDEN');
    await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'By the owner' } });
    await owner.client.ok(CreateInviteLinkDocument, { input: { departmentIds: [b.id], roleIds: [admin] } });
    const orgAdmin = await seedActiveMember(client, owner.org.id, { role: 'ADMIN', departmentId: b.id });
    await orgAdmin.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'By an admin', departmentIds: [a.id] } });
    const owners = await builtinRoleId(owner.org.id, 'OWNER');
    expect(errorCode(await orgAdmin.client.request(CreateInviteLinkDocument, { input: { roleIds: [owners] } }))).toBe('FORBIDDEN');
  });

  it('keeps tenants sealed: another org\'s invitations are NOT_FOUND everywhere', async () => {
    const owner = await createOrgWithOwner(client);
    const other = await createOrgWithOwner(client);
    const link = (await owner.client.ok(CreateInviteLinkDocument, { input: {} })).createInviteLink;
    const sent = (await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Mine' } })).sendInvitation;
    for (const id of [link.invitation.id, sent.invitation.id]) {
      expect(errorCode(await other.client.request(InvitationDocument, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await other.client.request(InvitationNodeDocument, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await other.client.request(RevokeInvitationDocument, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await other.client.request(ResendInvitationDocument, { id }))).toBe('NOT_FOUND');
      expect(errorCode(await other.client.request(InviteLinkQrCodeDocument, { id, format: 'PNG' }))).toBe('NOT_FOUND');
    }
    expect((await other.client.ok(InvitationsDocument, { first: 10 })).invitations.totalCount).toBe(0);
    // Invitations into another org's departments or with its roles: NOT_FOUND.
    expect(errorCode(await other.client.request(CreateInviteLinkDocument, { input: { departmentIds: [owner.org.rootDepartment.id] } }))).toBe('NOT_FOUND');
    expect(errorCode(await other.client.request(CreateInviteLinkDocument, { input: { roleIds: [await builtinRoleId(owner.org.id, 'MEMBER')] } }))).toBe('NOT_FOUND');
    // Malformed and wrong-type ids too.
    expect(errorCode(await owner.client.request(InvitationDocument, { id: 'nonsense' }))).toBe('NOT_FOUND');
    expect(errorCode(await owner.client.request(InvitationDocument, { id: owner.member.id }))).toBe('NOT_FOUND');
    const { node } = await owner.client.ok(InvitationNodeDocument, { id: link.invitation.id });
    expect(node).toMatchObject({ __typename: 'Invitation', id: link.invitation.id, channel: 'LINK', status: 'PENDING' });
  });
});

describe('invitations query', () => {
  it('pages newest first and filters by status (as shown), channel and department subtree', async () => {
    const owner = await createOrgWithOwner(client);
    const a = await insertDepartment(owner.org.id, 'A');
    const a1 = await insertDepartment(owner.org.id, 'A1', a.id);
    const names: string[] = [];
    for (let i = 0; i < 5; i++) {
      const name = `Person ${i}`;
      await owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name, departmentIds: i % 2 ? [a1.id] : undefined } });
      names.unshift(name);
    }
    const link = (await owner.client.ok(CreateInviteLinkDocument, { input: { departmentIds: [a.id] } })).createInviteLink;

    const seen: Array<string | null> = [];
    let after: string | null | undefined;
    do {
      const { invitations } = await owner.client.ok(InvitationsDocument, { first: 4, after });
      expect(invitations.totalCount).toBe(6);
      seen.push(...invitations.edges.map((edge) => edge.node.name));
      after = invitations.pageInfo.hasNextPage ? invitations.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toEqual([null, ...names]);
    expect(errorCode(await owner.client.request(InvitationsDocument, { first: 4, after: 'bogus' }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.client.request(InvitationsDocument, { first: 0 }))).toBe('BAD_USER_INPUT');

    const count = async (filter: InvitationFilter) =>
      (await owner.client.ok(InvitationsDocument, { first: 100, filter })).invitations.totalCount;
    expect(await count({ channel: 'LINK' })).toBe(1);
    expect(await count({ channel: 'PHONE' })).toBe(5);
    expect(await count({ departmentId: a.id })).toBe(3);
    expect(await count({ departmentId: a1.id })).toBe(2);
    expect(await count({ departmentId: owner.org.rootDepartment.id })).toBe(6);

    await backdateExpiry(link.invitation.id);
    expect(await count({ status: 'EXPIRED' })).toBe(1);
    expect(await count({ status: 'PENDING' })).toBe(5);
    expect(await count({ status: 'EXPIRED', channel: 'LINK' })).toBe(1);
    expect(await count({ status: 'REVOKED' })).toBe(0);
  });

  it('costs the same number of SQL statements for 5 or 20 invitations with their relations', async () => {
    const owner = await createOrgWithOwner(client);
    const a = await insertDepartment(owner.org.id, 'A');
    const subAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [a.id], departmentId: a.id });
    for (let i = 0; i < 20; i++) {
      const inviter = i % 2 ? owner.client : subAdmin.client;
      if (i % 5 === 0) await inviter.ok(CreateInviteLinkDocument, { input: { departmentIds: [a.id] } });
      else await inviter.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: `P${i}`, departmentIds: [a.id] } });
    }
    const statements = async (viewer: GraphQLClient, first: number) => {
      const result = await viewer.request(InvitationsWithRelationsDocument, { first });
      expect(result.errors).toBeUndefined();
      expect(result.data!.invitations.nodes).toHaveLength(first);
      return result.extensions!.sqlStatements;
    };
    for (const viewer of [owner.client, subAdmin.client]) {
      await statements(viewer, 5); // warm the credential: later viewers come from the cache
      expect(await statements(viewer, 5)).toBe(await statements(viewer, 20));
    }
  });
});
