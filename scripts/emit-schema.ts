import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { printSchema, lexicographicSortSchema } from 'graphql';
import { buildAppSchema } from '../src/graphql/schema';
import { resolvers } from '../src/modules';

/** The SDL checked in at schema/schema.graphql; a test fails when it differs from the code. */
export async function renderSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildAppSchema(resolvers)))}\n`;
}

if (require.main === module) {
  renderSchema().then((sdl) => {
    const target = join(__dirname, '..', '..', 'schema', 'schema.graphql');
    writeFileSync(target, sdl);
    console.log(`wrote ${target}`);
  });
}
