/**
 * The end-to-end scenario: two gateway processes share Postgres and Redis; an admin dashboard subscribes on
 * one, the invitee accepts on the other, and the acceptance (with the new member) reaches the dashboard. The invitee's
 * own `myInvitations` stream, opened on the first process, receives the invitation addressed to them.
 */
import { describe, expect, it } from 'vitest';
import { AcceptInvitationDocument, InvitationEventsDocument, MyInvitationsDocument, SendInvitationDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { signUpVerified } from './support/invitations';
import { spawnGateway } from './support/process';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

describe('invitation events across gateway processes', () => {
  it('delivers SENT to the invitee and ACCEPTED with the new member to an admin subscribed on another process', async () => {
    // No periodic sweep on the dashboard's process: only Redis can bring it the other process's events.
    const [dashboardSide, inviteeSide] = await Promise.all([spawnGateway({ EVENT_SWEEP_MS: '0' }), spawnGateway()]);
    const other = new GraphQLClient(inviteeSide.url);
    const org = await createOrgWithOwner(other, 'Chaoyang Health Commission');
    const invitee = await signUpVerified(other, 'Wang Fang');
    const invite = (phone: string, name: string) => org.client.ok(SendInvitationDocument, { input: { phone, name } });

    const dashboard = subscribeTo(connectWs(dashboardSide.url, org.client.token).client, InvitationEventsDocument, {});
    await dashboard.untilLive(() => invite(uniquePhone(), 'Probe'));
    const mine = subscribeTo(connectWs(dashboardSide.url, invitee.client.token).client, MyInvitationsDocument, {});
    await new Promise((resolve) => setTimeout(resolve, 300)); // myInvitations starts from now: let it subscribe first
    const seen = dashboard.results.length;

    const { sendInvitation } = await invite(invitee.phone, 'Wang Fang');
    const [sentToMe] = await mine.take(1);
    expect(sentToMe!.myInvitations).toMatchObject({ type: 'SENT', invitation: { id: sendInvitation.invitation.id } });

    const { acceptInvitation } = await invitee.client.ok(AcceptInvitationDocument, { token: sendInvitation.token });
    const events = (await dashboard.take(seen + 2)).slice(seen).map((result) => result.invitationEvents);
    expect(events.map((event) => event.type)).toEqual(['SENT', 'ACCEPTED']);
    expect(events[1]).toMatchObject({
      invitation: { id: sendInvitation.invitation.id },
      member: { id: acceptInvitation.member.id, name: 'Wang Fang' },
    });
    expect(Number(events[1]!.id)).toBeGreaterThan(Number(events[0]!.id));
  });
});
