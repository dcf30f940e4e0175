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
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
