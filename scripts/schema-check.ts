import { readFileSync } from 'node:fs';
import { compareSchemas } from './schema-compat';

/**
 * `npm run schema:check [released] [current]`: fails when schema/schema.graphql breaks clients of the released
 * schema (schema/released.graphql); prints dangerous changes without failing. See docs/operations.md, "Client typing and schema releases".
 */
function main(releasedPath = 'schema/released.graphql', currentPath = 'schema/schema.graphql'): number {
  const { breaking, dangerous } = compareSchemas(readFileSync(releasedPath, 'utf8'), readFileSync(currentPath, 'utf8'));
  for (const change of dangerous) console.log(`dangerous: ${change.type}: ${change.description}`);
  for (const change of breaking) console.error(`BREAKING: ${change.type}: ${change.description}`);
  if (breaking.length > 0) {
    console.error(
      `schema:check: ${currentPath} has ${breaking.length} breaking change(s) against ${releasedPath}. ` +
        'Keep the old fields and arguments (deprecate them instead), or make the break a deliberate release.',
    );
    return 1;
  }
  console.log(`schema:check: no breaking change against ${releasedPath} (${dangerous.length} dangerous)`);
  return 0;
}

process.exitCode = main(process.argv[2], process.argv[3]);
