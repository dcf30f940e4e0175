import { Redis } from 'ioredis';
import { beforeAll, describe, expect, it } from 'vitest';
import { orgChannel } from '../src/realtime/event-bus';
import type { Gateway } from '../src/server';
import { ImportedMembersDocument, MemberImportDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csvLine, importEvents, phoneSeries, postImport } from './support/imports';
import { insertDepartment, rawIdOf, sql } from './support/sql-fixtures';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
});

const ROWS = 10_000;

describe('bulk import', () => {
  it(`imports ${ROWS.toLocaleString('en')} rows in one go, with progress events per batch, published live`, { timeout: 120_000 }, async () => {
    const owner = await createOrgWithOwner(client);
    const orgId = rawIdOf(owner.org.id);
    const wards = await Promise.all(['Ward 1', 'Ward 2', 'Ward 3'].map((name) => insertDepartment(owner.org.id, name)));
    const phones = phoneSeries(ROWS);
    const lines = phones.map((phone, i) =>
      csvLine([`Person ${i}`, phone, i % 3 === 0 ? `p${i}@example.org` : '', wards[i % 3]!.path && `Ward ${(i % 3) + 1}`, i % 10 === 0 ? 'Admin;Member' : '', 'Nurse', `N${i}`]),
    );
    const file = ['name,phone,email,department,roles,title,employeeNo', ...lines].join('\n') + '\n';

    const subscriber = new Redis(gateway.app.config.redisUrl!);
    const live: Array<{ topic: string; type: string; payload: { processed: number } }> = [];
    await subscriber.subscribe(orgChannel(orgId));
    subscriber.on('message', (_channel, message) => live.push(JSON.parse(message)));

    const started = performance.now();
    const { status, body } = await postImport(gateway.url, owner.client.token, file);
    const seconds = (performance.now() - started) / 1000;
    expect(status).toBe(200);
    expect(body).toMatchObject({ status: 'COMPLETED', summary: { rows: ROWS, created: ROWS, skipped: 0, failed: 0 }, report: [] });
    console.log(`imported ${ROWS} rows in ${seconds.toFixed(2)} s (${Math.round(ROWS / seconds)} rows/s)`);

    const [counts] = await sql<Record<string, number>>(
      `select (select count(*)::int from members where org_id = $1 and status = 'PENDING') as members,
              (select count(*)::int from member_departments where org_id = $1) - 1 as placements,
              (select count(*)::int from member_roles where org_id = $1) - 1 as grants,
              (select count(*)::int from invitations where org_id = $1 and status = 'PENDING' and import_id = $2) as invitations,
              (select count(*)::int from outbox_messages where org_id = $1 and template = 'INVITATION') as messages,
              (select count(*)::int from org_events where org_id = $1 and topic = 'INVITATION' and type = 'SENT') as sent`,
      [orgId, rawIdOf(body.id)],
    );
    expect(counts).toEqual({ members: ROWS, placements: ROWS, grants: ROWS + ROWS / 10, invitations: ROWS, messages: ROWS, sent: ROWS });

    const events = await importEvents(orgId, body.importId);
    expect(events.map((e) => e.type)).toEqual([...Array(ROWS / 1000).fill('PROGRESS'), 'COMPLETED']);
    expect(events.map((e) => e.payload.processed)).toEqual([...Array.from({ length: ROWS / 1000 }, (_, i) => (i + 1) * 1000), ROWS]);
    // Event ids are contiguous per org, in commit order.
    const ids = (await sql<{ id: string }>(`select id::text from org_events where org_id = $1 order by org_events.id`, [orgId])).map((row) => Number(row.id));
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    await expect.poll(() => live.filter((event) => event.topic === 'IMPORT').length, { timeout: 10_000 }).toBe(ROWS / 1000 + 1);
    expect(live.filter((event) => event.topic === 'INVITATION').length).toBe(ROWS);
    subscriber.disconnect();

    const { members } = await owner.client.ok(ImportedMembersDocument, { first: 5, filter: { query: 'Person 9999' } });
    expect(members.nodes[0]).toMatchObject({ name: 'Person 9999', phone: phones[9999], employeeNo: 'N9999', departments: [{ name: 'Ward 1' }] });

    // Re-running the whole file is idempotent, and its 10,000 entries page through GraphQL.
    const again = await postImport(gateway.url, owner.client.token, file);
    expect(again.body.summary).toMatchObject({ rows: ROWS, created: 0, skipped: ROWS, failed: 0 });
    expect(again.body.report).toHaveLength(ROWS);
    expect(again.body.reportTruncated).toBe(false);
    const page = await owner.client.ok(MemberImportDocument, { id: again.body.id, first: 100 });
    expect(page.memberImport!.report.totalCount).toBe(ROWS);
    const next = await owner.client.ok(MemberImportDocument, { id: again.body.id, first: 100, after: page.memberImport!.report.pageInfo.endCursor });
    expect(next.memberImport!.report.nodes.map((n) => n.row)).toEqual(Array.from({ length: 100 }, (_, i) => i + 102));
    expect(new Set(next.memberImport!.report.nodes.map((n) => n.code))).toEqual(new Set(['ALREADY_INVITED']));
    const [{ total }] = await sql<{ total: number }>(`select count(*)::int as total from members where org_id = $1`, [orgId]);
    expect(total).toBe(ROWS + 1);
  });
});
