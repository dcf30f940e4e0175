import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemo, type DemoOrg } from '../scripts/seed-demo';
import type { Gateway } from '../src/server';
import { AddMemberDocument, LogInWithEnterpriseAccountDocument } from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';

let gateway: Gateway;
let demo: DemoOrg;
beforeAll(async () => {
  gateway = await startTestGateway();
  demo = await seedDemo(gateway.url);
}, 120_000);

interface TreeNode {
  name: string;
  memberCount: number;
  children: TreeNode[];
}

async function graphql<T>(token: string, query: string): Promise<T> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  const answer = (await response.json()) as { data: T; errors?: unknown[] };
  expect(answer.errors).toBeUndefined();
  return answer.data;
}

describe('npm run seed:demo', () => {
  it('creates a health commission shaped like seed 004: divisions, hospitals, clinics, members', async () => {
    const { viewer } = await graphql<{ viewer: { org: { code: string; rootDepartment: TreeNode } } }>(
      demo.owner.token,
      `{ viewer { org { code rootDepartment { name memberCount children { name memberCount children { name memberCount children { name memberCount } } } } } } }`,
    );
    expect(viewer.org.code).toBe(demo.orgCode);
    const root = viewer.org.rootDepartment;
    expect(root.children.map((child) => child.name)).toEqual(['卫生健康委机关', '医疗机构', '社区卫生服务中心', '医疗防疫保障工作专班', '系统运维']);
    const institutions = root.children.find((child) => child.name === '医疗机构')!;
    expect(institutions.children.map((child) => child.name)).toEqual(['一级医院', '二级医院', '三级医院']);
    expect(institutions.children[0]!.children.map((child) => child.name)).toContain('北京国华中医医院');
    // Counted as the admin console does: active and not yet activated members of the whole tree.
    expect(root.memberCount).toBe(demo.activeMembers + demo.pendingMembers);
    expect(demo.departments.size).toBe(21);
  });

  it('gives working tokens and sign-ins to the owner, the admin and sub-admins scoped to their institutions', async () => {
    for (const person of [demo.owner, demo.admin, ...demo.subAdmins]) {
      const { viewer } = await graphql<{ viewer: { member: { id: string; roles: Array<{ role: { builtin: string | null }; scopeDepartments: Array<{ name: string }> }> } } }>(
        person.token,
        `{ viewer { member { id roles { role { builtin } scopeDepartments { name } } } } }`,
      );
      expect(viewer.member.id).toBe(person.memberId);
    }
    const hospitalAdmin = demo.subAdmins.find((person) => person.role.includes('北京国华中医医院'))!;
    const { viewer } = await graphql<{ viewer: { member: { roles: Array<{ role: { builtin: string | null }; scopeDepartments: Array<{ name: string }> }> } } }>(
      hospitalAdmin.token,
      `{ viewer { member { roles { role { builtin } scopeDepartments { name } } } } }`,
    );
    expect(viewer.member.roles).toContainEqual({ role: { builtin: 'SUB_ADMIN' }, scopeDepartments: [{ name: '北京国华中医医院' }] });

    // Signing in again with the printed credentials works (the initial password was changed to the demo one).
    const client = new GraphQLClient(gateway.url);
    const signIn = hospitalAdmin.signIn as { orgCode: string; loginName: string; password: string };
    expect(signIn).toMatchObject({ loginName: 'ding0934gh', password: DEMO_PASSWORD });
    const { logInWithEnterpriseAccount } = await client.ok(LogInWithEnterpriseAccountDocument, { input: signIn });
    // The scope is real: the hospital's admin cannot add people to a community clinic.
    const outside = await client.as(logInWithEnterpriseAccount.token).request(AddMemberDocument, {
      input: { name: 'Outside', phone: uniquePhone(), departmentIds: [demo.departments.get('社区卫生服务中心/团结湖社区卫生服务中心')!] },
    });
    expect(errorCode(outside)).toBe('FORBIDDEN');
  });

  it('leaves pending members and invitations, an invite link, and tagged contacts shared in different ways', async () => {
    const data = await graphql<{
      active: { totalCount: number };
      pending: { totalCount: number };
      invitations: { edges: Array<{ node: { channel: string; status: string } }> };
      contacts: { edges: Array<{ node: { name: string; visibility: string; tags: Array<{ name: string }> } }> };
      myAnnouncements: { edges: Array<{ node: { notification: { title: string; pinned: boolean } } }> };
    }>(
      demo.owner.token,
      `{ active: members(first: 1, filter: { status: ACTIVE }) { totalCount }
         pending: members(first: 1, filter: { status: PENDING }) { totalCount }
         invitations(first: 50, filter: { status: PENDING }) { edges { node { channel status } } }
         contacts(first: 50) { edges { node { name visibility tags { name } } } }
         myAnnouncements(first: 5) { edges { node { notification { title pinned } } } } }`,
    );
    expect(data.active.totalCount).toBe(demo.activeMembers);
    expect(data.pending.totalCount).toBe(demo.pendingMembers);
    const channels = data.invitations.edges.map((edge) => edge.node.channel);
    expect(channels.filter((channel) => channel === 'PHONE')).toHaveLength(demo.pendingMembers);
    expect(channels).toContain('LINK');
    expect(demo.inviteLinkUrl).toMatch(/\/invite\//);

    // The owner sees every contact; each carries tags.
    const contacts = data.contacts.edges.map((edge) => edge.node);
    expect(contacts).toHaveLength(demo.contacts);
    expect(contacts.every((contact) => contact.tags.length > 0)).toBe(true);
    expect(new Set(contacts.map((contact) => contact.visibility))).toEqual(new Set(['ORG', 'SHARED', 'PRIVATE']));
    expect(data.myAnnouncements.edges[0]!.node.notification).toEqual({ title: '安全生产自检', pinned: true });
  });

  it('creates a fresh org on every run', { timeout: 120_000 }, async () => {
    const again = await seedDemo(gateway.url);
    expect(again.orgCode).not.toBe(demo.orgCode);
    expect(again.orgId).not.toBe(demo.orgId);
  });
});
