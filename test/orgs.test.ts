import { beforeAll, describe, expect, it } from 'vitest';
import { CreateOrgDocument, NodeDocument, SwitchOrgDocument, UpdateOrgSettingsDocument, ViewerDocument } from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser, uniqueOrgCode } from './support/factories';
import { startTestGateway } from './support/gateway';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

describe('orgs', () => {
  it('createOrg makes the caller OWNER with a token for the org', async () => {
    const { client: owner, org, member, user } = await createOrgWithOwner(client, 'Health Commission');
    expect(org).toMatchObject({ name: 'Health Commission', memberQuota: { used: 1, limit: 100000 }, settings: { invitesOpen: true } });
    expect(org.rootDepartment).toMatchObject({ name: 'Health Commission' });
    expect(member.status).toBe('ACTIVE');
    const { viewer } = await owner.ok(ViewerDocument);
    expect(viewer).toMatchObject({ user: { id: user.id }, org: { id: org.id }, member: { id: member.id } });
    expect(viewer.orgs.map((o) => o.id)).toEqual([org.id]);
  });

  it('switchOrg moves between the orgs of one user, and refuses orgs the user is not in', async () => {
    const { client: personal } = await signUpUser(client);
    const first = await personal.ok(CreateOrgDocument, { input: { name: 'First', code: uniqueOrgCode() } });
    const second = await personal.ok(CreateOrgDocument, { input: { name: 'Second', code: uniqueOrgCode() } });
    const { switchOrg } = await personal.ok(SwitchOrgDocument, { orgId: first.createOrg.org.id });
    const { viewer } = await client.as(switchOrg.token).ok(ViewerDocument);
    expect(viewer.org?.id).toBe(first.createOrg.org.id);
    expect(viewer.orgs.map((o) => o.id).sort()).toEqual([first.createOrg.org.id, second.createOrg.org.id].sort());

    const stranger = await createOrgWithOwner(client);
    expect(errorCode(await personal.request(SwitchOrgDocument, { orgId: stranger.org.id }))).toBe('NOT_FOUND');
  });

  it('refuses a duplicate or malformed org code', async () => {
    const { client: user } = await signUpUser(client);
    const code = uniqueOrgCode();
    await user.ok(CreateOrgDocument, { input: { name: 'A', code } });
    expect(errorCode(await user.request(CreateOrgDocument, { input: { name: 'B', code: code.toUpperCase() } }))).toBe('CONFLICT');
    expect(errorCode(await user.request(CreateOrgDocument, { input: { name: 'B', code: 'no spaces' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await client.request(CreateOrgDocument, { input: { name: 'B', code: uniqueOrgCode() } }))).toBe('UNAUTHENTICATED');
  });

  it('only admins change settings; node() never crosses tenants', async () => {
    const a = await createOrgWithOwner(client);
    const b = await createOrgWithOwner(client);
    const { updateOrgSettings } = await a.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } });
    expect(updateOrgSettings.settings.invitesOpen).toBe(false);
    const own = await a.client.ok(NodeDocument, { id: a.org.id });
    expect(own.node).toEqual({ __typename: 'Org', id: a.org.id });
    expect(errorCode(await a.client.request(NodeDocument, { id: b.org.id }))).toBe('NOT_FOUND');
    expect(errorCode(await a.client.request(NodeDocument, { id: 'garbage' }))).toBe('NOT_FOUND');
  });
});
