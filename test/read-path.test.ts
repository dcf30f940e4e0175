/**
 * The read path of `npm run bench`: the three benchmark reads cost a fixed number of SQL statements with a warm
 * credential, whatever the page size and whether the viewer is the owner or a sub-admin whose field checks need
 * each member's departments; and the viewer cached per credential is dropped, on every instance, by what changes
 * its grants.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  AssignRoleDocument,
  CreateDepartmentDocument,
  ReadPathSearchDocument,
  ReadPathSubtreeDocument,
  ReadPathViewerDocument,
  RevokeRoleDocument,
  RolesDocument,
  SetMemberStatusDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin, type Person } from './support/people';

const MEMBERS = 110;

let owner: GraphQLClient;
let subAdmin: Person;
let ward: string;
let managerId: string;
let roleOf: (key: string) => string;

beforeAll(async () => {
  const gateway = await startTestGateway();
  const org = await createOrgWithOwner(new GraphQLClient(gateway.url), '朝阳医院');
  owner = org.client;
  const dept = async (name: string, parentId?: string) => (await owner.ok(CreateDepartmentDocument, { input: { name, parentId } })).createDepartment.id;
  ward = await dept('内科');
  const east = await dept('一病区', ward);
  const west = await dept('二病区', ward);
  const { roles } = await owner.ok(RolesDocument);
  roleOf = (key) => roles.find((role) => role.builtin === key)!.id;

  managerId = (await owner.ok(AddMemberDocument, { input: { name: '王主任', phone: uniquePhone(), departmentIds: [ward] } })).addMember.id;
  const ids: string[] = [];
  for (let batch = 0; batch < MEMBERS; batch += 10) {
    ids.push(...(await Promise.all(Array.from({ length: 10 }, async (_, k) => {
      const i = batch + k;
      const input = { name: `王${String(i).padStart(3, '0')}`, title: '医师', phone: uniquePhone(), departmentIds: i % 2 ? [east, west] : [east], managerId };
      return (await owner.ok(AddMemberDocument, { input })).addMember.id;
    }))));
  }
  for (const memberId of ids.slice(0, 20)) await owner.ok(AssignRoleDocument, { input: { memberId, roleId: roleOf('MEMBER') } });
  subAdmin = await addPersonWithLogin(owner, org.org.code, { name: '李科长', departmentIds: [ward], roles: [{ roleId: roleOf('SUB_ADMIN'), scopeDepartmentIds: [ward] }] });
}, 120_000);

describe('statements per read with a warm credential', () => {
  const viewers = () => ({ owner, subAdmin: subAdmin.client });

  for (const who of ['owner', 'subAdmin'] as const) {
    it(`department page with departments, roles, manager and subtree count: at most 5 for the ${who}, for 10, 50 and 100 members`, async () => {
      const client = viewers()[who];
      await client.ok(ReadPathSubtreeDocument, { id: ward, first: 10 });
      const counts: number[] = [];
      for (const first of [10, 50, 100]) {
        const result = await client.request(ReadPathSubtreeDocument, { id: ward, first });
        expect(result.errors).toBeUndefined();
        const page = result.data!.department!.members;
        expect(page.edges).toHaveLength(first);
        expect(result.data!.department!.memberCount).toBe(MEMBERS + 2);
        const worker = page.edges.find((edge) => edge.node.name === '王001')?.node;
        if (worker) {
          expect(worker.departments.map((d) => d.name).sort()).toEqual(['一病区', '二病区']);
          expect(worker.manager?.name).toBe('王主任');
          expect(worker.phone).toMatch(/^\+86139/); // both viewers may see it: the sub-admin's scope covers the ward
        }
        expect(page.edges.some((edge) => edge.node.roles.some((grant) => grant.role.name))).toBe(true);
        counts.push(result.extensions!.sqlStatements as number);
      }
      expect(counts[0]).toBeLessThanOrEqual(5);
      expect(new Set(counts).size).toBe(1);
    });

    it(`member name search: at most 3 for the ${who}, for 10, 50 and 100 results`, async () => {
      const client = viewers()[who];
      await client.ok(ReadPathSearchDocument, { query: '王', first: 10 });
      const counts: number[] = [];
      for (const first of [10, 50, 100]) {
        const result = await client.request(ReadPathSearchDocument, { query: '王', first });
        expect(result.errors).toBeUndefined();
        expect(result.data!.members.edges).toHaveLength(first);
        expect(result.data!.members.edges.every((edge) => edge.node.name.startsWith('王') && edge.node.departments.length > 0)).toBe(true);
        counts.push(result.extensions!.sqlStatements as number);
      }
      expect(counts[0]).toBeLessThanOrEqual(3);
      expect(new Set(counts).size).toBe(1);
    });

    it(`viewer with its orgs: at most 2 for the ${who}`, async () => {
      const client = viewers()[who];
      await client.ok(ReadPathViewerDocument);
      const result = await client.request(ReadPathViewerDocument);
      expect(result.errors).toBeUndefined();
      expect(result.data!.viewer.org?.name).toBe('朝阳医院');
      expect(result.data!.viewer.orgs.map((o) => o.name)).toContain('朝阳医院');
      expect(result.extensions!.sqlStatements).toBeLessThanOrEqual(2);
    });
  }
});

describe('the cached viewer follows grant changes on every instance', () => {
  it('a sub-admin role revoked through another instance stops the sub-admin seeing phones at once', async () => {
    const other = await startTestGateway();
    const person = await addPersonWithLogin(owner, (await owner.ok(ReadPathViewerDocument)).viewer.org!.code, {
      name: '赵组长',
      departmentIds: [ward],
      roles: [{ roleId: roleOf('SUB_ADMIN'), scopeDepartmentIds: [ward] }],
    });
    const phoneOf = async () => {
      const result = await person.client.ok(ReadPathSubtreeDocument, { id: ward, first: 5 });
      return result.department!.members.edges.find((edge) => edge.node.id !== person.memberId)!.node.phone;
    };
    expect(await phoneOf()).toMatch(/^\+86/); // warm: cached with the sub-admin grant
    await new GraphQLClient(other.url, owner.token).ok(RevokeRoleDocument, { input: { memberId: person.memberId, roleId: roleOf('SUB_ADMIN') } });
    await expect.poll(phoneOf, { timeout: 2_000 }).toBeNull();
  });

  it('a member disabled through another instance is refused at once', async () => {
    const other = await startTestGateway();
    const person = await addPersonWithLogin(owner, (await owner.ok(ReadPathViewerDocument)).viewer.org!.code, { name: '钱护士', departmentIds: [ward] });
    const search = () => person.client.request(ReadPathSearchDocument, { query: '王', first: 5 });
    expect((await search()).data?.members.edges).toHaveLength(5); // warm: cached as an active member
    await new GraphQLClient(other.url, owner.token).ok(SetMemberStatusDocument, { input: { id: person.memberId, status: 'DISABLED' } });
    await expect.poll(async () => errorCode(await search()), { timeout: 2_000 }).toBe('FORBIDDEN');
  });
});
