import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The folder holding package.json: from src/ under vitest and tsx, from dist/src/ when built. */
export function projectRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}
