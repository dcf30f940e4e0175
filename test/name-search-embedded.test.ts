/**
 * Issue 14's search and reading order on the embedded database (PGlite, `npm start` without DATABASE_URL), the same
 * scenario as `name-search.test.ts` on PostgreSQL: the keys are derived in the application, so both answer alike.
 * Runs the built gateway (`npx tsc -p tsconfig.build.json` first), which migrates its own fresh data folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { describeNameSearch } from './support/name-search';
import { spawnGateway, type GatewayProcess } from './support/process';

const dataDir = mkdtempSync(join(tmpdir(), 'orggraph-names-'));
let gateway: Promise<GatewayProcess> | undefined;
afterAll(async () => {
  const running = await gateway;
  running?.child.kill('SIGTERM');
  await running?.exited;
  rmSync(dataDir, { recursive: true, force: true });
});

describeNameSearch('embedded PGlite', async () => {
  gateway ??= spawnGateway({ DATABASE_URL: '', REDIS_URL: '', JWT_SECRET: '', DATA_DIR: dataDir, RATE_LIMITS: 'off', EVENT_SWEEP_MS: '0' });
  return (await gateway).url;
});
