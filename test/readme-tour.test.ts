import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnGateway } from './support/process';

const ROOT = join(__dirname, '..');

/** The shell block between `<!-- tour -->` and `<!-- /tour -->` in the README, as a newcomer saves it. */
function tourScript(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = /<!-- tour -->([\s\S]*?)<!-- \/tour -->/.exec(readme);
  const block = section && /```sh\n([\s\S]*?)```/.exec(section[1]!);
  if (!block) throw new Error('README.md has no ```sh block between <!-- tour --> and <!-- /tour -->');
  return block[1]!;
}

interface TourRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout, one JSON value per line. */
  lines: Record<string, any>[];
}

/** Runs `script` with bash in the project folder, as the README says, against the gateway on `port`. */
async function runTour(script: string, port: number): Promise<TourRun> {
  const result = await promisify(execFile)('bash', ['-c', script], { cwd: ROOT, env: { ...process.env, PORT: String(port) }, timeout: 60_000 }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({ code: typeof error.code === 'number' ? error.code : -1, stdout: error.stdout ?? '', stderr: error.stderr ?? '' }),
  );
  const lines = result.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, any>);
  return { ...result, lines };
}

describe('README tour', () => {
  let port: number;
  beforeAll(async () => {
    // Spawned as production runs it; it listens on 127.0.0.1 only, which the tour reaches as localhost.
    port = Number(new URL((await spawnGateway()).url).port);
  });

  it('runs as written, twice in a row: each run makes its own org and people, and sees Bo join live and in the list', async () => {
    const script = tourScript();
    for (const run of [1, 2]) {
      const tour = await runTour(script, port);
      const context = `run ${run}, exit ${tour.code}\n${tour.stdout}\n${tour.stderr}`;
      expect(tour.code, context).toBe(0);
      expect(tour.stderr, context).toBe('');
      const find = (field: string) => tour.lines.find((line) => field in line)?.[field];
      expect(find('viewer'), context).toMatchObject({ org: { name: 'Acme', rootDepartment: { children: [{ name: 'Sales' }] } } });
      expect(find('acceptInvitation'), context).toEqual({ org: { name: 'Acme' }, member: { name: 'Bo', status: 'ACTIVE' } });
      // The subscriber's ACCEPTED line, printed by its own process before the tour waited for it.
      const events = tour.lines.filter((line) => 'invitationEvents' in line).map((line) => line.invitationEvents);
      expect(events.at(-1), context).toMatchObject({ type: 'ACCEPTED', member: { name: 'Bo' } });
      // A fresh org each run: only Ada and Bo in it, whatever the runs before left behind.
      expect(find('members'), context).toEqual({
        totalCount: 2,
        edges: [
          { node: { name: 'Ada', status: 'ACTIVE', departments: [{ name: 'Acme' }] } },
          { node: { name: 'Bo', status: 'ACTIVE', departments: [{ name: 'Sales' }] } },
        ],
      });
    }
  }, 120_000);

  it('the awk line the README offers cuts out exactly that block', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const command = /`` (awk .*?) > tour\.sh ``/.exec(readme)?.[1];
    expect(command, 'README.md offers no awk line ending in > tour.sh').toBeDefined();
    const { stdout } = await promisify(execFile)('bash', ['-c', command!], { cwd: ROOT });
    expect(stdout).toBe(tourScript());
  });

  it('stops at the first step that answers an error, says which, and runs nothing after it', async () => {
    const script = tourScript();
    // A mutation the schema does not have (a validation error, HTTP 400), and one the gateway refuses (data null).
    const misspelt = script.replace('createDepartment(input', 'createDepartmnt(input');
    const refused = script.replace('maxUses: 10', 'maxUses: 0');
    expect(misspelt).not.toBe(script);
    expect(refused).not.toBe(script);

    const early = await runTour(misspelt, port);
    expect(early.code, early.stdout).not.toBe(0);
    expect(early.stderr).toMatch(/GraphQL error: .*createDepartmnt.*GRAPHQL_VALIDATION_FAILED/);
    expect(early.lines).toEqual([]); // not even the query right after it

    const late = await runTour(refused, port);
    expect(late.code, late.stdout).not.toBe(0);
    expect(late.stderr).toMatch(/GraphQL error: .*BAD_USER_INPUT/);
    expect(late.lines.some((line) => 'viewer' in line)).toBe(true);
    expect(late.lines.some((line) => 'acceptInvitation' in line || 'members' in line)).toBe(false);
  }, 120_000);
});
