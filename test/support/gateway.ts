import 'reflect-metadata';
import { afterAll } from 'vitest';
import { inject } from 'vitest';
import { loadConfig, type Config } from '../../src/config';
import { startGateway, type Gateway } from '../../src/server';

/** Starts a real gateway on a free port against the run's test database; stopped after the file's tests. */
export async function startTestGateway(overrides: Partial<Config> = {}): Promise<Gateway> {
  const config = loadConfig(
    { ...process.env, NODE_ENV: 'test', JWT_SECRET: 'test-secret-test-secret-test-secret' },
    { port: 0, host: '127.0.0.1', databaseUrl: inject('databaseUrl'), outboxPollMs: 0, drainDelayMs: 0, ...overrides },
  );
  const gateway = await startGateway(config);
  afterAll(() => gateway.close());
  return gateway;
}
