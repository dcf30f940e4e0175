import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../src/config';
import {
  AcceptInvitationDocument,
  CreateDepartmentDocument,
  CreateInviteLinkDocument,
  CreateRoleDocument,
  DeclineInvitationDocument,
  InvitationPreviewDocument,
  RevokeInvitationDocument,
  SendInvitationDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { gql, rawCode } from './support/limits';
import { backdateExpiry, signUpVerified, tokenOf } from './support/invitations';

let http: GraphQLClient;
let anonymous: GraphQLClient;
beforeAll(async () => {
  http = new GraphQLClient((await startTestGateway()).url);
  anonymous = http.as(undefined);
});

/** What the gateway answers for a token the invitee can no longer use. */
async function deadAnswer(token: string) {
  const result = await anonymous.request(InvitationPreviewDocument, { token });
  expect(result.data?.invitationPreview ?? null).toBeNull();
  expect(errorCode(result)).toBe('INVITATION_INVALID');
  return result.errors![0]!.message;
}

describe('invitationPreview', () => {
  it('shows an anonymous caller what a phone invitation offers, with the recipient masked and nothing else', async () => {
    const owner = await createOrgWithOwner(http, 'Harbour Clinic');
    const { createDepartment } = await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Cardiology' } });
    const { createRole } = await owner.client.ok(CreateRoleDocument, { input: { name: 'Ward clerk', permissions: [] } });
    const phone = uniquePhone();
    const { sendInvitation } = await owner.client.ok(SendInvitationDocument, {
      input: { name: 'Mei Lin', phone, departmentIds: [createDepartment.id], roleIds: [createRole.id], message: 'Welcome aboard' },
    });
    const { invitationPreview } = await anonymous.ok(InvitationPreviewDocument, { token: sendInvitation.token });
    expect(invitationPreview).toEqual({
      orgName: 'Harbour Clinic',
      invitedByName: 'Owner',
      channel: 'PHONE',
      sentTo: `+86 139****${phone.slice(-4)}`,
      roles: ['Ward clerk'],
      departments: ['Cardiology'],
      message: 'Welcome aboard',
      expiresAt: sendInvitation.invitation.expiresAt,
    });
    // No field of the type reaches further than these (ids, paths, the full number): the page shows them all.
    const raw = await gql(http.url, '{ __type(name: "InvitationPreview") { fields { name } } }');
    expect((raw.body.data as { __type: { fields: Array<{ name: string }> } }).__type.fields.map((f) => f.name).sort()).toEqual(
      ['channel', 'departments', 'expiresAt', 'invitedByName', 'message', 'orgName', 'roles', 'sentTo'],
    );
  });

  it('names the defaults a link gives when it names no role or department', async () => {
    const owner = await createOrgWithOwner(http, 'Riverside Health');
    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: { maxUses: 2 } });
    const { invitationPreview } = await anonymous.ok(InvitationPreviewDocument, { token: tokenOf(createInviteLink.url) });
    expect(invitationPreview).toMatchObject({ orgName: 'Riverside Health', channel: 'LINK', sentTo: null, roles: ['Member'], departments: ['Riverside Health'] });
  });

  it('answers unknown, revoked, expired, accepted, declined and used-up tokens alike', async () => {
    const owner = await createOrgWithOwner(http, 'Dead Ends');
    const unknown = await deadAnswer(`nope-${randomUUID()}`);

    const revoked = await owner.client.ok(SendInvitationDocument, { input: { name: 'R', phone: uniquePhone() } });
    await owner.client.ok(RevokeInvitationDocument, { id: revoked.sendInvitation.invitation.id });

    const expired = await owner.client.ok(SendInvitationDocument, { input: { name: 'E', phone: uniquePhone() } });
    await backdateExpiry(expired.sendInvitation.invitation.id);

    const acceptedBy = await signUpVerified(http, 'A');
    const accepted = await owner.client.ok(SendInvitationDocument, { input: { name: 'A', phone: acceptedBy.phone } });
    expect((await anonymous.ok(InvitationPreviewDocument, { token: accepted.sendInvitation.token })).invitationPreview?.orgName).toBe('Dead Ends');
    await acceptedBy.client.ok(AcceptInvitationDocument, { token: accepted.sendInvitation.token });

    const declinedBy = await signUpVerified(http, 'D');
    const declined = await owner.client.ok(SendInvitationDocument, { input: { name: 'D', phone: declinedBy.phone } });
    await declinedBy.client.ok(DeclineInvitationDocument, { token: declined.sendInvitation.token });

    const { createInviteLink } = await owner.client.ok(CreateInviteLinkDocument, { input: { maxUses: 1 } });
    await (await signUpUser(http)).client.ok(AcceptInvitationDocument, { token: tokenOf(createInviteLink.url) });

    const answers = [
      await deadAnswer(revoked.sendInvitation.token),
      await deadAnswer(expired.sendInvitation.token),
      await deadAnswer(accepted.sendInvitation.token),
      await deadAnswer(declined.sendInvitation.token),
      await deadAnswer(tokenOf(createInviteLink.url)),
    ];
    expect(new Set([unknown, ...answers]).size).toBe(1);
  });

  it('draws on the same guess budget as acceptInvitation', async () => {
    const limited = await startTestGateway({
      rateLimits: { ...DEFAULT_RATE_LIMITS, prefix: `orggraph-test:${randomUUID()}`, invitationToken: { perAddress: 4, perTarget: 30, windowSeconds: 60 } },
    });
    const guesser = await signUpUser(http);
    const preview = (token: string) => gql(limited.url, 'query ($token: String!) { invitationPreview(token: $token) { orgName } }', { token });
    const accept = (token: string) =>
      gql(limited.url, 'mutation ($token: String!) { acceptInvitation(token: $token) { token } }', { token }, { token: guesser.client.token });
    expect(rawCode(await preview('guess-1'))).toBe('INVITATION_INVALID');
    expect(rawCode(await accept('guess-2'))).toBe('INVITATION_INVALID');
    expect(rawCode(await preview('guess-3'))).toBe('INVITATION_INVALID');
    expect(rawCode(await accept('guess-4'))).toBe('INVITATION_INVALID');
    // The address's four attempts are spent, whichever operation spent them.
    expect(rawCode(await preview('guess-5'))).toBe('RATE_LIMITED');
    expect(rawCode(await accept('guess-6'))).toBe('RATE_LIMITED');
    // Other queries do not count as guesses.
    expect(rawCode(await gql(limited.url, '{ __typename }'))).toBeUndefined();
  });
});
