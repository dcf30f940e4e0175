import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/server';
import { ImportProgressDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner, uniquePhone } from './support/factories';
import { startTestGateway } from './support/gateway';
import { csv, postImport } from './support/imports';
import { seedActiveMember } from './support/seed-member';
import { subscribeTo } from './support/subscriptions';
import { connectWs } from './support/ws';

let gateway: Gateway;
let client: GraphQLClient;
beforeAll(async () => {
  gateway = await startTestGateway();
  client = new GraphQLClient(gateway.url);
});

describe('importProgress for a real upload', () => {
  it('lets the sub-admin who ran the import replay its progress, and refuses another member', async () => {
    const org = await createOrgWithOwner(client);
    const importer = await seedActiveMember(client, org.org.id, { role: 'SUB_ADMIN', scopeDepartmentIds: [org.org.rootDepartment.id] });
    const bystander = await seedActiveMember(client, org.org.id);
    const importId = randomUUID();
    const upload = await postImport(gateway.url, importer.client.token!, csv(['name', 'phone'], [['A', uniquePhone()], ['B', uniquePhone()]]), { importId });
    expect(upload.status).toBe(200);

    const replay = subscribeTo(connectWs(gateway.url, importer.client.token).client, ImportProgressDocument, { importId, after: '0' });
    const events = (await replay.take(2)).map((result) => result.importProgress);
    expect(events.map((event) => [event.type, event.processed, event.created])).toEqual([
      ['PROGRESS', 2, 2],
      ['COMPLETED', 2, 2],
    ]);
    expect(await replay.endedWith()).toBeUndefined();

    const refused = subscribeTo(connectWs(gateway.url, bystander.client.token).client, ImportProgressDocument, { importId, after: '0' });
    expect(await refused.endedWith()).toBe('FORBIDDEN');
  });
});
