import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compareSchemas } from '../scripts/schema-compat';

const ROOT = join(__dirname, '..');
const run = promisify(execFile);

const currentSchema = () => readFile(join(ROOT, 'schema', 'schema.graphql'), 'utf8');

/** Removes a one-line field definition, with its description (one line or a block), from a type of the SDL. */
function withoutField(sdl: string, typeName: string, fieldName: string): string {
  const start = sdl.indexOf(`\ntype ${typeName} `);
  const end = sdl.indexOf('\n}', start);
  const body = sdl.slice(start, end).replace(new RegExp(`(?:\\n  """(?:(?!""")[\\s\\S])*""")?\\n  ${fieldName}: [^\\n]*`), '');
  if (body === sdl.slice(start, end)) throw new Error(`${typeName}.${fieldName} not found`);
  return sdl.slice(0, start) + body + sdl.slice(end);
}

describe('breaking-change check (npm run schema:check)', () => {
  it('passes the checked-in schema against the released one', async () => {
    const released = await readFile(join(ROOT, 'schema', 'released.graphql'), 'utf8');
    expect(compareSchemas(released, await currentSchema()).breaking).toEqual([]);
  });

  it('reports removed fields and new required inputs as breaking, new enum values as dangerous', async () => {
    const released = await currentSchema();
    const changed = withoutField(released, 'Invitation', 'url')
      .replace('input LogInInput {\n', 'input LogInInput {\n  captcha: String!\n')
      .replace('enum InvitationChannel {\n', 'enum InvitationChannel {\n  WECHAT\n');
    const { breaking, dangerous } = compareSchemas(released, changed);
    expect(breaking.map((change) => `${change.type}: ${change.description}`).sort()).toEqual([
      'FIELD_REMOVED: Invitation.url was removed.',
      'REQUIRED_INPUT_FIELD_ADDED: A required field captcha on input type LogInInput was added.',
    ]);
    expect(dangerous.map((change) => change.type)).toEqual(['VALUE_ADDED_TO_ENUM']);
  });
});

describe('client typing (codegen of client/src/operations)', () => {
  const folders: string[] = [];
  afterAll(() => Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true }))));

  /** Runs the codegen CLI on the dashboard's operations against `schema`; answers its exit code and output. */
  async function codegenAgainst(schema: string): Promise<{ code: number; output: string }> {
    const folder = await mkdtemp(join(tmpdir(), 'orggraph-codegen-'));
    folders.push(folder);
    await writeFile(join(folder, 'schema.graphql'), schema);
    await writeFile(
      join(folder, 'codegen.yml'),
      [
        `schema: ${JSON.stringify(join(folder, 'schema.graphql'))}`,
        'generates:',
        `  ${JSON.stringify(join(folder, 'graphql.ts'))}:`,
        `    documents: ${JSON.stringify(join(ROOT, 'client', 'src', 'operations', '*.graphql'))}`,
        '    plugins: [typescript-operations, typed-document-node]',
        '',
      ].join('\n'),
    );
    try {
      const { stdout, stderr } = await run(join(ROOT, 'node_modules', '.bin', 'graphql-codegen'), ['--config', join(folder, 'codegen.yml')], {
        cwd: ROOT,
        env: { ...process.env, NODE_ENV: 'development' }, // under NODE_ENV=test codegen prints nothing
      });
      return { code: 0, output: stdout + stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, output: failed.stdout + failed.stderr };
    }
  }

  it('fails when the schema drops a field the dashboard selects', async () => {
    const schema = await currentSchema();
    const [intact, broken] = await Promise.all([codegenAgainst(schema), codegenAgainst(withoutField(schema, 'Invitation', 'useCount'))]);
    expect(intact.code, intact.output).toBe(0);
    expect(broken.code).not.toBe(0);
    expect(broken.output).toMatch(/Cannot query field "useCount" on type "Invitation"/);
  }, 60_000);
});
