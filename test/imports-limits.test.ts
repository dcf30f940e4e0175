import { request } from 'node:http';
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import { AddMemberDocument, CreateEnterpriseAccountDocument, LogInWithEnterpriseAccountDocument, MemberImportDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csv, csvLine, importEvents, importFootprint, importsUrl, phoneSeries, postImport } from './support/imports';
import { rawIdOf, sql } from './support/sql-fixtures';

const MAX_BYTES = 96 * 1024;
let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway({ importMaxBytes: MAX_BYTES });
  client = new GraphQLClient(gateway.url);
});

const GOOD = csv(['name', 'phone'], [['A', '13900000000']]);

/** Every error answer: a JSON code, a message, and never a stack. */
function expectRefusal(result: Awaited<ReturnType<typeof postImport>>, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.body.errors).toHaveLength(1);
  expect(result.body.errors![0]!.extensions.code).toBe(code);
  expect(result.text).not.toMatch(/stack|\n\s+at /i);
}

describe('malformed uploads', () => {
  it('answers 400 MALFORMED_CSV with the line for broken quoting, and imports nothing of a small file', async () => {
    const owner = await createOrgWithOwner(client);
    const before = await importFootprint(rawIdOf(owner.org.id));
    const unclosed = await postImport(gateway.url, owner.client.token, `name,phone\nA,${uniquePhone()}\n"B,${uniquePhone()}\nC,1\n`);
    expectRefusal(unclosed, 400, 'MALFORMED_CSV');
    expect(unclosed.body.errors![0]!.extensions).toMatchObject({ reason: 'CSV_QUOTE_NOT_CLOSED' });
    expect(unclosed.body).toMatchObject({ status: 'FAILED', summary: { rows: 0, created: 0 } });
    const stray = await postImport(gateway.url, owner.client.token, `name,phone\nA,1"2\n`);
    expectRefusal(stray, 400, 'MALFORMED_CSV');
    expect(stray.body.errors![0]!.extensions).toMatchObject({ line: 2 });
    expect(await importFootprint(rawIdOf(owner.org.id))).toMatchObject({ members: before.members, invitations: before.invitations });

    const { memberImport } = await owner.client.ok(MemberImportDocument, { id: unclosed.body.id, first: 1 });
    expect(memberImport).toMatchObject({ status: 'FAILED', error: { code: 'MALFORMED_CSV' } });
  });

  it('keeps the batches committed before the break, says so, and a fixed re-run completes the rest', async () => {
    const owner = await createOrgWithOwner(client);
    const orgId = rawIdOf(owner.org.id);
    const phones = phoneSeries(1500);
    const rows = phones.map((phone, i) => csvLine([`Person ${i}`, phone]));
    const broken = ['name,phone', ...rows, 'Broken,"+8613', ...rows.slice(0, 3)].join('\n');
    const result = await postImport(gateway.url, owner.client.token, broken);
    expectRefusal(result, 400, 'MALFORMED_CSV');
    expect(result.body).toMatchObject({ status: 'FAILED', summary: { rows: 1000, created: 1000, failed: 0 } });
    const events = await importEvents(orgId, result.body.importId);
    expect(events.map((e) => e.type)).toEqual(['PROGRESS', 'COMPLETED']);
    expect(events[1]!.payload).toMatchObject({ status: 'FAILED', processed: 1000, error: { code: 'MALFORMED_CSV' } });

    const fixed = await postImport(gateway.url, owner.client.token, ['name,phone', ...rows].join('\n'));
    expect(fixed.body).toMatchObject({ status: 'COMPLETED', summary: { rows: 1500, created: 500, skipped: 1000, failed: 0 } });
    const [{ count }] = await sql<{ count: number }>(`select count(*)::int as count from invitations where org_id = $1`, [orgId]);
    expect(count).toBe(1500);
  });

  it('refuses a header without name, or without phone and email, a repeated column and an empty file', async () => {
    const { client: owner } = await createOrgWithOwner(client);
    expectRefusal(await postImport(gateway.url, owner.token, 'phone,email\n1,a@b.org\n'), 400, 'MISSING_COLUMN');
    expectRefusal(await postImport(gateway.url, owner.token, 'name,title\nA,B\n'), 400, 'MISSING_COLUMN');
    expectRefusal(await postImport(gateway.url, owner.token, 'name,phone,Phone\nA,1,2\n'), 400, 'DUPLICATE_COLUMN');
    expectRefusal(await postImport(gateway.url, owner.token, ''), 400, 'EMPTY_FILE');
    // A header alone is a valid, empty import.
    const headerOnly = await postImport(gateway.url, owner.token, '\ufeffName,Phone,Employee_No\n');
    expect(headerOnly.status).toBe(200);
    expect(headerOnly.body.summary).toMatchObject({ rows: 0, created: 0 });
  });
});

describe('request rules', () => {
  it('needs a signed-in member whose initial password is changed, POST, text/csv and valid options', async () => {
    const owner = await createOrgWithOwner(client);
    expectRefusal(await postImport(gateway.url, undefined, GOOD), 401, 'UNAUTHENTICATED');
    expectRefusal(await postImport(gateway.url, 'forged', GOOD), 401, 'UNAUTHENTICATED');

    const { addMember } = await owner.client.ok(AddMemberDocument, { input: { name: 'Enterprise', phone: uniquePhone() } });
    const loginName = `e${randomUUID().slice(0, 8)}`;
    const { createEnterpriseAccount } = await owner.client.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName });
    const { logInWithEnterpriseAccount } = await client.ok(LogInWithEnterpriseAccountDocument, {
      input: { orgCode: owner.org.code, loginName, password: createEnterpriseAccount.initialPassword },
    });
    expectRefusal(await postImport(gateway.url, logInWithEnterpriseAccount.token, GOOD), 403, 'PASSWORD_CHANGE_REQUIRED');

    const get = await fetch(importsUrl(gateway.url), { headers: { authorization: `Bearer ${owner.client.token}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expectRefusal(await postImport(gateway.url, owner.client.token, GOOD, { contentType: 'application/json' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefusal(await postImport(gateway.url, owner.client.token, GOOD, { contentType: 'text/csv; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    expectRefusal(await postImport(gateway.url, owner.client.token, GOOD, { query: { dryRun: 'yes' } }), 400, 'BAD_USER_INPUT');
    expectRefusal(await postImport(gateway.url, owner.client.token, GOOD, { query: { importId: 'not-a-uuid' } }), 400, 'BAD_USER_INPUT');
    expect((await postImport(gateway.url, owner.client.token, GOOD, { contentType: 'text/csv; charset=utf-8', query: { dryRun: 'TRUE' } })).body.dryRun).toBe(true);
  });

  it('takes the client’s importId once; a second upload with it answers 409', async () => {
    const owner = await createOrgWithOwner(client);
    const importId = randomUUID();
    const first = await postImport(gateway.url, owner.client.token, GOOD, { importId, dryRun: true });
    expect(first.body.importId).toBe(importId);
    expectRefusal(await postImport(gateway.url, owner.client.token, GOOD, { importId }), 409, 'CONFLICT');
  });
});

describe('size limit', () => {
  const bigFile = () => ['name,phone', ...phoneSeries(Math.ceil(MAX_BYTES / 20)).map((phone, i) => `P${i},${phone}`)].join('\n');

  it('answers 413 before reading a body whose declared length is over the limit', async () => {
    const owner = await createOrgWithOwner(client);
    const body = bigFile();
    expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BYTES);
    const result = await postImport(gateway.url, owner.client.token, body);
    expectRefusal(result, 413, 'PAYLOAD_TOO_LARGE');
    expect(result.body.errors![0]!.extensions).toMatchObject({ maxBytes: MAX_BYTES });
    expect(result.body.importId).toBeUndefined();
  });

  it('answers 413 as soon as a streamed body without a length passes the limit', async () => {
    const owner = await createOrgWithOwner(client);
    const file = bigFile();
    const total = file.split('\n').length - 1;
    const chunks = file.match(/[\s\S]{1,8192}/g)!.map((text) => new TextEncoder().encode(text));
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = chunks.shift();
        if (next) controller.enqueue(next);
        else controller.close();
      },
    });
    const result = await postImport(gateway.url, owner.client.token, stream);
    expectRefusal(result, 413, 'PAYLOAD_TOO_LARGE');
    // Whole batches read before the limit was passed stay imported, and the answer says how many.
    const { created, rows } = result.body.summary;
    expect(result.body.status).toBe('FAILED');
    expect(created).toBe(rows);
    expect(created % 1000).toBe(0);
    expect(created).toBeLessThan(total);
    expect(await importFootprint(rawIdOf(owner.org.id))).toMatchObject({ members: 1 + created, invitations: created });
  });

  it('marks an upload that stops midway FAILED with UPLOAD_ABORTED', async () => {
    const owner = await createOrgWithOwner(client);
    const importId = randomUUID();
    const url = new URL(`${importsUrl(gateway.url)}?importId=${importId}`);
    const req = request(url, { method: 'POST', headers: { 'content-type': 'text/csv', authorization: `Bearer ${owner.client.token}` } });
    req.on('error', () => undefined);
    req.write(`name,phone\nA,${uniquePhone()}\n`);
    await expect.poll(async () => (await sql(`select 1 from member_imports where import_key = $1`, [importId])).length).toBe(1);
    req.destroy();
    await expect
      .poll(async () => (await sql<{ status: string; error_code: string }>(`select status, error_code from member_imports where import_key = $1`, [importId]))[0])
      .toEqual({ status: 'FAILED', error_code: 'UPLOAD_ABORTED' });
  });
});
