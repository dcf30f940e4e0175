import { createRequire } from 'node:module';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const requireCjs = createRequire(__filename);

export default defineConfig({
  // SWC instead of esbuild: type-graphql and MikroORM read decorator metadata, which esbuild does not emit.
  plugins: [swc.vite({ module: { type: 'es6' } })],
  resolve: {
    // type-graphql loads graphql's CJS build; make ESM test code load the same copy.
    alias: { graphql: requireCjs.resolve('graphql') },
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Passwords at scrypt 2^14 (16 MiB, ~50 ms) instead of production's 2^17 (128 MiB): nearly every test signs up and
    // in. Gateways started in-process and spawned ones read it from the environment alike.
    env: { PASSWORD_SCRYPT_LOG2N: '14' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
