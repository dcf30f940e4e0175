import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { inject } from 'vitest';
import type { Logger } from 'pino';
import { DEFAULT_RATE_LIMITS, LOCAL_REDIS_URL, loadConfig, type Config } from '../../src/config';
import { scryptParams, type ScryptParams } from '../../src/auth/password';
import { startGateway, type Gateway, type GatewayOptions } from '../../src/server';

/** The Redis of the test run: tests use the real services, never the embedded ones (unset URLs would mean embedded). */
export const TEST_REDIS_URL = process.env.REDIS_URL || LOCAL_REDIS_URL;

/** The scrypt parameters of the run's gateways (`PASSWORD_SCRYPT_LOG2N` in `vitest.config.ts`), for hashes written with SQL. */
export const TEST_SCRYPT_PARAMS: ScryptParams = scryptParams(loadConfig({ ...process.env, NODE_ENV: 'test' }).passwordScryptLog2N);

/**
 * Starts a real gateway on a free port against the run's test database; stopped after the file's tests.
 * Its rate-limit counters are its own (a fresh Redis prefix), as every test runs from 127.0.0.1. `logger`: to read
 * what the gateway logs (default: pino at the config's level).
 */
export async function startTestGateway(overrides: Partial<Config> = {}, logger?: Logger): Promise<Gateway> {
  const gateway = await startOwnGateway(overrides, logger);
  afterAll(() => gateway.close());
  return gateway;
}

/** Like `startTestGateway`, but the caller stops it (a test that starts gateways with settings of its own). */
export function startOwnGateway(overrides: Partial<Config> = {}, logger?: Logger, options?: GatewayOptions): Promise<Gateway> {
  const config = loadConfig(
    { ...process.env, NODE_ENV: 'test', JWT_SECRET: 'test-secret-test-secret-test-secret' },
    {
      port: 0,
      host: '127.0.0.1',
      databaseUrl: inject('databaseUrl'),
      redisUrl: TEST_REDIS_URL,
      outboxPollMs: 0,
      drainDelayMs: 0,
      rateLimits: { ...DEFAULT_RATE_LIMITS, prefix: `orggraph-test:${randomUUID()}` },
      ...overrides,
    },
  );
  return startGateway(config, logger, options);
}
