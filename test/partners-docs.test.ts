import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { CreateDepartmentDocument, OrgChangesDocument, RenameDepartmentDocument } from './generated/graphql';
import { GraphQLClient } from './support/client';
import { createOrgWithOwner } from './support/factories';
import { startTestGateway } from './support/gateway';
import { apiClientFor } from './support/limits';
import { waitFor } from './support/webhook-receiver';

const DOCS = join(__dirname, '..', 'docs');
const EXAMPLES = ['follow-changes.mjs', 'poll-changes.mjs', 'webhook-receiver.mjs'];

let url: string;
let client: GraphQLClient;
beforeAll(async () => {
  url = (await startTestGateway()).url;
  client = new GraphQLClient(url);
});

/** Runs a docs example as a partner would, collecting the JSON lines it prints; killed after the test. */
function run(example: string, env: Record<string, string>): unknown[] {
  const child = spawn(process.execPath, [join(DOCS, 'examples', example)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  onTestFinished(() => void child.kill());
  const lines: unknown[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(JSON.parse(line)));
  return lines;
}

describe('docs/partners.md', () => {
  it('shows each worked example as it is in docs/examples, each at most 30 lines', () => {
    const doc = readFileSync(join(DOCS, 'partners.md'), 'utf8');
    for (const example of EXAMPLES) {
      const code = readFileSync(join(DOCS, 'examples', example), 'utf8');
      expect(doc).toContain(`\`\`\`js\n${code}\`\`\``);
      expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(30);
    }
  });

  for (const example of ['follow-changes.mjs', 'poll-changes.mjs']) {
    it(`${example}: from a syncCursor, every change after it, in order, as orgChanges has it; resumed from a change id`, async () => {
      const owner = await createOrgWithOwner(client);
      const partner = await apiClientFor(owner.client, ['departments:read', 'events:subscribe']);
      const env = { ORGGRAPH_URL: url, TOKEN: partner.token, POLL_MS: '100' };
      const before = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'Before' } })).createDepartment;
      const lines = run(example, env);
      await waitFor(() => lines.length >= 1, 15_000, 'the syncCursor');
      const { syncCursor } = lines[0] as { syncCursor: string };
      const a = (await owner.client.ok(CreateDepartmentDocument, { input: { name: 'A' } })).createDepartment;
      await owner.client.ok(RenameDepartmentDocument, { input: { id: a.id, name: 'A 2' } });
      await owner.client.ok(RenameDepartmentDocument, { input: { id: before.id, name: 'Before 2' } });
      await waitFor(() => lines.length >= 4, 15_000, 'the changes');
      const { orgChanges } = await owner.client.ok(OrgChangesDocument, { first: 10, after: syncCursor });
      const pick = ({ id, type, objectType, objectId, changedFields, details }: (typeof orgChanges.changes)[number]) => ({ id, type, objectType, objectId, changedFields, details });
      expect(lines.slice(1)).toEqual(orgChanges.changes.map(pick));
      expect(orgChanges.changes.map((change) => [change.type, change.objectId])).toEqual([
        ['DEPARTMENT_CREATED', a.id],
        ['DEPARTMENT_RENAMED', a.id],
        ['DEPARTMENT_RENAMED', before.id],
      ]);

      // Started again from the id of the first change applied: the rest, nothing twice.
      const resumed = run(example, { ...env, AFTER: orgChanges.changes[0]!.id });
      await waitFor(() => resumed.length >= 2, 15_000, 'the resumed changes');
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(resumed).toEqual(orgChanges.changes.slice(1).map(pick));
    }, 60_000);
  }
});
