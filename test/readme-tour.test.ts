import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { uniquePhone } from './support/factories';
import { spawnGateway } from './support/process';

const ROOT = join(__dirname, '..');

/** The shell block of the README's tour, as a newcomer would paste it. */
function tourScript(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const tour = readme.slice(readme.indexOf('## A five-minute tour'));
  const block = /```sh\n([\s\S]*?)```/.exec(tour);
  if (!block) throw new Error('README has no tour block');
  return block[1]!;
}

describe('README tour', () => {
  it('runs as written against a gateway: the subscriber prints the ACCEPTED event of the member who joined', async () => {
    const gateway = await spawnGateway();
    const origin = new URL(gateway.url).host;
    // Only what makes the run unique changes: the address, the org code and the two phone numbers.
    const script = tourScript()
      .replaceAll('localhost:4000', origin)
      .replace('code: "acme"', `code: "tour-${Date.now()}"`)
      .replace('+8613800138001', uniquePhone())
      .replace('+8613800138002', uniquePhone());
    const { stdout } = await promisify(execFile)('bash', ['-euo', 'pipefail', '-c', script], { cwd: ROOT, timeout: 30_000 });
    const lines = stdout.trim().split('\n').map((line) => JSON.parse(line) as Record<string, any>);
    // The subscriber prints from its own process: its line may come before or after the accepting answer.
    const answers = lines.filter((line) => 'data' in line);
    const event = lines.find((line) => 'invitationEvents' in line);

    expect(answers[0]!.data.createDepartment, stdout).toMatchObject({ name: 'Sales', depth: 1 });
    expect(answers[1]!.data.viewer.org.rootDepartment.children).toEqual([{ name: 'Sales' }]);
    expect(answers[1]!.data.members.totalCount).toBe(1);
    expect(answers[2]!.data.acceptInvitation.member, stdout).toEqual({ name: 'Bo', status: 'ACTIVE' });
    expect(event?.invitationEvents, stdout).toMatchObject({ type: 'ACCEPTED', member: { name: 'Bo' } });
  });
});
