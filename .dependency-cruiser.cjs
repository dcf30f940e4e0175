/**
 * The import rules of `src/` (test/architecture.test.ts checks them): no cycles, type-only imports included; the
 * cross-cutting homes know no feature; lower layers never import higher ones. From the bottom up:
 * i18n (catalogues and locale rules), base files (errors, config, redis, contributions) and observability, db, auth, limits, realtime (event
 * distribution), app.ts (the process's services), graphql (operations, both transports), the feature modules,
 * and at the top src/modules.ts (the one list of modules), server.ts and main.ts. `graphql/relay.ts` (global ids,
 * the Node interface) is a vocabulary every layer may use.
 */
const RELAY = '^src/graphql/relay[.]ts$';
const TOP = '^src/(modules|server|main)[.]ts$';
const FEATURES = '^src/modules/';

module.exports = {
  forbidden: [
    { name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } },
    {
      name: 'cross-cutting-knows-no-feature',
      comment: 'auth, db, graphql, realtime, limits, observability, jobs, web and the base files import no module',
      severity: 'error',
      from: { path: '^src/', pathNot: [FEATURES, TOP] },
      to: { path: [FEATURES, TOP] },
    },
    { name: 'modules-below-the-top', severity: 'error', from: { path: FEATURES }, to: { path: TOP } },
    {
      name: 'auth-below-graphql-realtime-limits-app',
      severity: 'error',
      from: { path: '^src/auth/' },
      to: { path: ['^src/(graphql|realtime|limits|observability)/', '^src/app[.]ts$'], pathNot: RELAY },
    },
    {
      name: 'db-below-graphql-realtime-limits-app',
      severity: 'error',
      from: { path: '^src/db/' },
      to: { path: ['^src/(graphql|realtime|limits)/', '^src/app[.]ts$'], pathNot: RELAY },
    },
    {
      name: 'limits-below-graphql-realtime-app',
      severity: 'error',
      from: { path: '^src/limits/' },
      to: { path: ['^src/(graphql|realtime)/', '^src/app[.]ts$'], pathNot: RELAY },
    },
    {
      name: 'realtime-below-graphql-app',
      comment: 'realtime/ distributes events; executing GraphQL over sockets is graphql/',
      severity: 'error',
      from: { path: '^src/realtime/' },
      to: { path: ['^src/graphql/', '^src/app[.]ts$'], pathNot: RELAY },
    },
    { name: 'app-below-graphql', severity: 'error', from: { path: '^src/app[.]ts$' }, to: { path: '^src/graphql/', pathNot: RELAY } },
    {
      name: 'base-files-at-the-bottom',
      severity: 'error',
      from: { path: '^src/(errors|config|redis|contributions)[.]ts$' },
      to: { path: '^src/', pathNot: ['^src/(errors|config|redis|contributions)[.]ts$', '^src/i18n/'] },
    },
    {
      name: 'i18n-at-the-bottom',
      comment: 'the message catalogues and locale rules: below everything, even errors.ts',
      severity: 'error',
      from: { path: '^src/i18n/' },
      to: { path: '^src/', pathNot: '^src/i18n/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '^src/db/migrations/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
