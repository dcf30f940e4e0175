import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditSummaryGlobalIdsSql } from '../src/db/migrations/Migration20261210110000_audit_summary_global_ids';
import {
  AddMemberDocument,
  AssignRoleDocument,
  AuditLogActorsDocument,
  AuditLogDocument,
  AuditLogSummariesDocument,
  CreateContactDocument,
  CreateDepartmentDocument,
  CreateEnterpriseAccountDocument,
  CreateInviteLinkDocument,
  CreateRoleDocument,
  CreateTagDocument,
  CreateTagGroupDocument,
  DeleteContactDocument,
  DeleteDepartmentDocument,
  DeleteTagGroupDocument,
  MergeContactsDocument,
  RemoveMemberDocument,
  RestoreContactDocument,
  SendInvitationDocument,
  SendNotificationDocument,
  TransferContactsDocument,
  UpdateContactDocument,
  RevokeRoleDocument,
  RolesDocument,
  UpdateOrgSettingsDocument,
} from './generated/graphql';
import { errorCode, GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { addDepartmentWithSql, addMemberWithSql, globalIdOf, openTestDatabase, rawIdOf } from './support/sql-fixtures';

let client: GraphQLClient;
let db: pg.Pool;
beforeAll(async () => {
  client = new GraphQLClient((await startTestGateway()).url);
  db = openTestDatabase();
});

async function roleId(owner: GraphQLClient, builtin: string): Promise<string> {
  const { roles } = await owner.ok(RolesDocument);
  return roles.find((role) => role.builtin === builtin)!.id;
}

describe('audit log', () => {
  it("lists the org's own operations, newest first, and never another org's", async () => {
    const a = await createOrgWithOwner(client, 'Org A');
    const b = await createOrgWithOwner(client, 'Org B');
    await a.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } });
    await b.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } });
    await b.client.ok(CreateRoleDocument, { input: { name: 'Only in B', permissions: [] } });

    const { auditLog } = await a.client.ok(AuditLogDocument, { first: 10 });
    expect(auditLog.totalCount).toBe(2);
    expect(auditLog.edges.map((edge) => edge.node)).toEqual([
      {
        id: expect.any(String),
        action: 'ORG_UPDATE_SETTINGS',
        actor: { id: a.member.id, name: 'Owner' },
        targetType: 'Org',
        targetId: a.org.id,
        summary: { before: { invitesOpen: true }, after: { invitesOpen: false } },
        summaryWithheld: false,
        createdAt: expect.any(String),
      },
      {
        id: expect.any(String),
        action: 'ORG_CREATE',
        actor: { id: a.member.id, name: 'Owner' },
        targetType: 'Org',
        targetId: a.org.id,
        summary: { name: 'Org A', code: a.org.code },
        summaryWithheld: false,
        createdAt: expect.any(String),
      },
    ]);
    const ids = auditLog.edges.map((edge) => edge.node.id);
    expect(new Set(ids).size).toBe(2);
    expect(Buffer.from(ids[0]!, 'base64url').toString()).toMatch(/^AuditEntry:[0-9a-f-]{36}$/);

    const foreignTarget = await a.client.ok(AuditLogDocument, { first: 10, filter: { targetId: b.org.id } });
    expect(foreignTarget.auditLog.edges).toEqual([]);
    const foreignActor = await a.client.ok(AuditLogDocument, { first: 10, filter: { actorId: b.member.id } });
    expect(foreignActor.auditLog.edges).toEqual([]);
  });

  it('pages newest first by keyset and filters by action, actor, target and time', async () => {
    const org = await createOrgWithOwner(client);
    const owner = org.client;
    for (const invitesOpen of [false, true, false]) await owner.ok(UpdateOrgSettingsDocument, { input: { invitesOpen } });
    const { createRole } = await owner.ok(CreateRoleDocument, { input: { name: 'Auditor', permissions: [] } });

    const page1 = (await owner.ok(AuditLogDocument, { first: 2 })).auditLog;
    expect(page1.edges.map((edge) => edge.node.action)).toEqual(['ROLE_CREATE', 'ORG_UPDATE_SETTINGS']);
    expect(page1.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    const page2 = (await owner.ok(AuditLogDocument, { first: 2, after: page1.pageInfo.endCursor })).auditLog;
    expect(page2.edges.map((edge) => edge.node.action)).toEqual(['ORG_UPDATE_SETTINGS', 'ORG_UPDATE_SETTINGS']);
    expect(page2.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: true });
    const page3 = (await owner.ok(AuditLogDocument, { first: 2, after: page2.pageInfo.endCursor })).auditLog;
    expect(page3.edges.map((edge) => edge.node.action)).toEqual(['ORG_CREATE']);
    expect(page3.pageInfo.hasNextPage).toBe(false);
    expect(page3.totalCount).toBe(5);

    const byAction = (await owner.ok(AuditLogDocument, { first: 10, filter: { action: 'ORG_UPDATE_SETTINGS' } })).auditLog;
    expect(byAction.edges).toHaveLength(3);
    expect(byAction.totalCount).toBe(3);
    const byTarget = (await owner.ok(AuditLogDocument, { first: 10, filter: { targetId: createRole.id } })).auditLog;
    expect(byTarget.edges.map((edge) => [edge.node.action, edge.node.targetType, edge.node.targetId])).toEqual([['ROLE_CREATE', 'Role', createRole.id]]);
    const byActor = (await owner.ok(AuditLogDocument, { first: 10, filter: { actorId: org.member.id } })).auditLog;
    expect(byActor.totalCount).toBe(5);

    const newest = page1.edges[0]!.node.createdAt;
    const since = (await owner.ok(AuditLogDocument, { first: 10, filter: { since: newest } })).auditLog;
    expect(since.edges.map((edge) => edge.node.action)).toEqual(['ROLE_CREATE']);
    const until = (await owner.ok(AuditLogDocument, { first: 10, filter: { until: newest } })).auditLog;
    expect(until.totalCount).toBe(4);
    const future = (await owner.ok(AuditLogDocument, { first: 10, filter: { since: new Date(Date.now() + 60_000).toISOString() } })).auditLog;
    expect(future.edges).toEqual([]);

    const refusals = await Promise.all([
      owner.request(AuditLogDocument, { first: 0 }),
      owner.request(AuditLogDocument, { first: 101 }),
      owner.request(AuditLogDocument, { first: 10, after: 'garbage' }),
      owner.request(AuditLogDocument, { first: 10, after: Buffer.from('["1; drop"]').toString('base64url') }),
      owner.request(AuditLogDocument, { first: 10, filter: { targetId: 'garbage' } }),
      owner.request(AuditLogDocument, { first: 10, filter: { actorId: org.org.id } }),
    ]);
    expect(refusals.map(errorCode)).toEqual(refusals.map(() => 'BAD_USER_INPUT'));
  });

  it('is for OWNER, ADMIN and holders of AUDIT_LOG VIEW only', async () => {
    const org = await createOrgWithOwner(client);
    const owner = org.client;
    const member = await addMemberWithSql(db, client, org, 'Li');
    const forbidden = await member.client.request(AuditLogDocument, { first: 10 });
    expect(errorCode(forbidden)).toBe('FORBIDDEN');
    expect(forbidden.errors?.[0]?.message).toMatch(/AUDIT_LOG VIEW/);
    expect(errorCode(await client.request(AuditLogDocument, { first: 10 }))).toBe('UNAUTHENTICATED');

    const admin = await roleId(owner, 'ADMIN');
    await owner.ok(AssignRoleDocument, { input: { memberId: member.memberId, roleId: admin } });
    const asAdmin = (await member.client.ok(AuditLogDocument, { first: 10 })).auditLog;
    expect(asAdmin.edges[0]!.node).toMatchObject({
      action: 'ROLE_ASSIGN',
      actor: { id: org.member.id },
      targetType: 'Member',
      targetId: member.memberId,
      summary: { role: { id: admin, name: 'Admin' }, scopeDepartmentIds: [] },
    });

    await owner.ok(RevokeRoleDocument, { input: { memberId: member.memberId, roleId: admin } });
    expect(errorCode(await member.client.request(AuditLogDocument, { first: 10 }))).toBe('FORBIDDEN');

    const { createRole: auditor } = await owner.ok(CreateRoleDocument, {
      input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] },
    });
    await owner.ok(AssignRoleDocument, { input: { memberId: member.memberId, roleId: auditor.id } });
    const asAuditor = (await member.client.ok(AuditLogDocument, { first: 10 })).auditLog;
    expect(asAuditor.edges.map((edge) => edge.node.action).slice(0, 4)).toEqual(['ROLE_ASSIGN', 'ROLE_CREATE', 'ROLE_REVOKE', 'ROLE_ASSIGN']);

    // A scoped grant never covers the org-wide log.
    const department = await addDepartmentWithSql(db, org, 'Clinics');
    await owner.ok(AssignRoleDocument, { input: { memberId: member.memberId, roleId: auditor.id, scopeDepartmentIds: [department] } });
    expect(errorCode(await member.client.request(AuditLogDocument, { first: 10 }))).toBe('FORBIDDEN');
  });

  it("exposes entry ids and cursors that say nothing of other orgs' activity", async () => {
    const org = await createOrgWithOwner(client);
    const other = await createOrgWithOwner(client);
    const firstPage = async () => (await org.client.ok(AuditLogDocument, { first: 1 })).auditLog;
    await org.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } });
    const before = await firstPage();
    // Another org's activity between two of this org's entries.
    for (const invitesOpen of [false, true, false, true]) await other.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen } });
    await org.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: true } });
    const after = await firstPage();

    // Random, not counted: a global counter in an id or a cursor would tell how many entries other orgs wrote in between.
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    for (const { node, cursor } of [before.edges[0]!, after.edges[0]!]) {
      const [type, raw] = Buffer.from(node.id, 'base64url').toString().split(':');
      expect([type, raw]).toEqual(['AuditEntry', expect.stringMatching(uuid)]);
      expect(JSON.parse(Buffer.from(cursor, 'base64url').toString())).toEqual([expect.stringMatching(uuid)]);
    }
    // Paging still works from such a cursor, and a cursor of another org's log reads nothing here.
    const rest = (await org.client.ok(AuditLogDocument, { first: 10, after: after.pageInfo.endCursor })).auditLog;
    expect(rest.edges.map((edge) => edge.node.id)).toEqual([before.edges[0]!.node.id, expect.any(String)]);
    const foreignCursor = (await other.client.ok(AuditLogDocument, { first: 1 })).auditLog.pageInfo.endCursor;
    expect(errorCode(await org.client.request(AuditLogDocument, { first: 10, after: foreignCursor }))).toBe('BAD_USER_INPUT');
  });

  it('shows an entry\'s summary only to readers who may see its target; others get the action and actor', async () => {
    const org = await createOrgWithOwner(client);
    const auditor = await addMemberWithSql(db, client, org, 'Auditor');
    const seller = await addMemberWithSql(db, client, org, 'Seller');
    const { createRole: auditorRole } = await org.client.ok(CreateRoleDocument, {
      input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] },
    });
    await org.client.ok(AssignRoleDocument, { input: { memberId: auditor.memberId, roleId: auditorRole.id } });
    const contact = async (name: string, visibility: 'PRIVATE' | 'ORG') =>
      (await seller.client.ok(CreateContactDocument, { input: { name, phones: [uniquePhone()], visibility } })).createContact.id;
    const secret = await contact('Secret Client', 'PRIVATE');
    await seller.client.ok(DeleteContactDocument, { id: secret });
    await seller.client.ok(RestoreContactDocument, { id: secret });
    const known = await contact('Known Client', 'ORG');
    await seller.client.ok(DeleteContactDocument, { id: known });

    const read = async (reader: GraphQLClient) => (await reader.ok(AuditLogSummariesDocument, { first: 20 })).auditLog.nodes;
    const asAuditor = await read(auditor.client);
    const entry = (nodes: typeof asAuditor, action: string, targetId: string) => nodes.find((node) => node.action === action && node.targetId === targetId);
    // The private contact: what was done and by whom, not its name.
    for (const action of ['CONTACT_DELETE', 'CONTACT_RESTORE']) {
      expect(entry(asAuditor, action, secret)).toEqual({
        action,
        actor: { id: seller.memberId },
        targetType: 'Contact',
        targetId: secret,
        summary: {},
        summaryWithheld: true,
      });
    }
    expect(JSON.stringify(asAuditor)).not.toContain('Secret Client');
    // A contact the auditor could see stays readable in the log once deleted.
    expect(entry(asAuditor, 'CONTACT_DELETE', known)).toMatchObject({ summary: { name: 'Known Client', ownerId: seller.memberId }, summaryWithheld: false });
    // Entries on members follow the member field rule: the auditor's own, yes; another member's, no.
    expect(entry(asAuditor, 'ROLE_ASSIGN', auditor.memberId)?.summary).toMatchObject({ role: { id: auditorRole.id, name: 'Auditor' } });
    await org.client.ok(AssignRoleDocument, { input: { memberId: seller.memberId, roleId: auditorRole.id } });
    expect(entry(await read(auditor.client), 'ROLE_ASSIGN', seller.memberId)).toMatchObject({ summary: {}, summaryWithheld: true });

    // OWNER and ADMIN see every object of the org, so every summary.
    const asOwner = await read(org.client);
    expect(entry(asOwner, 'CONTACT_RESTORE', secret)).toMatchObject({ summary: { name: 'Secret Client' }, summaryWithheld: false });
    expect(asOwner.every((node) => !node.summaryWithheld)).toBe(true);
  });

  it('decides who sees summaries with one query per kind of target, whatever the page size', async () => {
    const org = await createOrgWithOwner(client);
    const auditor = await addMemberWithSql(db, client, org, 'Auditor');
    const { createRole: auditorRole } = await org.client.ok(CreateRoleDocument, {
      input: { name: 'Auditor', permissions: [{ module: 'AUDIT_LOG', actions: ['VIEW'] }] },
    });
    await org.client.ok(AssignRoleDocument, { input: { memberId: auditor.memberId, roleId: auditorRole.id } });
    const kinds = ['Contact', 'Member', 'Invitation', 'ExternalGroup', 'MemberImport', 'Notification', 'ApiClient', 'Department'];
    await db.query(
      `insert into audit_entries (org_id, action, target_type, target_id, summary)
       select $1, 'member.update', ($2::text[])[1 + n % $3], gen_random_uuid(), '{"secret": true}' from generate_series(1, 80) n`,
      [rawIdOf(org.org.id), kinds, kinds.length],
    );
    const large = await auditor.client.request(AuditLogSummariesDocument, { first: 80 });
    expect(large.errors).toBeUndefined();
    const nodes = large.data!.auditLog.nodes;
    expect(new Set(nodes.map((node) => node.targetType))).toEqual(new Set(kinds));
    // Objects that do not exist are seen by nobody but admins; departments are the whole org's to read.
    for (const node of nodes) {
      const seen = node.targetType === 'Department';
      expect([node.summary, node.summaryWithheld]).toEqual(seen ? [{ secret: true }, false] : [{}, true]);
    }
    // 8 entries (one per kind) cost what 80 do. Polled: the role just assigned drops the auditor's cached viewer when
    // its invalidation arrives, which may fall between the two requests (the viewer's load then counts in one only).
    const statements = async (first: number) => (await auditor.client.request(AuditLogSummariesDocument, { first })).extensions?.sqlStatements;
    expect(typeof (await statements(8))).toBe('number');
    await expect.poll(async () => (await statements(80)) === (await statements(8)), { timeout: 5_000 }).toBe(true);
  });

  it('names the objects in summaries by the global ids the API shows, never by raw uuid', async () => {
    const org = await createOrgWithOwner(client);
    const owner = org.client;
    const seller = await addMemberWithSql(db, client, org, 'Seller');
    const receiver = await addMemberWithSql(db, client, org, 'Receiver');
    const sales = (await owner.ok(CreateDepartmentDocument, { input: { name: 'Sales' } })).createDepartment.id;
    const ops = (await owner.ok(CreateDepartmentDocument, { input: { name: 'Ops', parentId: sales } })).createDepartment.id;
    await owner.ok(DeleteDepartmentDocument, { id: ops });
    const memberRole = await roleId(owner, 'MEMBER');
    const { addMember } = await owner.ok(AddMemberDocument, {
      input: { name: 'New', phone: uniquePhone(), departmentIds: [sales], roleIds: [memberRole], managerId: seller.memberId },
    });
    await owner.ok(CreateEnterpriseAccountDocument, { memberId: addMember.id, loginName: `new-${Date.now()}` });
    await owner.ok(SendInvitationDocument, { input: { email: `${Date.now()}@example.org`, name: 'Invitee', departmentIds: [sales] } });
    await owner.ok(CreateInviteLinkDocument, { input: { departmentIds: [sales], roleIds: [memberRole] } });
    const contact = async (name: string) =>
      (await owner.ok(CreateContactDocument, { input: { name, phones: [uniquePhone()], ownerId: seller.memberId } })).createContact.id;
    const [keep, dup] = [await contact('Client'), await contact('Client (dup)')];
    await owner.ok(UpdateContactDocument, { input: { id: keep, title: 'CEO' } });
    await owner.ok(MergeContactsDocument, { keepId: keep, mergeIds: [dup] });
    await owner.ok(DeleteContactDocument, { id: keep });
    await owner.ok(RestoreContactDocument, { id: keep });
    const tagGroup = (await owner.ok(CreateTagGroupDocument, { input: { name: 'Kind' } })).createTagGroup.id;
    const tag = (await owner.ok(CreateTagDocument, { input: { groupId: tagGroup, name: 'Customer' } })).createTag.id;
    await owner.ok(DeleteTagGroupDocument, { id: tagGroup });
    await owner.ok(SendNotificationDocument, { input: { title: 'Hello', body: 'Hi', audience: { memberIds: [seller.memberId], departmentIds: [sales] } } });
    await owner.ok(TransferContactsDocument, { input: { fromMemberId: seller.memberId, toMemberId: receiver.memberId } });
    await owner.ok(RemoveMemberDocument, { input: { id: seller.memberId, mode: 'TRANSFER', transferToMemberId: receiver.memberId } });

    const nodes = (await owner.ok(AuditLogSummariesDocument, { first: 100 })).auditLog.nodes;
    const summary = (action: string) => nodes.find((node) => node.action === action)?.summary;
    expect(JSON.stringify(nodes.map((node) => node.summary))).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
    expect(summary('DEPARTMENT_DELETE')).toMatchObject({ parentId: sales });
    expect(summary('MEMBER_ADD')).toMatchObject({ departmentIds: [sales], roleIds: [memberRole], managerId: seller.memberId });
    expect(summary('CONTACT_CREATE')).toMatchObject({ ownerId: seller.memberId });
    expect(summary('CONTACT_MERGE')).toMatchObject({ mergedIds: [dup] });
    expect(summary('CONTACT_TAG_GROUP_DELETE')).toMatchObject({ tagIds: [tag] });
    expect(summary('NOTIFICATION_SEND')).toMatchObject({ audience: { memberIds: [seller.memberId], departmentIds: [sales] } });
    expect(summary('CONTACT_TRANSFER')).toMatchObject({ toMemberId: receiver.memberId, contactIds: [keep] });
    expect(summary('MEMBER_REMOVE')).toMatchObject({ transferredTo: receiver.memberId });
  });

  it('rewrites the raw uuids of entries written before into global ids, once', async () => {
    const org = await createOrgWithOwner(client);
    const orgId = rawIdOf(org.org.id);
    const [a, b, c] = [randomUUID(), randomUUID(), randomUUID()];
    const old = [
      ['contact.delete', { name: 'Old Client', ownerId: a }],
      ['member.add', { name: 'Old', departmentIds: [a, b], roleIds: [c], managerId: null }],
      ['notification.send', { title: 'T', audience: { memberIds: [a], departmentIds: [], roleIds: [b], everyone: false } }],
      ['department.move', { fromParentId: a, toParentId: b, fromPosition: 0, toPosition: 1 }],
      ['contact.transfer', { toMemberId: a, contactIds: [b], externalGroupIds: [globalIdOf('ExternalGroup', c)], followUpIds: [] }],
      ['member.setStatus', { from: 'ACTIVE', to: 'DISABLED' }],
    ] as const;
    for (const [action, summary] of old) {
      await db.query(`insert into audit_entries (org_id, action, summary) values ($1, $2, $3)`, [orgId, action, JSON.stringify(summary)]);
    }
    const rewrite = async () => {
      await db.query(`begin; ${auditSummaryGlobalIdsSql(orgId)} commit;`);
      const rows = await db.query<{ action: string; summary: unknown }>(`select action, summary from audit_entries where org_id = $1 and action <> 'org.create' order by id`, [orgId]);
      return rows.rows.map((row) => [row.action, row.summary]);
    };
    const expected = [
      ['contact.delete', { name: 'Old Client', ownerId: globalIdOf('Member', a) }],
      ['member.add', { name: 'Old', departmentIds: [globalIdOf('Department', a), globalIdOf('Department', b)], roleIds: [globalIdOf('Role', c)], managerId: null }],
      ['notification.send', { title: 'T', audience: { memberIds: [globalIdOf('Member', a)], departmentIds: [], roleIds: [globalIdOf('Role', b)], everyone: false } }],
      ['department.move', { fromParentId: globalIdOf('Department', a), toParentId: globalIdOf('Department', b), fromPosition: 0, toPosition: 1 }],
      ['contact.transfer', { toMemberId: globalIdOf('Member', a), contactIds: [globalIdOf('Contact', b)], externalGroupIds: [globalIdOf('ExternalGroup', c)], followUpIds: [] }],
      ['member.setStatus', { from: 'ACTIVE', to: 'DISABLED' }],
    ];
    expect(await rewrite()).toEqual(expected);
    expect(await rewrite()).toEqual(expected);
  });

  it('shows a gone actor as null', async () => {
    const org = await createOrgWithOwner(client);
    const member = await addMemberWithSql(db, client, org, 'Leaver');
    await org.client.ok(AssignRoleDocument, { input: { memberId: member.memberId, roleId: await roleId(org.client, 'ADMIN') } });
    await member.client.ok(UpdateOrgSettingsDocument, { input: { invitesOpen: false } });
    await db.query('delete from members where id = $1', [rawIdOf(member.memberId)]);
    const { auditLog } = await org.client.ok(AuditLogDocument, { first: 1 });
    expect(auditLog.edges[0]!.node).toMatchObject({ action: 'ORG_UPDATE_SETTINGS', actor: null });
  });

  it('resolves actors and their roles with the same number of statements for 5 or 50 entries', async () => {
    const org = await createOrgWithOwner(client);
    const orgId = rawIdOf(org.org.id);
    const department = rawIdOf(await addDepartmentWithSql(db, org, 'Wards'));
    const { createRole: officer } = await org.client.ok(CreateRoleDocument, { input: { name: 'Officer', permissions: [] } });
    // 60 members, each holding MEMBER and a scoped custom role, each the actor of one entry.
    await db.query(
      `with added as (
         insert into members (id, org_id, name, status, joined_at)
         select gen_random_uuid(), $1, 'Member ' || n, 'ACTIVE', now() from generate_series(1, 60) n returning id
       ), roles_added as (
         insert into member_roles (id, org_id, member_id, role_id, scope_department_ids)
         select gen_random_uuid(), $1, added.id, r.id, case when r.builtin is null then jsonb_build_array($2::text) else '[]'::jsonb end
           from added cross join roles r where r.org_id = $1 and (r.builtin = 'MEMBER' or r.id = $3)
       )
       insert into audit_entries (org_id, actor_member_id, action, target_type, target_id)
       select $1, added.id, 'member.update', 'Member', added.id from added`,
      [orgId, department, rawIdOf(officer.id)],
    );

    await org.client.request(AuditLogActorsDocument, { first: 5 }); // warm the credential: later viewers come from the cache
    const small = await org.client.request(AuditLogActorsDocument, { first: 5 });
    const large = await org.client.request(AuditLogActorsDocument, { first: 50 });
    expect(small.errors).toBeUndefined();
    expect(large.errors).toBeUndefined();
    expect(large.data?.auditLog.nodes).toHaveLength(50);
    const actor = large.data!.auditLog.nodes[49]!.actor!;
    expect(actor.roles.map((held) => [held.role.name, held.scopeDepartments.map((d) => d.name)]).sort()).toEqual([
      ['Member', []],
      ['Officer', ['Wards']],
    ]);
    expect(actor.id).toBe(globalIdOf('Member', rawIdOf(actor.id)));
    expect(typeof small.extensions?.sqlStatements).toBe('number');
    // Polled: the role created just before drops the owner's cached viewer when its invalidation arrives, which may
    // fall between the two requests (the viewer's load then counts in one only).
    const statements = async (first: number) => (await org.client.request(AuditLogActorsDocument, { first })).extensions?.sqlStatements;
    await expect.poll(async () => (await statements(50)) === (await statements(5)), { timeout: 5_000 }).toBe(true);
  });
});
