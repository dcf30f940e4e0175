import { execFile } from 'node:child_process';
import { appendFile, cp, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');
/** What the build reads, and dist/ with its stamps; copied with their times, so the copy is as current as this tree. */
const COPIED = ['src', 'scripts', 'client', 'locales', 'web', 'schema', 'test/operations', 'test/generated', 'codegen.yml', 'tsconfig.json', 'tsconfig.build.json', 'package.json', 'package-lock.json', 'dist'];

/** Runs scripts/build-changed.js in `dir`; the steps it ran, from its summary line. */
async function build(dir: string): Promise<string[]> {
  const { stderr } = await promisify(execFile)(process.execPath, [join(dir, 'scripts', 'build-changed.js')], { cwd: dir, maxBuffer: 16 * 1024 * 1024 });
  const summary = stderr.split('\n').find((line) => line.startsWith('build: '));
  if (!summary) throw new Error(`no summary in: ${stderr}`);
  if (summary.startsWith('build: everything current')) return [];
  return [...summary.matchAll(/(?:ran |, )([a-z ]+?) \d+\.\d s/g)].map((match) => match[1]!);
}

// In a copy of the tree (sharing node_modules), never in this one: other test files run the built gateway meanwhile.
describe('npm start builds only what changed', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'orggraph-build-'));
    await Promise.all(COPIED.map((path) => cp(join(ROOT, path), join(dir, path), { recursive: true, preserveTimestamps: true, force: true }).catch(() => undefined)));
    await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    await build(dir); // whatever this tree had not built yet: the copy starts current
  }, 600_000);
  afterAll(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('runs nothing when nothing changed', async () => {
    const started = Date.now();
    expect(await build(dir)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('rebundles the pages alone for a stylesheet, and types the client again after new operations', async () => {
    await appendFile(join(dir, 'client/src/invite/invite.css'), '\n.marker-of-the-build-test { color: red; }\n');
    expect(await build(dir)).toEqual(['pages']);
    expect(await readFile(join(dir, 'dist/web/invite/invite.css'), 'utf8')).toContain('.marker-of-the-build-test');

    await appendFile(join(dir, 'client/src/operations/invite.graphql'), '\nquery BuildTestProbe { __typename }\n');
    expect(await build(dir)).toEqual(['codegen', 'client types', 'pages']);
    expect(await readFile(join(dir, 'client/src/generated/graphql.ts'), 'utf8')).toContain('BuildTestProbeDocument');
    expect(await build(dir)).toEqual([]);
  }, 120_000);
});
