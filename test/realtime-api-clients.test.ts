import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../src/config';
import {
  InvitationEventsDocument,
  MemberEventsDocument,
  MyInvitationsDocument,
  RevokeApiClientDocument,
  SendInvitationDocument,
  UpdateMemberDocument,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor } from './support/limits';
import { subscribeTo, TestSubscription } from './support/subscriptions';
import { connectWs } from './support/ws';

let url: string;
let client: GraphQLClient;
beforeAll(async () => {
  url = (await startTestGateway()).url;
  client = new GraphQLClient(url);
});

async function ownerAndRename() {
  const owner = await createOrgWithOwner(client);
  let count = 0;
  const rename = () => owner.client.ok(UpdateMemberDocument, { input: { id: owner.member.id, name: `Renamed ${++count}` } });
  return { owner, rename };
}

const nest = (field: string, depth: number, leaf: string) => `${field} { `.repeat(depth) + leaf + ' }'.repeat(depth);

describe('graphql-ws for API clients', () => {
  it('streams org events to a partner holding events:subscribe and the read scope, and resumes with after', async () => {
    const { owner, rename } = await ownerAndRename();
    const partner = await apiClientFor(owner.client, ['events:subscribe', 'members:read']);
    const sub = subscribeTo(connectWs(url, partner.token).client, MemberEventsDocument, {});
    await sub.untilLive(rename);
    const seen = sub.results.length;
    const { updateMember } = await rename(); // untilLive may have renamed more than once
    const [event] = (await sub.take(seen + 1)).slice(seen);
    expect(event!.memberEvents).toMatchObject({ type: 'UPDATED', memberId: owner.member.id, member: { id: owner.member.id, name: updateMember.name } });

    sub.dispose();
    await rename();
    const resumed = subscribeTo(connectWs(url, partner.token).client, MemberEventsDocument, { after: event!.memberEvents.id });
    const [missed] = await resumed.take(1);
    expect(Number(missed!.memberEvents.id)).toBe(Number(event!.memberEvents.id) + 1);
  });

  it('streams invitation events to a partner with invitations:read (and members:read, as the operation selects `member`)', async () => {
    const owner = await createOrgWithOwner(client);
    const partner = await apiClientFor(owner.client, ['events:subscribe', 'invitations:read', 'members:read']);
    const sub = subscribeTo(connectWs(url, partner.token).client, InvitationEventsDocument, {});
    await sub.untilLive(() => owner.client.ok(SendInvitationDocument, { input: { phone: uniquePhone(), name: 'Invitee' } }));
    expect(sub.results[0]!.invitationEvents).toMatchObject({ type: 'SENT', invitation: { id: expect.any(String) } });
  });

  it('refuses a partner without events:subscribe, or without the read scope of what it selects, and person-only streams', async () => {
    const owner = await createOrgWithOwner(client);
    const readsOnly = await apiClientFor(owner.client, ['members:read']);
    const noMembers = await apiClientFor(owner.client, ['events:subscribe', 'invitations:read']);
    const full = await apiClientFor(owner.client, ['events:subscribe', 'members:read']);
    const refusals = [
      subscribeTo(connectWs(url, readsOnly.token).client, MemberEventsDocument, {}),
      subscribeTo(connectWs(url, noMembers.token).client, MemberEventsDocument, {}),
      subscribeTo(connectWs(url, full.token).client, MyInvitationsDocument, {}),
    ];
    for (const refusal of refusals) expect(await refusal.endedWith()).toBe('FORBIDDEN');
    expect(refusals[0]!.errors[0]!.message).toContain('events:subscribe');
    expect(refusals[1]!.errors[0]!.message).toContain('members:read');
  });

  it('ends a partner subscription at the next event once the client is revoked', async () => {
    const { owner, rename } = await ownerAndRename();
    const partner = await apiClientFor(owner.client, ['events:subscribe', 'members:read']);
    const sub = subscribeTo(connectWs(url, partner.token).client, MemberEventsDocument, {});
    await sub.untilLive(rename);
    await owner.client.ok(RevokeApiClientDocument, { id: partner.id });
    await rename();
    expect(await sub.endedWith()).toBe('UNAUTHENTICATED');
  });

  it('refuses the connection of a revoked client with 4403', async () => {
    const { owner } = await ownerAndRename();
    const partner = await apiClientFor(owner.client, ['events:subscribe', 'members:read']);
    await owner.client.ok(RevokeApiClientDocument, { id: partner.id });
    expect(await connectWs(url, partner.token).closed).toBe(4403);
  });
});

describe('operation limits on graphql-ws subscribe', () => {
  it('refuses hostile subscriptions with the codes HTTP uses, before anything runs', async () => {
    const { owner } = await ownerAndRename();
    const { client: ws } = connectWs(url, owner.client.token);
    const hostile: Array<[string, string]> = [
      [`subscription { memberEvents { member { ${nest('manager', 20, 'id')} } } }`, 'DEPTH_LIMIT_EXCEEDED'],
      [`subscription { memberEvents { ${Array.from({ length: 60 }, (_, i) => `a${i}: id`).join(' ')} } }`, 'TOO_MANY_ALIASES'],
      [`subscription { memberEvents { ${Array.from({ length: 25 }, () => '... on MemberEvent @include(if: true) { id }').join(' ')} } }`, 'TOO_MANY_DIRECTIVES'],
    ];
    for (const [query, code] of hostile) {
      const sub = new TestSubscription(ws, query, {});
      expect(await sub.endedWith(), query.slice(0, 60)).toBe(code);
    }
  });

  it('charges subscribes to the caller budget and answers RATE_LIMITED past it', async () => {
    const gateway = await startTestGateway({ rateLimits: { ...DEFAULT_RATE_LIMITS, prefix: `orggraph-test:${randomUUID()}`, perCredential: 3 } });
    const owner = await createOrgWithOwner(client);
    const { client: ws } = connectWs(gateway.url, owner.client.token);
    const cheap = 'subscription { memberEvents { id } }'; // costs 1
    const subs = Array.from({ length: 3 }, () => new TestSubscription(ws, cheap, {}));
    const refused = new TestSubscription(ws, cheap, {});
    expect(await refused.endedWith()).toBe('RATE_LIMITED');
    expect(refused.errors[0]!.extensions?.retryAfter).toBeGreaterThan(0);
    for (const sub of subs) expect(sub.ended).toBe(false);
  });
});
