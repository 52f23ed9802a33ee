import { createRequire } from 'node:module';
import { configDefaults, defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

// Two projects: `unit` runs the pure policies (retry decision, patch and value checks, error parsers, config) with no
// servers; `e2e` runs everything else, over real sockets. `vitest run` runs both; `--project unit` one of them.
const UNIT = 'test/unit/**/*.test.ts';

export default defineConfig({
  resolve: {
    // graphql ships CJS and ESM builds; Node loads the CJS one for graphql-yoga, so the tests must
    // load the same one, or `instanceof GraphQLError` fails across the two copies.
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    // .ci/run asks for a JSON report to print a one-line summary; everyone else gets the default.
    ...(process.env.VITEST_JSON_REPORT ? { reporters: ['default', 'json'], outputFile: { json: process.env.VITEST_JSON_REPORT } } : {}),
    // `extends: true`: each project inherits the options above (alias, timeouts, pool).
    projects: [
      // Pure functions, no state to leak between files: they share one module graph per worker (isolate: false)
      // instead of importing the schema modules again for each file, which was most of the unit run's time.
      { extends: true, test: { name: 'unit', include: [UNIT], testTimeout: 5_000, isolate: false } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, UNIT],
          setupFiles: ['test/setup/quiet-log.ts'],
        },
      },
    ],
  },
});
