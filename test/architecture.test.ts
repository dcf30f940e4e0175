import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..');

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
  cycle?: Array<{ name: string } | string>;
}

/** dependency-cruiser over src/ with the project's rules (.dependency-cruiser.cjs), type-only imports included. */
function violations(): string[] {
  const output = execFileSync(join(ROOT, 'node_modules/.bin/depcruise'), ['src', '--output-type', 'json'], { cwd: ROOT, maxBuffer: 64 * 1024 * 1024 });
  const result = JSON.parse(output.toString()) as { summary: { violations: Violation[] } };
  return result.summary.violations.map((v) =>
    v.cycle ? `${v.rule.name}: ${[v.from, ...v.cycle.map((step) => (typeof step === 'string' ? step : step.name))].join(' -> ')}` : `${v.rule.name}: ${v.from} -> ${v.to}`,
  );
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

describe('architecture', () => {
  it('src/ has no import cycle, cross-cutting homes import no module, and no layer imports a higher one', () => {
    expect(violations()).toEqual([]);
  }, 120_000);

  it('no code replaces the viewer or the loaders of a context; only the pipeline fills in a deferred viewer', () => {
    const assignments = sourceFiles(join(ROOT, 'src'))
      .filter((file) => !file.endsWith(join('graphql', 'request-context.ts')))
      .flatMap((file) =>
        readFileSync(file, 'utf8')
          .split('\n')
          .flatMap((line, index) => (/\b(ctx|context|contextValue)\.(viewer|loaders|em)\s*=[^=]/.test(line) ? [`${relative(ROOT, file)}:${index + 1}`] : [])),
      );
    expect(assignments).toEqual([]);
  });

  it('modules contribute through their index.ts exports: nothing registers itself in a module-level list on import', () => {
    const registrations = sourceFiles(join(ROOT, 'src')).flatMap((file) =>
      /^(registerNodeType|onMemberRemoval|onMemberActivated|onDeliveryFailure|onEventsRecorded|onContactsHandedOver|registerApiClientType|setImportOwnerLookup)\(/m.test(
        readFileSync(file, 'utf8'),
      )
        ? [relative(ROOT, file)]
        : [],
    );
    expect(registrations).toEqual([]);
  });

  it('services take what they use: only GraphQL resolvers, field middleware and HTTP handlers of a module see the GraphQL context', () => {
    const adapters = /@Resolver\(|MiddlewareFn<GraphQLContext>/;
    const seeingTheContext = sourceFiles(join(ROOT, 'src', 'modules'))
      .filter((file) => !file.endsWith('.http.ts'))
      .filter((file) => {
        const source = readFileSync(file, 'utf8');
        return /\bGraphQLContext\b/.test(source) && !adapters.test(source);
      })
      .map((file) => relative(ROOT, file));
    expect(seeingTheContext).toEqual([]);
  });
});
