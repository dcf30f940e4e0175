import { beforeAll, describe, expect, it } from 'vitest';
import {
  CreateDepartmentDocument,
  DeleteDepartmentDocument,
  DepartmentDocument,
  DepartmentMemberCountsDocument,
  DepartmentTreePageDocument,
  MoveDepartmentDocument,
  NodeDocument,
  RenameDepartmentDocument,
  SwitchOrgDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient, type GraphQLResult } from './support/client';
import { insertPlacedMember } from './support/department-members';
import { createOrgWithOwner, signUpUser } from './support/factories';
import { startTestGateway } from './support/gateway';

let client: GraphQLClient;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
});

async function createDepartment(owner: GraphQLClient, name: string, parentId?: string) {
  return (await owner.ok(CreateDepartmentDocument, { input: { name, parentId } })).createDepartment;
}

async function readDepartment(viewer: GraphQLClient, id: string) {
  return (await viewer.ok(DepartmentDocument, { id })).department;
}

async function childNames(viewer: GraphQLClient, id: string) {
  return (await readDepartment(viewer, id))!.children.map((child) => [child.name, child.position]);
}

function errorMessage(result: GraphQLResult<unknown>): string {
  return result.errors?.[0]?.message ?? '';
}

describe('department tree', () => {
  it('builds a tree five levels deep with parent, ancestors, children and depth', async () => {
    const { client: owner, org } = await createOrgWithOwner(client, 'Health Commission');
    const root = org.rootDepartment;
    const level1 = await createDepartment(owner, 'Medical Institutions');
    expect(level1).toMatchObject({ name: 'Medical Institutions', position: 0, depth: 1, parent: { id: root.id } });
    const level2 = await createDepartment(owner, 'Level-1 Hospitals', level1.id);
    const level3 = await createDepartment(owner, 'City Hospital', level2.id);
    const level4 = await createDepartment(owner, 'Surgery', level3.id);
    const level5 = await createDepartment(owner, 'Night Shift', level4.id);
    await createDepartment(owner, 'Public Health');
    const trimmed = await createDepartment(owner, '  Finance  ');
    expect(trimmed).toMatchObject({ name: 'Finance', position: 2, depth: 1 });

    const deepest = await readDepartment(owner, level5.id);
    expect(deepest).toMatchObject({ name: 'Night Shift', depth: 5, position: 0, parent: { id: level4.id }, children: [] });
    expect(deepest!.ancestors.map((a) => a.name)).toEqual(['Health Commission', 'Medical Institutions', 'Level-1 Hospitals', 'City Hospital', 'Surgery']);

    const top = await readDepartment(owner, root.id);
    expect(top).toMatchObject({ depth: 0, parent: null, ancestors: [] });
    expect(top!.children.map((c) => [c.name, c.position, c.depth])).toEqual([
      ['Medical Institutions', 0, 1],
      ['Public Health', 1, 1],
      ['Finance', 2, 1],
    ]);
    expect((await readDepartment(owner, level2.id))!.children.map((c) => c.id)).toEqual([level3.id]);
    expect((await owner.ok(NodeDocument, { id: level3.id })).node).toEqual({ __typename: 'Department', id: level3.id });
  });

  it('validates names: trimmed, 1 to 100 characters', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    expect(errorCode(await owner.request(CreateDepartmentDocument, { input: { name: '   ' } }))).toBe('BAD_USER_INPUT');
    expect(errorCode(await owner.request(CreateDepartmentDocument, { input: { name: 'x'.repeat(101) } }))).toBe('BAD_USER_INPUT');
    expect((await createDepartment(owner, 'x'.repeat(100))).name).toHaveLength(100);
    expect(errorCode(await owner.request(RenameDepartmentDocument, { input: { id: org.rootDepartment.id, name: '' } }))).toBe('BAD_USER_INPUT');
    const { renameDepartment } = await owner.ok(RenameDepartmentDocument, { input: { id: org.rootDepartment.id, name: ' Head Office ' } });
    expect(renameDepartment.name).toBe('Head Office');
  });

  it('moves a subtree with reordering; descendants follow and both sibling lists stay 0..n-1', async () => {
    const { client: owner, org } = await createOrgWithOwner(client, 'Root');
    const root = org.rootDepartment.id;
    const a = await createDepartment(owner, 'A');
    const b = await createDepartment(owner, 'B');
    await createDepartment(owner, 'C');
    const a1 = await createDepartment(owner, 'A1', a.id);
    const a2 = await createDepartment(owner, 'A2', a1.id);
    await createDepartment(owner, 'B0', b.id);
    await createDepartment(owner, 'B1', b.id);
    const b2 = await createDepartment(owner, 'B2', b.id);

    const { moveDepartment } = await owner.ok(MoveDepartmentDocument, { input: { id: a.id, newParentId: b.id, position: 1 } });
    expect(moveDepartment).toMatchObject({ id: a.id, position: 1, depth: 2, parent: { id: b.id }, ancestors: [{ id: root }, { id: b.id }] });
    expect(await childNames(owner, b.id)).toEqual([['B0', 0], ['A', 1], ['B1', 2], ['B2', 3]]);
    expect(await childNames(owner, root)).toEqual([['B', 0], ['C', 1]]);

    const deep = await readDepartment(owner, a2.id);
    expect(deep!.depth).toBe(4);
    expect(deep!.ancestors.map((x) => x.name)).toEqual(['Root', 'B', 'A', 'A1']);
    expect((await readDepartment(owner, a1.id))!.ancestors.map((x) => x.name)).toEqual(['Root', 'B', 'A']);

    // Reordering inside the same parent.
    await owner.ok(MoveDepartmentDocument, { input: { id: b2.id, newParentId: b.id, position: 0 } });
    expect(await childNames(owner, b.id)).toEqual([['B2', 0], ['B0', 1], ['A', 2], ['B1', 3]]);

    // No position, or one beyond the end: last.
    await owner.ok(MoveDepartmentDocument, { input: { id: a1.id, newParentId: b.id, position: 99 } });
    expect(await childNames(owner, b.id)).toEqual([['B2', 0], ['B0', 1], ['A', 2], ['B1', 3], ['A1', 4]]);
    expect(await childNames(owner, a.id)).toEqual([]);
    await owner.ok(MoveDepartmentDocument, { input: { id: a1.id, newParentId: root } });
    expect(await childNames(owner, root)).toEqual([['B', 0], ['C', 1], ['A1', 2]]);
    expect(await childNames(owner, b.id)).toEqual([['B2', 0], ['B0', 1], ['A', 2], ['B1', 3]]);
    expect((await readDepartment(owner, a2.id))!.ancestors.map((x) => x.name)).toEqual(['Root', 'A1']);

    expect(errorCode(await owner.request(MoveDepartmentDocument, { input: { id: a.id, newParentId: root, position: -1 } }))).toBe('BAD_USER_INPUT');
  });

  it('refuses moving the root or moving a department under its own subtree', async () => {
    const { client: owner, org } = await createOrgWithOwner(client, 'Root');
    const a = await createDepartment(owner, 'A');
    const a1 = await createDepartment(owner, 'A1', a.id);
    const a2 = await createDepartment(owner, 'A2', a1.id);

    for (const newParentId of [a2.id, a1.id, a.id]) {
      const refused = await owner.request(MoveDepartmentDocument, { input: { id: a.id, newParentId } });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
      expect(errorMessage(refused)).toMatch(/cycle/);
    }
    const root = await owner.request(MoveDepartmentDocument, { input: { id: org.rootDepartment.id, newParentId: a.id } });
    expect(errorCode(root)).toBe('BAD_USER_INPUT');
    expect(errorMessage(root)).toMatch(/root/);
    expect((await readDepartment(owner, a2.id))!.ancestors.map((x) => x.name)).toEqual(['Root', 'A', 'A1']);
  });

  it('deletes only empty non-root departments, and closes the gap among siblings', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    const root = org.rootDepartment.id;
    const a = await createDepartment(owner, 'A');
    const b = await createDepartment(owner, 'B');
    const gap = await createDepartment(owner, 'Gap');
    await createDepartment(owner, 'C');
    await createDepartment(owner, 'A1', a.id);
    const staffed = await createDepartment(owner, 'Staffed', b.id);
    await insertPlacedMember(org.id, [staffed.id], { status: 'PENDING' });

    const rootRefused = await owner.request(DeleteDepartmentDocument, { id: root });
    expect(errorCode(rootRefused)).toBe('BAD_USER_INPUT');
    expect(errorMessage(rootRefused)).toMatch(/root/);
    const withChildren = await owner.request(DeleteDepartmentDocument, { id: a.id });
    expect(errorCode(withChildren)).toBe('CONFLICT');
    expect(errorMessage(withChildren)).toMatch(/1 child department\b/);
    expect(errorMessage(withChildren)).not.toMatch(/member/);
    const withMembers = await owner.request(DeleteDepartmentDocument, { id: staffed.id });
    expect(errorCode(withMembers)).toBe('CONFLICT');
    expect(errorMessage(withMembers)).toMatch(/1 member\b/);
    expect(errorMessage(withMembers)).not.toMatch(/child/);

    const { deleteDepartment } = await owner.ok(DeleteDepartmentDocument, { id: gap.id });
    expect(deleteDepartment).toBe(gap.id);
    expect(errorCode(await owner.request(DepartmentDocument, { id: gap.id }))).toBe('NOT_FOUND');
    expect(await childNames(owner, root)).toEqual([['A', 0], ['B', 1], ['C', 2]]);

    expect(errorCode(await owner.request(DeleteDepartmentDocument, { id: b.id }))).toBe('CONFLICT');
    await owner.ok(MoveDepartmentDocument, { input: { id: staffed.id, newParentId: a.id } });
    expect((await owner.ok(DeleteDepartmentDocument, { id: b.id })).deleteDepartment).toBe(b.id);
    expect(await childNames(owner, root)).toEqual([['A', 0], ['C', 1]]);
  });

  it('keeps sibling names unique on create, rename and move', async () => {
    const { client: owner, org } = await createOrgWithOwner(client, 'Root');
    const sales = await createDepartment(owner, 'Sales');
    const duplicate = await owner.request(CreateDepartmentDocument, { input: { name: ' Sales ' } });
    expect(errorCode(duplicate)).toBe('CONFLICT');
    expect(errorMessage(duplicate)).toMatch(/"Sales"/);
    const support = await createDepartment(owner, 'Support');
    const nested = await createDepartment(owner, 'Sales', support.id); // under another parent: fine
    const team = await createDepartment(owner, 'Team', nested.id);

    expect(errorCode(await owner.request(RenameDepartmentDocument, { input: { id: support.id, name: 'Sales' } }))).toBe('CONFLICT');
    // Moving the nested "Sales" up next to the first one collides, and changes nothing.
    const collision = await owner.request(MoveDepartmentDocument, { input: { id: nested.id, newParentId: org.rootDepartment.id } });
    expect(errorCode(collision)).toBe('CONFLICT');
    expect((await readDepartment(owner, team.id))!.ancestors.map((x) => x.name)).toEqual(['Root', 'Support', 'Sales']);
    expect(await childNames(owner, org.rootDepartment.id)).toEqual([['Sales', 0], ['Support', 1]]);

    await owner.ok(MoveDepartmentDocument, { input: { id: nested.id, newParentId: sales.id } });
    expect((await readDepartment(owner, team.id))!.ancestors.map((x) => x.name)).toEqual(['Root', 'Sales', 'Sales']);
  });
});

describe('concurrent tree writes', () => {
  it('never lets two crossing moves make a cycle', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    for (let round = 0; round < 5; round++) {
      const a = await createDepartment(owner, `A${round}`);
      const b = await createDepartment(owner, `B${round}`);
      const results = await Promise.all([
        owner.request(MoveDepartmentDocument, { input: { id: a.id, newParentId: b.id } }),
        owner.request(MoveDepartmentDocument, { input: { id: b.id, newParentId: a.id } }),
      ]);
      expect(results.map(errorCode).sort()).toEqual(['BAD_USER_INPUT', undefined]);
      const [first, second] = await Promise.all([readDepartment(owner, a.id), readDepartment(owner, b.id)]);
      const [upper, lower] = first!.depth === 1 ? [first, second] : [second, first];
      expect(lower!.ancestors.map((x) => x.id)).toEqual([org.rootDepartment.id, upper!.id]);
      expect(upper!.ancestors.map((x) => x.id)).toEqual([org.rootDepartment.id]);
    }
  });

  it('gives concurrent creates distinct positions 0..n-1', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    await Promise.all(Array.from({ length: 8 }, (_, i) => createDepartment(owner, `Team ${i}`)));
    const positions = (await readDepartment(owner, org.rootDepartment.id))!.children.map((child) => child.position);
    expect(positions).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('department access', () => {
  it('seals tenants: another org cannot read, change or attach to a department (NOT_FOUND)', async () => {
    const a = await createOrgWithOwner(client, 'Org A');
    const b = await createOrgWithOwner(client, 'Org B');
    const target = await createDepartment(a.client, 'Secret');
    const own = await createDepartment(b.client, 'Own');

    const attempts: Array<Promise<GraphQLResult<unknown>>> = [
      b.client.request(DepartmentDocument, { id: target.id }),
      b.client.request(NodeDocument, { id: target.id }),
      b.client.request(RenameDepartmentDocument, { input: { id: target.id, name: 'Mine' } }),
      b.client.request(MoveDepartmentDocument, { input: { id: target.id, newParentId: b.org.rootDepartment.id } }),
      b.client.request(MoveDepartmentDocument, { input: { id: own.id, newParentId: target.id } }),
      b.client.request(CreateDepartmentDocument, { input: { name: 'Inside', parentId: target.id } }),
      b.client.request(DeleteDepartmentDocument, { id: target.id }),
      a.client.request(DepartmentDocument, { id: a.org.id }), // an Org id is not a Department id
      a.client.request(DepartmentDocument, { id: 'garbage' }),
    ];
    for (const result of await Promise.all(attempts)) expect(errorCode(result)).toBe('NOT_FOUND');
    expect(await readDepartment(a.client, target.id)).toMatchObject({ name: 'Secret', parent: { id: a.org.rootDepartment.id } });
    expect((await readDepartment(b.client, own.id))!.parent?.id).toBe(b.org.rootDepartment.id);
  });

  it('lets a plain member read the tree but not change it (FORBIDDEN)', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    const team = await createDepartment(owner, 'Team');
    const other = await createDepartment(owner, 'Other');
    const person = await signUpUser(client, 'Plain Member');
    await insertPlacedMember(org.id, [team.id], { userId: person.user.id, name: 'Plain Member' });
    const { switchOrg } = await person.client.ok(SwitchOrgDocument, { orgId: org.id });
    const member = client.as(switchOrg.token);

    expect((await readDepartment(member, team.id))!.ancestors.map((x) => x.id)).toEqual([org.rootDepartment.id]);
    const refusals = await Promise.all([
      member.request(CreateDepartmentDocument, { input: { name: 'Mine', parentId: team.id } }),
      member.request(RenameDepartmentDocument, { input: { id: team.id, name: 'Renamed' } }),
      member.request(MoveDepartmentDocument, { input: { id: other.id, newParentId: team.id } }),
      member.request(DeleteDepartmentDocument, { id: other.id }),
    ]);
    for (const result of refusals) {
      expect(errorCode(result)).toBe('FORBIDDEN');
      expect(errorMessage(result)).toMatch(/No permission: DEPARTMENTS/);
    }
    expect(await childNames(owner, org.rootDepartment.id)).toEqual([['Team', 0], ['Other', 1]]);
    expect(errorCode(await client.request(DepartmentDocument, { id: team.id }))).toBe('UNAUTHENTICATED');
  });
});

describe('department member counts', () => {
  it('counts members of any status in the department or its subtree, each once', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    const root = org.rootDepartment.id; // the owner sits here
    const a = await createDepartment(owner, 'A');
    const a1 = await createDepartment(owner, 'A1', a.id);
    const a2 = await createDepartment(owner, 'A2', a.id);
    const b = await createDepartment(owner, 'B');
    await insertPlacedMember(org.id, [a1.id], { status: 'ACTIVE' });
    await insertPlacedMember(org.id, [a2.id], { status: 'PENDING' });
    await insertPlacedMember(org.id, [a1.id, a2.id], { status: 'DISABLED' }); // twice in A's subtree, counted once
    await insertPlacedMember(org.id, [a.id, b.id], { status: 'ACTIVE' });

    const counts = async (id: string) => (await owner.ok(DepartmentMemberCountsDocument, { id })).department;
    expect(await counts(root)).toMatchObject({
      memberCount: 5,
      direct: 1,
      children: [
        { id: a.id, memberCount: 4, direct: 1 },
        { id: b.id, memberCount: 1, direct: 1 },
      ],
    });
    expect((await counts(a.id))!.children).toEqual([
      { id: a1.id, memberCount: 2, direct: 2 },
      { id: a2.id, memberCount: 2, direct: 2 },
    ]);

    // Counts follow a move of the subtree.
    await owner.ok(MoveDepartmentDocument, { input: { id: a1.id, newParentId: b.id } });
    expect((await counts(root))!.children).toEqual([
      { id: a.id, memberCount: 3, direct: 1 },
      { id: b.id, memberCount: 3, direct: 1 },
    ]);
  });

  it('batches a tree page: the same number of SQL statements for 5 and for 50 departments', async () => {
    const { client: owner, org } = await createOrgWithOwner(client);
    const statementsFor = async (size: number) => {
      const parent = await createDepartment(owner, `Parent of ${size}`);
      for (let i = 0; i < size; i++) {
        const child = await createDepartment(owner, `Child ${i}`, parent.id);
        const grandchild = await createDepartment(owner, `Grandchild ${i}`, child.id);
        if (i % 2 === 0) await insertPlacedMember(org.id, [grandchild.id]);
      }
      const result = await owner.request(DepartmentTreePageDocument, { id: parent.id });
      expect(result.errors).toBeUndefined();
      const page = result.data!.department;
      expect(page!.children).toHaveLength(size);
      expect(page!.memberCount).toBe(Math.ceil(size / 2));
      expect(page!.children[0]).toMatchObject({ memberCount: 1, direct: 0, parent: { id: parent.id }, ancestors: [{ id: org.rootDepartment.id }, { id: parent.id }] });
      expect(page!.children[0].children[0]).toMatchObject({ name: 'Grandchild 0', depth: 3, parent: { id: page!.children[0].id } });
      return result.extensions?.sqlStatements as number;
    };
    const five = await statementsFor(5);
    const fifty = await statementsFor(50);
    expect(typeof five).toBe('number');
    expect(fifty).toBe(five);
    expect(five).toBeLessThanOrEqual(12);
  });
});
