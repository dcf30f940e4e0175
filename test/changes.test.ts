import { beforeAll, describe, expect, it } from 'vitest';
import {
  AddMemberDocument,
  AssignRoleDocument,
  CreateContactDocument,
  CreateDepartmentDocument,
  CreateRoleDocument,
  CreateRoleGroupDocument,
  DeleteContactDocument,
  DeleteDepartmentDocument,
  DeleteRoleDocument,
  DeleteRoleGroupDocument,
  MergeContactsDocument,
  MoveDepartmentDocument,
  OrgChangesDocument,
  OrgEventsDocument,
  RemoveMemberDocument,
  RenameDepartmentDocument,
  RenameRoleGroupDocument,
  RestoreContactDocument,
  RevokeRoleDocument,
  SetMemberStatusDocument,
  SyncCursorDocument,
  UpdateContactDocument,
  UpdateMemberDocument,
  UpdateOrgSettingsDocument,
  UpdateRoleDocument,
  type OrgChangeFieldsFragment,
  type OrgChangesQuery,
  type OrgEventType,
} from './generated/graphql';
import { readAll } from './support/changes';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor } from './support/limits';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf, sql } from './support/sql-fixtures';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

let url: string;
let client: GraphQLClient;
beforeAll(async () => {
  url = (await startTestGateway()).url;
  client = new GraphQLClient(url);
});

type Change = OrgChangeFieldsFragment;

const typesOf = (changes: Change[]) => changes.map((change) => change.type).filter((type) => !type.startsWith('INVITATION_'));

describe('orgChanges and orgEvents', () => {
  it('carry every family of change, in log order, through the feed and the subscription alike', async () => {
    const owner = await createOrgWithOwner(client);
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const sub = subscribeTo(connectWs(url, owner.client.token).client, OrgEventsDocument, { after: syncCursor });
    const phone = uniquePhone();

    // Departments
    const a = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Alpha' } })).createDepartment;
    await owner.client.ok(RenameDepartmentDocument, { input: { id: a.id, name: 'Alpha 2' } });
    const b = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Beta' } })).createDepartment;
    const c = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Gamma', parentId: b.id } })).createDepartment;
    await owner.client.ok(MoveDepartmentDocument, { input: { id: a.id, newParentId: b.id } });
    await owner.client.ok(MoveDepartmentDocument, { input: { id: a.id, newParentId: b.id, position: 0 } });
    await owner.client.ok(DeleteDepartmentDocument, { id: c.id });
    // Members
    const added = (await owner.client.ok(AddMemberDocument, { input: { name: 'Newcomer', phone: uniquePhone() } })).addMember;
    const target = await seedActiveMember(client, owner.org.id, { name: 'Target' });
    await owner.client.ok(UpdateMemberDocument, { input: { id: target.memberId, name: 'Target 2', email: 'secret@example.com' } });
    await owner.client.ok(UpdateMemberDocument, { input: { id: target.memberId, departmentIds: [b.id], managerId: owner.member.id } });
    await owner.client.ok(SetMemberStatusDocument, { input: { id: target.memberId, status: 'DISABLED' } });
    await owner.client.ok(RemoveMemberDocument, { input: { id: target.memberId, mode: 'OFFBOARD' } });
    await owner.client.ok(RemoveMemberDocument, { input: { id: added.id, mode: 'DELETE' } });
    // Roles and grants
    const holder = await seedActiveMember(client, owner.org.id, { name: 'Holder' });
    const role = (await owner.client.ok(CreateRoleDocument, { input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } })).createRole;
    await owner.client.ok(UpdateRoleDocument, { input: { id: role.id, name: 'Auditors' } });
    await owner.client.ok(AssignRoleDocument, { input: { memberId: holder.memberId, roleId: role.id } });
    await owner.client.ok(AssignRoleDocument, { input: { memberId: holder.memberId, roleId: role.id, scopeDepartmentIds: [b.id] } });
    await owner.client.ok(RevokeRoleDocument, { input: { memberId: holder.memberId, roleId: role.id } });
    await owner.client.ok(DeleteRoleDocument, { id: role.id });
    // Org settings
    await owner.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } });
    // Contacts
    const contact = (await owner.client.ok(CreateContactDocument, { input: { name: 'Customer', phones: [phone] } })).createContact;
    await owner.client.ok(UpdateContactDocument, { input: { id: contact.id, company: 'ACME' } });
    await owner.client.ok(UpdateContactDocument, { input: { id: contact.id, visibility: 'ORG' } });
    await owner.client.ok(UpdateContactDocument, { input: { id: contact.id, visibility: 'PRIVATE' } });
    await owner.client.ok(DeleteContactDocument, { id: contact.id });
    await owner.client.ok(RestoreContactDocument, { id: contact.id });
    const duplicate = (await owner.client.ok(CreateContactDocument, { input: { name: 'Customer (dup)', email: 'dup@example.com' } })).createContact;
    await owner.client.ok(MergeContactsDocument, { keepId: contact.id, mergeIds: [duplicate.id] });

    const expected = [
      'DEPARTMENT_CREATED', 'DEPARTMENT_RENAMED', 'DEPARTMENT_CREATED', 'DEPARTMENT_CREATED', 'DEPARTMENT_MOVED', 'DEPARTMENT_REORDERED', 'DEPARTMENT_DELETED',
      'MEMBER_ADDED', 'MEMBER_UPDATED', 'MEMBER_DEPARTMENTS_CHANGED', 'MEMBER_MANAGER_CHANGED', 'MEMBER_STATUS_CHANGED', 'MEMBER_OFFBOARDED', 'MEMBER_REMOVED',
      'ROLE_CREATED', 'ROLE_UPDATED', 'ROLE_ASSIGNED', 'ROLE_SCOPE_CHANGED', 'ROLE_REVOKED', 'ROLE_DELETED',
      'ORG_SETTINGS_CHANGED',
      'CONTACT_CREATED', 'CONTACT_UPDATED', 'CONTACT_SHARED', 'CONTACT_UNSHARED', 'CONTACT_DELETED', 'CONTACT_RESTORED', 'CONTACT_CREATED', 'CONTACT_DELETED', 'CONTACT_MERGED',
    ];
    const { changes } = await readAll(owner.client, syncCursor, 7);
    expect(typesOf(changes)).toEqual(expected);
    const ids = changes.map((change) => Number(change.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));

    // The subscription delivers the same changes, with the same ids.
    const live = (await sub.take(changes.length)).map((result) => result.orgEvents);
    expect(live.map((change) => change.id)).toEqual(changes.map((change) => change.id));
    expect(live).toEqual(changes);

    const byType = (type: string) => changes.filter((change) => change.type === type);
    expect(byType('DEPARTMENT_RENAMED')[0]).toMatchObject({ objectType: 'Department', objectId: a.id, rawObjectId: rawIdOf(a.id), changedFields: ['name'] });
    expect(byType('DEPARTMENT_MOVED')[0]!.details).toMatchObject({ toParentId: b.id, fromParentId: expect.any(String) });
    expect(byType('MEMBER_UPDATED')[0]).toMatchObject({ objectId: target.memberId, changedFields: expect.arrayContaining(['name', 'email']) });
    expect(byType('MEMBER_DEPARTMENTS_CHANGED')[0]!.departmentIds).toContain(b.id);
    expect(byType('ROLE_SCOPE_CHANGED')[0]!.details).toMatchObject({ roleId: role.id, scopeDepartmentIds: [b.id] });
    expect(byType('ORG_SETTINGS_CHANGED')[0]).toMatchObject({ objectId: owner.org.id, changedFields: ['invitesOpen'] });
    expect(byType('CONTACT_UPDATED')[0]).toMatchObject({ objectId: contact.id, changedFields: ['company'] });
    expect(byType('CONTACT_MERGED')[0]!.details).toMatchObject({ mergedIds: [duplicate.id] });
    // Names of the changed fields, never sensitive values.
    const text = JSON.stringify(changes);
    expect(text).not.toContain('secret@example.com');
    expect(text).not.toContain(phone);
    expect(text).not.toContain('dup@example.com');

    // The type filter, on both.
    const onlyRoles = await readAll(owner.client, syncCursor, 100, ['ROLE_ASSIGNED', 'ROLE_REVOKED']);
    expect(onlyRoles.changes.map((change) => change.type)).toEqual(['ROLE_ASSIGNED', 'ROLE_REVOKED']);
    const filtered = subscribeTo(connectWs(url, owner.client.token).client, OrgEventsDocument, { after: syncCursor, types: ['CONTACT_MERGED'] });
    expect((await filtered.take(1))[0]!.orgEvents.id).toBe(byType('CONTACT_MERGED')[0]!.id);
    await filtered.expectNoMoreThan(1, 300);
    sub.dispose();
    filtered.dispose();
  }, 60_000);

  it('gives a sub-admin the changes of its departments only, and an API client those of its scopes only', async () => {
    const owner = await createOrgWithOwner(client);
    const mine = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Mine' } })).createDepartment;
    const other = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Other' } })).createDepartment;
    const subAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [mine.id], departmentId: mine.id });
    const inMine = await seedActiveMember(client, owner.org.id, { departmentId: mine.id });
    const inOther = await seedActiveMember(client, owner.org.id, { departmentId: other.id });
    const departmentsOnly = await apiClientFor(owner.client, ['departments:read']);
    const membersLive = await apiClientFor(owner.client, ['events:subscribe', 'members:read']);
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const partnerSub = subscribeTo(connectWs(url, membersLive.token).client, OrgEventsDocument, { after: syncCursor });

    await owner.client.ok(RenameDepartmentDocument, { input: { id: mine.id, name: 'Mine 2' } });
    await owner.client.ok(RenameDepartmentDocument, { input: { id: other.id, name: 'Other 2' } });
    await owner.client.ok(UpdateMemberDocument, { input: { id: inMine.memberId, name: 'In mine 2' } });
    await owner.client.ok(UpdateMemberDocument, { input: { id: inOther.memberId, name: 'In other 2' } });
    await owner.client.ok(CreateRoleDocument, { input: { name: 'Org-wide', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } });
    // Moved out of the sub-admin's department: it learns the member left.
    await owner.client.ok(UpdateMemberDocument, { input: { id: inMine.memberId, departmentIds: [other.id] } });

    const all = await readAll(owner.client, syncCursor);
    expect(typesOf(all.changes)).toEqual(['DEPARTMENT_RENAMED', 'DEPARTMENT_RENAMED', 'MEMBER_UPDATED', 'MEMBER_UPDATED', 'ROLE_CREATED', 'MEMBER_DEPARTMENTS_CHANGED']);

    const seenBySubAdmin = await readAll(subAdmin.client, syncCursor);
    expect(seenBySubAdmin.changes.map((change) => [change.type, change.objectId])).toEqual([
      ['DEPARTMENT_RENAMED', mine.id],
      ['MEMBER_UPDATED', inMine.memberId],
      ['MEMBER_DEPARTMENTS_CHANGED', inMine.memberId],
    ]);
    // The cursor covers what was withheld: both end where the log ends.
    expect(seenBySubAdmin.cursor).toBe(all.cursor);

    const seenByPartner = await readAll(departmentsOnly.partner, syncCursor);
    expect(seenByPartner.changes.map((change) => change.objectId)).toEqual([mine.id, other.id]);

    const live = (await partnerSub.take(3)).map((result) => result.orgEvents);
    expect(live.map((change) => [change.type, change.objectId])).toEqual([
      ['MEMBER_UPDATED', inMine.memberId],
      ['MEMBER_UPDATED', inOther.memberId],
      ['MEMBER_DEPARTMENTS_CHANGED', inMine.memberId],
    ]);
    await partnerSub.expectNoMoreThan(3, 300);
    partnerSub.dispose();

    // Without events:subscribe a client cannot open the stream.
    const refused = subscribeTo(connectWs(url, departmentsOnly.token).client, OrgEventsDocument, {});
    expect(await refused.endedWith()).toBe('FORBIDDEN');
  }, 60_000);

  it('gives a PRIVATE contact\'s changes only to those who may see the contact', async () => {
    const owner = await createOrgWithOwner(client);
    const alice = await seedActiveMember(client, owner.org.id, { name: 'Alice' });
    const bob = await seedActiveMember(client, owner.org.id, { name: 'Bob' });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const bobLive = subscribeTo(connectWs(url, bob.client.token).client, OrgEventsDocument, { after: syncCursor, types: ['CONTACT_CREATED', 'CONTACT_UPDATED', 'CONTACT_SHARED'] });

    const secret = (await alice.client.ok(CreateContactDocument, { input: { name: 'Private one', phones: [uniquePhone()] } })).createContact;
    await alice.client.ok(UpdateContactDocument, { input: { id: secret.id, company: 'Hidden Ltd' } });
    const { syncCursor: afterPrivate } = await owner.client.ok(SyncCursorDocument);

    expect(typesOf((await readAll(alice.client, syncCursor)).changes)).toEqual(['CONTACT_CREATED', 'CONTACT_UPDATED']);
    expect(typesOf((await readAll(owner.client, syncCursor)).changes)).toEqual(['CONTACT_CREATED', 'CONTACT_UPDATED']);
    const bobBefore = await readAll(bob.client, syncCursor);
    expect(bobBefore.changes).toEqual([]);
    expect(bobBefore.cursor).toBe(afterPrivate);
    await bobLive.expectNoMoreThan(0, 300);

    await alice.client.ok(UpdateContactDocument, { input: { id: secret.id, sharedMemberIds: [bob.memberId], visibility: 'SHARED' } });
    const bobAfter = await readAll(bob.client, afterPrivate);
    expect(bobAfter.changes.map((change) => [change.type, change.objectId])).toEqual([['CONTACT_SHARED', secret.id]]);
    const [shared] = await bobLive.take(1);
    expect(shared!.orgEvents).toMatchObject({ type: 'CONTACT_SHARED', objectId: secret.id });
    bobLive.dispose();
  }, 60_000);

  it('a poller following orgChanges while 1,000 changes happen gets all 1,000, in order, exactly once', async () => {
    const owner = await createOrgWithOwner(client);
    const departments = await Promise.all(
      Array.from({ length: 8 }, (_, i) => owner.client.ok(CreateDepartmentDocument, { input: { name: `Poll ${i}` } }).then((r) => r.createDepartment.id)),
    );
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    let writing = true;
    const writers = departments.map(async (id, i) => {
      for (let n = 0; n < 125; n++) await owner.client.ok(RenameDepartmentDocument, { input: { id, name: `Poll ${i} #${n}` } });
    });
    const done = Promise.all(writers).then(() => (writing = false));

    const received: Change[] = [];
    let cursor: string | null = syncCursor;
    let pages = 0;
    const deadline = Date.now() + 280_000;
    while ((writing || received.length < 1000) && Date.now() < deadline) {
      const page: OrgChangesQuery = await owner.client.ok(OrgChangesDocument, { first: 37, after: cursor, types: ['DEPARTMENT_RENAMED'] });
      const orgChanges = page.orgChanges;
      received.push(...orgChanges.changes);
      cursor = orgChanges.endCursor;
      pages++;
      if (!orgChanges.hasMore) await new Promise((resolve) => setTimeout(resolve, 20));
      if (!writing && !orgChanges.hasMore && received.length >= 1000) break;
    }
    await done;
    // One more read after the writers ended: nothing more, nothing again.
    const tail = await readAll(owner.client, cursor);
    expect(tail.changes).toEqual([]);
    expect(received).toHaveLength(1000);
    const ids = received.map((change) => Number(change.id));
    expect(new Set(ids).size).toBe(1000);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(pages).toBeGreaterThan(1000 / 37);
    for (const id of departments) expect(received.filter((change) => change.objectId === id)).toHaveLength(125);
  }, 300_000);

  it('syncCursor, then a directory read, then the feed from the cursor: nothing created meanwhile is lost', async () => {
    const owner = await createOrgWithOwner(client);
    const created: string[] = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing; n++) {
        created.push((await owner.client.ok(CreateDepartmentDocument, { input: { name: `Sync ${n}` } })).createDepartment.id);
      }
    })();
    const waitFor = async (count: number) => {
      while (created.length < count) await new Promise((resolve) => setTimeout(resolve, 10));
    };
    await waitFor(3);
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    // The snapshot: the directory as a reader sees it after taking the cursor.
    const snapshot = await sql<{ id: string }>('select id from departments where org_id = $1', [rawIdOf(owner.org.id)]);
    await waitFor(snapshot.length + 3);
    writing = false;
    await writer;

    const { changes } = await readAll(owner.client, syncCursor, 10, ['DEPARTMENT_CREATED']);
    const mirrored = new Set([...snapshot.map((row) => row.id), ...changes.map((change) => change.rawObjectId)]);
    for (const id of created) expect(mirrored.has(rawIdOf(id))).toBe(true);
    // The feed from the cursor holds every department the snapshot could not have seen.
    const notInSnapshot = created.map(rawIdOf).filter((id) => !snapshot.some((row) => row.id === id));
    expect(notInSnapshot.length).toBeGreaterThan(0);
    expect(changes.map((change) => change.rawObjectId)).toEqual(expect.arrayContaining(notInSnapshot));
  }, 60_000);

  it('logs role groups created, renamed and deleted (the roles it held ungrouped) to holders of ROLES VIEW only', async () => {
    const owner = await createOrgWithOwner(client);
    const dept = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Scoped' } })).createDepartment;
    const subAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [dept.id], departmentId: dept.id });
    const rolesReader = await apiClientFor(owner.client, ['roles:read']);
    const membersReader = await apiClientFor(owner.client, ['members:read']);
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const types: OrgEventType[] = ['ROLE_GROUP_CREATED', 'ROLE_GROUP_RENAMED', 'ROLE_GROUP_DELETED', 'ROLE_UPDATED', 'ROLE_CREATED'];
    const sub = subscribeTo(connectWs(url, owner.client.token).client, OrgEventsDocument, { after: syncCursor, types });

    const group = (await owner.client.ok(CreateRoleGroupDocument, { input: { name: 'Finance' } })).createRoleGroup;
    await owner.client.ok(RenameRoleGroupDocument, { input: { id: group.id, name: 'Finance 2' } });
    await owner.client.ok(RenameRoleGroupDocument, { input: { id: group.id, name: 'Finance 2' } }); // unchanged: no event
    const role = (await owner.client.ok(CreateRoleDocument, { input: { name: 'Payroll', groupId: group.id, permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] } })).createRole;
    await owner.client.ok(DeleteRoleGroupDocument, { id: group.id });

    const { changes } = await readAll(owner.client, syncCursor, 100, types);
    expect(changes.map((change) => [change.type, change.objectType, change.objectId, change.changedFields])).toEqual([
      ['ROLE_GROUP_CREATED', 'RoleGroup', group.id, []],
      ['ROLE_GROUP_RENAMED', 'RoleGroup', group.id, ['name']],
      ['ROLE_CREATED', 'Role', role.id, []],
      ['ROLE_UPDATED', 'Role', role.id, ['groupId']],
      ['ROLE_GROUP_DELETED', 'RoleGroup', group.id, []],
    ]);
    expect((await sub.take(changes.length)).map((result) => result.orgEvents)).toEqual(changes);
    await sub.expectNoMoreThan(changes.length, 300);
    sub.dispose();
    // The roles topic's audience: an API client with roles:read, not a sub-admin or a client reading members only.
    expect((await readAll(rolesReader.partner, syncCursor, 100, types)).changes).toEqual(changes);
    expect((await readAll(subAdmin.client, syncCursor, 100, types)).changes).toEqual([]);
    expect((await readAll(membersReader.partner, syncCursor, 100, types)).changes).toEqual([]);
  }, 60_000);

  it('refuses a cursor ahead of the log and a page size out of range', async () => {
    const owner = await createOrgWithOwner(client);
    const ahead = await owner.client.request(OrgChangesDocument, { first: 10, after: '999999' });
    expect(ahead.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const tooMany = await owner.client.request(OrgChangesDocument, { first: 5000 });
    expect(tooMany.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
