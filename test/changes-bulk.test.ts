import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import {
  AddMemberDocument,
  CreateContactDocument,
  CreateDepartmentDocument,
  OrgEventsDocument,
  RemoveMemberDocument,
  SyncCursorDocument,
  type OrgChangeFieldsFragment,
  type OrgEventType,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csv, postContactImport, postImport } from './support/imports';
import { seedActiveMember } from './support/seed-member';
import { rawIdOf, sql, toGlobalId } from './support/sql-fixtures';
import { readAll as readChanges } from './support/changes';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

/** Change events of what is written in bulk: member and contact imports, a leaver's contacts (issue 13). */

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
});

type Change = OrgChangeFieldsFragment;

/** Every change from `after` on, of `types`. */
const readAll = async (reader: GraphQLClient, after: string | null, types?: OrgEventType[]): Promise<Change[]> => (await readChanges(reader, after, 100, types)).changes;

/** A change without what differs between two events of one kind (its position, time and object). */
const shapeOf = ({ id: _id, occurredAt: _at, objectId: _object, rawObjectId: _raw, departmentIds: _departments, ...rest }: Change) => rest;

describe('bulk writes log their changes', () => {
  it('a member import logs MEMBER_ADDED for each person added, in order, shaped as addMember\'s, to whoever may see them', async () => {
    const owner = await createOrgWithOwner(client);
    const a = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'A' } })).createDepartment;
    const b = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'B' } })).createDepartment;
    const subAdmin = await seedActiveMember(client, owner.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [a.id], departmentId: a.id });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const live = subscribeTo(connectWs(gateway.url, owner.client.token).client, OrgEventsDocument, { after: syncCursor, types: ['MEMBER_ADDED'] });

    // One added interactively, for the shape to compare with.
    const interactive = (await owner.client.ok(AddMemberDocument, { input: { name: 'By Hand', phone: uniquePhone(), departmentIds: [a.id] } })).addMember;
    const phones = [uniquePhone(), uniquePhone(), uniquePhone(), uniquePhone()];
    const file = csv(['name', 'phone', 'department'], [
      ['Imported A1', phones[0], 'A'],
      ['Imported B', phones[1], 'B'],
      ['Imported Dup', phones[1], 'A'], // skipped: same phone as the row before, no event
      ['Imported A2', phones[2], 'A'],
      ['Imported New', phones[3], 'A/New'],
    ]);
    const { status, body } = await postImport(gateway.url, owner.client.token, file, { createDepartments: true });
    expect([status, body.summary.created]).toEqual([200, 4]);
    // Dry runs write nothing, events included.
    const dry = await postImport(gateway.url, owner.client.token, csv(['name', 'phone'], [['Dry', uniquePhone()]]), { dryRun: true });
    expect(dry.body.summary.created).toBe(1);

    const rows = await sql<{ id: string; phone: string }>('select id, phone from members where phone = any($1::text[])', [phones]);
    const memberOf = (phone: string) => toGlobalId('Member', rows.find((row) => row.phone === phone)!.id);
    const [newDepartment] = await sql<{ id: string }>("select id from departments where parent_id = $1 and name = 'New'", [rawIdOf(a.id)]);
    const newId = toGlobalId('Department', newDepartment!.id);

    const added = await readAll(owner.client, syncCursor, ['MEMBER_ADDED']);
    expect(added.map((change) => [change.objectId, change.departmentIds])).toEqual([
      [interactive.id, [a.id]],
      [memberOf(phones[0]!), [a.id]],
      [memberOf(phones[1]!), [b.id]],
      [memberOf(phones[2]!), [a.id]],
      [memberOf(phones[3]!), [newId]],
    ]);
    // The same payload as an interactive add, every imported one followed by its invitation.
    for (const change of added.slice(1)) expect(shapeOf(change)).toEqual(shapeOf(added[0]!));
    // In the log too (what memberEvents and webhooks read): the same keys, the name as addMember logs it.
    const logged = await sql<{ keys: string[]; name: string }>(
      "select array(select jsonb_object_keys(payload) order by 1) as keys, payload->>'name' as name from org_events where org_id = $1 and topic = 'MEMBER' and type = 'ADDED' order by id",
      [rawIdOf(owner.org.id)],
    );
    expect(logged.map((row) => row.name)).toEqual(['By Hand', 'Imported A1', 'Imported B', 'Imported A2', 'Imported New']);
    for (const row of logged) expect(row.keys).toEqual(logged[0]!.keys);
    const all = await readAll(owner.client, syncCursor, ['MEMBER_ADDED', 'INVITATION_SENT']);
    expect(all.map((change) => change.type)).toEqual(Array.from({ length: 5 }, () => ['MEMBER_ADDED', 'INVITATION_SENT']).flat());
    const ids = all.map((change) => Number(change.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));

    // The sub-admin of A: A's members and the new department under A, not B's.
    expect((await readAll(subAdmin.client, syncCursor, ['MEMBER_ADDED'])).map((change) => change.objectId)).toEqual([
      interactive.id,
      memberOf(phones[0]!),
      memberOf(phones[2]!),
      memberOf(phones[3]!),
    ]);
    // The subscription carries the same.
    expect((await live.take(5)).map((result) => result.orgEvents)).toEqual(added);
    await live.expectNoMoreThan(5, 300);
    live.dispose();
  }, 60_000);

  it('a contact import logs CONTACT_CREATED for each contact, as createContact does, to whoever may see it', async () => {
    const owner = await createOrgWithOwner(client);
    const alice = await seedActiveMember(client, owner.org.id, { name: 'Alice' });
    const bob = await seedActiveMember(client, owner.org.id, { name: 'Bob' });
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);
    const byHand = (await alice.client.ok(CreateContactDocument, { input: { name: 'By Hand', phones: [uniquePhone()] } })).createContact;
    const takenPhone = uniquePhone();
    await alice.client.ok(CreateContactDocument, { input: { name: 'Taken', phones: [takenPhone] } });
    const file = csv(['name', 'phones', 'visibility'], [
      ['Private One', uniquePhone(), 'PRIVATE'],
      ['Org One', uniquePhone(), 'ORG'],
      ['Exists', takenPhone, 'ORG'], // skipped: CONTACT_EXISTS, no event
      ['Private Two', uniquePhone(), ''],
    ]);
    const { status, body } = await postContactImport(gateway.url, alice.client.token, file);
    expect([status, body.summary.created, body.summary.skipped]).toEqual([200, 3, 1]);

    const names = await sql<{ id: string; name: string }>("select id, name from contacts where owner_id = $1 and source = 'IMPORT'", [rawIdOf(alice.memberId)]);
    const contactOf = (name: string) => toGlobalId('Contact', names.find((row) => row.name === name)!.id);
    const seenByAlice = await readAll(alice.client, syncCursor, ['CONTACT_CREATED']);
    expect(seenByAlice.map((change) => change.objectId)).toEqual([byHand.id, expect.any(String), contactOf('Private One'), contactOf('Org One'), contactOf('Private Two')]);
    expect(seenByAlice[2]!.details).toEqual({ ...(seenByAlice[0]!.details as Record<string, unknown>), source: 'IMPORT' });
    expect(seenByAlice[3]!.details).toMatchObject({ ownerId: alice.memberId, visibility: 'ORG', source: 'IMPORT' });
    // Bob sees the ORG contact only; the owner (an admin) all of them.
    expect((await readAll(bob.client, syncCursor, ['CONTACT_CREATED'])).map((change) => change.objectId)).toEqual([contactOf('Org One')]);
    expect(await readAll(owner.client, syncCursor, ['CONTACT_CREATED'])).toHaveLength(5);
  }, 60_000);

  it('a leaver\'s contacts deleted with them log CONTACT_DELETED; handed over, CONTACT_TRANSFERRED', async () => {
    const owner = await createOrgWithOwner(client);
    const leaver = await seedActiveMember(client, owner.org.id, { name: 'Leaver' });
    const giver = await seedActiveMember(client, owner.org.id, { name: 'Giver' });
    const heir = await seedActiveMember(client, owner.org.id, { name: 'Heir' });
    const own = async (member: typeof leaver, name: string) =>
      (await member.client.ok(CreateContactDocument, { input: { name, phones: [uniquePhone()] } })).createContact.id;
    const gone = [await own(leaver, 'Gone 1'), await own(leaver, 'Gone 2')];
    const moved = [await own(giver, 'Moved 1'), await own(giver, 'Moved 2')];
    const { syncCursor } = await owner.client.ok(SyncCursorDocument);

    await owner.client.ok(RemoveMemberDocument, { input: { id: leaver.memberId, mode: 'DELETE' } });
    await owner.client.ok(RemoveMemberDocument, { input: { id: giver.memberId, mode: 'TRANSFER', transferToMemberId: heir.memberId } });

    const types: OrgEventType[] = ['CONTACT_DELETED', 'CONTACT_TRANSFERRED', 'MEMBER_REMOVED'];
    const changes = await readAll(owner.client, syncCursor, types);
    expect(changes.map((change) => change.type)).toEqual(['CONTACT_DELETED', 'CONTACT_DELETED', 'MEMBER_REMOVED', 'CONTACT_TRANSFERRED', 'CONTACT_TRANSFERRED', 'MEMBER_REMOVED']);
    expect(changes.map((change) => change.objectId)).toEqual([...changes.slice(0, 2).map((c) => c.objectId), leaver.memberId, ...changes.slice(3, 5).map((c) => c.objectId), giver.memberId]);
    expect(changes.slice(0, 2).map((change) => change.objectId).sort()).toEqual([...gone].sort());
    expect(changes.slice(3, 5).map((change) => change.objectId).sort()).toEqual([...moved].sort());
    expect(changes[0]!.details).toMatchObject({ ownerId: leaver.memberId, visibility: 'PRIVATE' });
    expect(changes[3]!.details).toMatchObject({ fromOwnerId: giver.memberId, toOwnerId: heir.memberId });
    // The heir learns of the contacts it received, not of the leaver's deleted private ones.
    expect((await readAll(heir.client, syncCursor, types)).filter((change) => change.type.startsWith('CONTACT_')).map((change) => change.type)).toEqual([
      'CONTACT_TRANSFERRED',
      'CONTACT_TRANSFERRED',
    ]);
  }, 60_000);
});

