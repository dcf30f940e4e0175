import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AddMemberDocument, CreateDepartmentDocument, DepartmentDocument, DepartmentMemberCountsDocument, OrgChangesDocument, SyncCursorDocument, ViewerDocument } from './generated/graphql';
import type { Gateway } from '../src/server';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addPersonWithLogin } from './support/people';
import { startReplicatedPostgres, type ReplicatedPostgres } from './support/postgres-replica';

const READ_YOUR_WRITES_MS = 4000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A gateway on a private primary with a streaming replica. With WAL replay paused on the replica, a write is on the
 * primary only: whoever sees it read from the primary, whoever does not read from the replica.
 */
describe('read replicas (DATABASE_REPLICA_URLS)', () => {
  let postgres: ReplicatedPostgres;
  let writer: GraphQLClient;
  let reader: GraphQLClient;
  let rootId: string;
  let gateway: Gateway | undefined;

  beforeAll(async () => {
    postgres = await startReplicatedPostgres();
    gateway = await startTestGateway({
      databaseUrl: postgres.primaryUrl('orggraph'),
      databaseReplicaUrls: [postgres.replicaUrl('orggraph')],
      readYourWritesMs: READ_YOUR_WRITES_MS,
    });
    const owner = await createOrgWithOwner(new GraphQLClient(gateway.url), 'Replicated Org');
    writer = owner.client;
    rootId = owner.org.rootDepartment.id;
    reader = (await addPersonWithLogin(writer, owner.org.code, { name: 'Reader' })).client;
    // Everything above is on the replica, and no caller is inside its read-your-writes window any more (fresh tokens
    // and recent mutations read from the primary for READ_YOUR_WRITES_MS; a token's iat has one-second precision).
    await postgres.waitForReplay();
    await sleep(READ_YOUR_WRITES_MS + 2100);
  }, 120_000);
  afterAll(async () => {
    await gateway?.close(); // before its database goes
    await postgres?.stop();
  });

  it('sends queries to the replica, a writer\'s reads after its mutation and every mutation to the primary', async () => {
    const before = await reader.ok(DepartmentMemberCountsDocument, { id: rootId });
    let departmentId: string;
    await postgres.pauseReplay();
    try {
      // The mutation runs on the primary (a replica would refuse the write).
      const { createDepartment } = await writer.ok(CreateDepartmentDocument, { input: { name: 'Written while replay is paused' } });
      departmentId = createDepartment.id;
      await writer.ok(AddMemberDocument, { input: { name: 'New Member', phone: uniquePhone(), departmentIds: [rootId] } });

      // The writer, within READ_YOUR_WRITES_MS of its mutation, reads its own writes from the primary.
      const writerView = await writer.ok(DepartmentDocument, { id: createDepartment.id });
      expect(writerView.department?.name).toBe('Written while replay is paused');
      const writerCounts = await writer.ok(DepartmentMemberCountsDocument, { id: rootId });
      expect(writerCounts.department?.direct).toBe((before.department?.direct ?? 0) + 1);

      // Another viewer's query reads the replica, which has not replayed the write: neither the department
      // (ORM reads) nor the member in the count (a raw SQL loader, `executeRead`).
      const readerView = await reader.request(DepartmentDocument, { id: createDepartment.id });
      expect(errorCode(readerView)).toBe('NOT_FOUND'); // answered (by the replica), not failed
      const readerCounts = await reader.ok(DepartmentMemberCountsDocument, { id: rootId });
      expect(readerCounts.department?.direct).toBe(before.department?.direct);

      // Once the window has passed, the writer's queries go back to the replica...
      await sleep(READ_YOUR_WRITES_MS + 300);
      const laterView = await writer.request(DepartmentDocument, { id: createDepartment.id });
      expect(errorCode(laterView)).toBe('NOT_FOUND');

      // ...while a mutation still reads on the primary: the parent it names exists only there.
      const { createDepartment: child } = await writer.ok(CreateDepartmentDocument, { input: { name: 'Child', parentId: createDepartment.id } });
      expect(child.parent?.id).toBe(createDepartment.id);
    } finally {
      await postgres.resumeReplay();
    }

    // Replay resumed: the replica catches up and every viewer sees the writes.
    await postgres.waitForReplay();
    const caughtUp = await reader.ok(DepartmentDocument, { id: departmentId });
    expect(caughtUp.department?.children.map((department) => department.name)).toEqual(['Child']);
    expect((await reader.ok(DepartmentMemberCountsDocument, { id: rootId })).department?.direct).toBe((before.department?.direct ?? 0) + 1);
  });

  it('gives a syncCursor no replica is behind, so a snapshot read from a lagging replica misses nothing the feed skips', async () => {
    await postgres.pauseReplay();
    let cursor: string;
    let behindId: string;
    try {
      // Committed on the primary only: the replica stands before it.
      behindId = (await writer.ok(CreateDepartmentDocument, { input: { name: 'Created while the replica lags' } })).createDepartment.id;
      const position = 'select last_event_id::text as last from orgs where name = $1';
      const [primary] = await postgres.query<{ last: string }>('primary', position, ['Replicated Org'], 'orggraph');
      // The cursor (taken on the primary) is where the replica stands, not where the primary does...
      cursor = (await reader.ok(SyncCursorDocument)).syncCursor;
      const [replica] = await postgres.query<{ last: string }>('replica', position, ['Replicated Org'], 'orggraph');
      expect(BigInt(cursor)).toBeLessThan(BigInt(primary!.last));
      expect(cursor).toBe(replica!.last);
      // ...and the snapshot read afterwards, from the replica, lacks the department.
      const snapshot = await reader.ok(DepartmentDocument, { id: rootId });
      expect(snapshot.department?.children.map((department) => department.id)).not.toContain(behindId);
    } finally {
      await postgres.resumeReplay();
    }
    // Following the feed from the cursor brings it: nothing fell between the snapshot and the feed.
    await postgres.waitForReplay();
    const { orgChanges } = await writer.ok(OrgChangesDocument, { first: 100, after: cursor, types: ['DEPARTMENT_CREATED'] });
    expect(orgChanges.changes.map((change) => change.objectId)).toContain(behindId);
  });

  it('reads with a freshly issued token from the primary, so the account it was issued for is found', async () => {
    const rows = await postgres.query<{ in_recovery: boolean }>('replica', 'select pg_is_in_recovery() as in_recovery');
    expect(rows[0]?.in_recovery).toBe(true);
    await postgres.pauseReplay();
    try {
      // Signed up and given an org while the replica stands still: none of it is on the replica.
      const { client, org, user } = await createOrgWithOwner(new GraphQLClient(writer.url), 'Fresh Org');
      const { viewer } = await client.ok(ViewerDocument);
      expect(viewer.user?.id).toBe(user.id);
      expect(viewer.org?.id).toBe(org.id);
    } finally {
      await postgres.resumeReplay();
    }
  });
});
