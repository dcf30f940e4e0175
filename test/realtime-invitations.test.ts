import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventTopic, withEvents, type OrgEvent } from '../src/realtime/events';
import type { Gateway } from '../src/server';
import {
  ImportProgressDocument,
  InvitationEventsDocument,
  MyInvitationsDocument,
  RevokeRoleDocument,
  type InvitationEventsSubscription,
  type MyInvitationsSubscription,
} from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, signUpUser, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { seedActiveMember } from './support/seed-member';
import { builtinRoleId, insertDepartment, rawIdOf, sql, toGlobalId } from './support/sql-fixtures';
import { subscribeTo, type TestSubscription } from './support/subscriptions';
import { connectWs } from './support/ws';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway({ eventSweepMs: 0 });
  client = new GraphQLClient(gateway.url);
});

type Org = Awaited<ReturnType<typeof createOrgWithOwner>>;

async function lastEventId(org: Org): Promise<string> {
  const [row] = await sql<{ last: string }>('select last_event_id::text as last from orgs where id = $1', [rawIdOf(org.org.id)]);
  return row!.last;
}

/** An invitation row, as the invitations module writes it (raw id). */
async function insertInvitation(org: Org, phone = uniquePhone()): Promise<string> {
  const id = randomUUID();
  await sql(
    `insert into invitations (id, org_id, channel, phone, token_hash, expires_at) values ($1, $2, 'PHONE', $3, $4, now() + interval '7 days')`,
    [id, rawIdOf(org.org.id), phone, randomBytes(32).toString('hex')],
  );
  return id;
}

/** Writes one event through `withEvents`, as the invitations and import features do (they are built in parallel). */
function emitEvent(
  org: Org,
  topic: EventTopic,
  type: string,
  payload: Record<string, unknown>,
  extra: { departmentIds?: string[]; recipientPhone?: string; recipientEmail?: string } = {},
): Promise<OrgEvent> {
  return withEvents(gateway.app.orm.em.fork(), gateway.app, (_tx, emit) => emit({ orgId: rawIdOf(org.org.id), topic, type, payload, ...extra }));
}

function invitationEvent(org: Org, type: string, invitationId: string, departmentIds: string[] = [], extra: { memberId?: string; recipientPhone?: string; recipientEmail?: string } = {}) {
  const { memberId, ...recipient } = extra;
  return emitEvent(org, EventTopic.INVITATION, type, { invitationId, ...(memberId ? { memberId } : {}) }, { departmentIds, ...recipient });
}

const typesOf = (sub: TestSubscription<InvitationEventsSubscription>) => sub.results.map((result) => result.invitationEvents.type);

describe('invitationEvents', () => {
  it('delivers events with the invitation loaded at delivery, filtered by department subtree and type', async () => {
    const org = await createOrgWithOwner(client);
    const hospitals = await insertDepartment(org.org.id, 'Hospitals');
    const level1 = await insertDepartment(org.org.id, 'Level 1', hospitals.id);
    const clinics = await insertDepartment(org.org.id, 'Clinics');
    const after = await lastEventId(org);
    const ws = connectWs(gateway.url, org.client.token).client;
    const all = subscribeTo(ws, InvitationEventsDocument, { after });
    const hospitalsOnly = subscribeTo(ws, InvitationEventsDocument, { after, filter: { departmentId: hospitals.id, types: ['ACCEPTED'] } });

    const invitation = await insertInvitation(org);
    const newMember = await seedActiveMember(client, org.org.id, { name: 'Joiner' });
    await invitationEvent(org, 'SENT', invitation, [level1.rawId]);
    await invitationEvent(org, 'ACCEPTED', invitation, [level1.rawId], { memberId: rawIdOf(newMember.memberId) });
    await invitationEvent(org, 'ACCEPTED', randomUUID(), [clinics.rawId]);
    await emitEvent(org, EventTopic.MEMBER, 'JOINED', { memberId: rawIdOf(newMember.memberId) }); // another topic

    const events = (await all.take(3)).map((result) => result.invitationEvents);
    expect(events.map((event) => event.type)).toEqual(['SENT', 'ACCEPTED', 'ACCEPTED']);
    expect(events.map((event) => Number(event.id))).toEqual([1, 2, 3].map((n) => Number(after) + n));
    expect(events[0]).toMatchObject({ invitation: { id: toGlobalId('Invitation', invitation) }, member: null });
    expect(events[1]).toMatchObject({ member: { id: newMember.memberId, name: 'Joiner' } });
    expect(events[2]).toMatchObject({ invitation: null }); // no such row
    await all.expectNoMoreThan(3);

    const [filtered] = await hospitalsOnly.take(1);
    expect(filtered!.invitationEvents).toMatchObject({ type: 'ACCEPTED', id: events[1]!.id });
    await hospitalsOnly.expectNoMoreThan(1, 100);
  });

  it("gives a SUB_ADMIN only its departments' events and another org's subscriber nothing", async () => {
    const org = await createOrgWithOwner(client);
    const mine = await insertDepartment(org.org.id, 'Mine');
    const mineChild = await insertDepartment(org.org.id, 'Mine child', mine.id);
    const theirs = await insertDepartment(org.org.id, 'Theirs');
    const subAdmin = await seedActiveMember(client, org.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [mine.id], departmentId: mine.id });
    const stranger = await createOrgWithOwner(client);

    const after = await lastEventId(org);
    const bySubAdmin = subscribeTo(connectWs(gateway.url, subAdmin.client.token).client, InvitationEventsDocument, { after });
    const byOwner = subscribeTo(connectWs(gateway.url, org.client.token).client, InvitationEventsDocument, { after });
    const byStranger = subscribeTo(connectWs(gateway.url, stranger.client.token).client, InvitationEventsDocument, {
      after: await lastEventId(stranger),
    });

    await invitationEvent(org, 'SENT', randomUUID(), [theirs.rawId]);
    await invitationEvent(org, 'DECLINED', randomUUID(), [mine.rawId]);
    await invitationEvent(org, 'SENT', randomUUID(), []); // an org-wide link: org-wide rights only
    await invitationEvent(org, 'EXPIRED', randomUUID(), [theirs.rawId, mineChild.rawId]);

    await byOwner.take(4);
    expect(typesOf(byOwner)).toEqual(['SENT', 'DECLINED', 'SENT', 'EXPIRED']);
    await bySubAdmin.take(2);
    expect(typesOf(bySubAdmin)).toEqual(['DECLINED', 'EXPIRED']);
    await bySubAdmin.expectNoMoreThan(2, 200);
    await byStranger.expectNoMoreThan(0, 100);
  });

  it('stops a demoted admin at the next event, without reconnecting', async () => {
    const org = await createOrgWithOwner(client);
    const admin = await seedActiveMember(client, org.org.id, { role: 'ADMIN' });
    const sub = subscribeTo(connectWs(gateway.url, admin.client.token).client, InvitationEventsDocument, { after: await lastEventId(org) });
    await invitationEvent(org, 'SENT', randomUUID());
    await sub.take(1);

    await org.client.ok(RevokeRoleDocument, { input: { memberId: admin.memberId, roleId: await builtinRoleId(org.org.id, 'ADMIN') } });
    await invitationEvent(org, 'REVOKED', randomUUID());
    expect(await sub.endedWith()).toBe('FORBIDDEN');
    expect(typesOf(sub)).toEqual(['SENT']);
  });

  it('is refused to members without the right to view invitations', async () => {
    const org = await createOrgWithOwner(client);
    const member = await seedActiveMember(client, org.org.id);
    const sub = subscribeTo(connectWs(gateway.url, member.client.token).client, InvitationEventsDocument, {});
    expect(await sub.endedWith()).toBe('FORBIDDEN');
  });
});

describe('myInvitations', () => {
  async function verifiedUser() {
    const user = await signUpUser(client, 'Invitee');
    const email = `invitee-${randomUUID().slice(0, 8)}@example.org`;
    await sql('update users set phone_verified_at = now(), email = $2, email_verified_at = now() where id = $1', [rawIdOf(user.user.id), email]);
    return { ...user, email };
  }

  const positions = (events: Array<MyInvitationsSubscription['myInvitations']>) => events.map((event) => event.type);

  it('delivers invitations addressed to the verified phone or email from every org, resumable across orgs', async () => {
    const invitee = await verifiedUser();
    const orgA = await createOrgWithOwner(client);
    const orgB = await createOrgWithOwner(client);
    const invitationA = await insertInvitation(orgA, invitee.phone);
    const ws = connectWs(gateway.url, invitee.client.token).client;
    const sub = subscribeTo(ws, MyInvitationsDocument, {});

    let probes = 0;
    await sub.untilLive(async () => {
      probes++;
      await invitationEvent(orgA, 'SENT', invitationA, [], { recipientPhone: invitee.phone });
    });
    const seen = sub.results.length;
    await invitationEvent(orgB, 'SENT', randomUUID(), [], { recipientEmail: invitee.email.toUpperCase() });
    await invitationEvent(orgB, 'SENT', randomUUID(), [], { recipientPhone: uniquePhone() }); // someone else
    await invitationEvent(orgA, 'REVOKED', invitationA, [], { recipientPhone: invitee.phone });
    const live = (await sub.take(seen + 2)).map((result) => result.myInvitations);
    // Order is guaranteed within an org, not across orgs (events of one read come org by org).
    expect(positions(live.slice(seen)).sort()).toEqual(['REVOKED', 'SENT']);
    expect(live[0]!.invitation).toEqual({ id: toGlobalId('Invitation', invitationA) });
    await sub.expectNoMoreThan(seen + 2, 200);
    expect(probes).toBeGreaterThan(0);

    // Disconnected: three invitations across both orgs, then resume from the last cursor.
    const last = live.at(-1)!.id;
    await ws.dispose();
    const member = await seedActiveMember(client, orgB.org.id); // someone else's membership
    await invitationEvent(orgB, 'SENT', randomUUID(), [], { recipientPhone: invitee.phone });
    await invitationEvent(orgA, 'SENT', randomUUID(), [], { recipientEmail: invitee.email });
    await invitationEvent(orgB, 'ACCEPTED', randomUUID(), [], { recipientPhone: invitee.phone, memberId: rawIdOf(member.memberId) });

    const resumed = subscribeTo(connectWs(gateway.url, invitee.client.token).client, MyInvitationsDocument, { after: last });
    const replayed = (await resumed.take(3)).map((result) => result.myInvitations);
    expect(replayed.map((event) => event.type).sort()).toEqual(['ACCEPTED', 'SENT', 'SENT']);
    expect(replayed.find((event) => event.type === 'ACCEPTED')!.member).toBeNull(); // not the invitee's own membership
    expect(new Set(replayed.map((event) => event.id)).size).toBe(3);
    await resumed.expectNoMoreThan(3, 300);

    await invitationEvent(orgA, 'EXPIRED', randomUUID(), [], { recipientPhone: invitee.phone });
    expect((await resumed.take(4))[3]!.myInvitations.type).toBe('EXPIRED');
    await resumed.expectNoMoreThan(4);

    // Resuming from a cursor in the middle of a replay gives the rest, nothing twice.
    const middle = subscribeTo(connectWs(gateway.url, invitee.client.token).client, MyInvitationsDocument, { after: replayed[0]!.id });
    const rest = (await middle.take(3)).map((result) => result.myInvitations);
    expect(rest.map((event) => event.type).sort()).toEqual([...replayed.slice(1).map((event) => event.type), 'EXPIRED'].sort());
    await middle.expectNoMoreThan(3, 200);
  });

  it("shows the invitee's own new membership on ACCEPTED, and needs a verified phone or email", async () => {
    const orgA = await createOrgWithOwner(client);
    const joined = await seedActiveMember(client, orgA.org.id, { name: 'Joined' }); // phone verified by the seed
    const sub = subscribeTo(connectWs(gateway.url, joined.client.token).client, MyInvitationsDocument, {});
    await sub.untilLive(() =>
      invitationEvent(orgA, 'ACCEPTED', randomUUID(), [], { recipientPhone: joined.phone, memberId: rawIdOf(joined.memberId) }),
    );
    expect(sub.results[0]!.myInvitations.member).toEqual({ id: joined.memberId, name: 'Joined' });

    const unverified = await signUpUser(client);
    const refused = subscribeTo(connectWs(gateway.url, unverified.client.token).client, MyInvitationsDocument, {});
    expect(await refused.endedWith()).toBe('BAD_USER_INPUT');
    const badCursor = subscribeTo(connectWs(gateway.url, joined.client.token).client, MyInvitationsDocument, { after: '42' });
    expect(await badCursor.endedWith()).toBe('BAD_USER_INPUT');
  });
});

describe('importProgress', () => {
  it("streams one import's progress to its importer and admins, and completes after COMPLETED", async () => {
    const org = await createOrgWithOwner(client);
    const importer = await seedActiveMember(client, org.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [org.org.rootDepartment.id] });
    const bystander = await seedActiveMember(client, org.org.id);
    const importId = randomUUID();
    const otherImport = randomUUID();
    // The import as its run records it (its events below are this test's own): who started it, under which key.
    await sql(
      `insert into member_imports (id, org_id, import_key, created_by_member_id, dry_run, kind) values ($1, $2, $3, $4, false, 'MEMBERS')`,
      [randomUUID(), rawIdOf(org.org.id), importId, rawIdOf(importer.memberId)],
    );
    const after = await lastEventId(org);

    const byImporter = subscribeTo(connectWs(gateway.url, importer.client.token).client, ImportProgressDocument, { importId, after });
    const byOwner = subscribeTo(connectWs(gateway.url, org.client.token).client, ImportProgressDocument, { importId, after });
    const byBystander = subscribeTo(connectWs(gateway.url, bystander.client.token).client, ImportProgressDocument, { importId });
    // An import not started yet has no known owner: only admins may wait for it.
    const notYetStarted = subscribeTo(connectWs(gateway.url, importer.client.token).client, ImportProgressDocument, { importId: randomUUID() });
    expect(await byBystander.endedWith()).toBe('FORBIDDEN');
    expect(await notYetStarted.endedWith()).toBe('FORBIDDEN');

    const progress = (processed: number) => ({ importId, processed, created: processed - 1, skipped: 1, failed: 0, total: 3 });
    await emitEvent(org, EventTopic.IMPORT, 'PROGRESS', progress(2));
    await emitEvent(org, EventTopic.IMPORT, 'PROGRESS', { ...progress(1), importId: otherImport });
    await emitEvent(org, EventTopic.IMPORT, 'COMPLETED', progress(3));

    for (const sub of [byImporter, byOwner]) {
      const events = (await sub.take(2)).map((result) => result.importProgress);
      expect(events).toEqual([
        { id: String(Number(after) + 1), type: 'PROGRESS', importId, processed: 2, created: 1, skipped: 1, failed: 0, total: 3 },
        { id: String(Number(after) + 3), type: 'COMPLETED', importId, processed: 3, created: 2, skipped: 1, failed: 0, total: 3 },
      ]);
      expect(await sub.endedWith()).toBeUndefined(); // completed, no error
    }
  });
});
