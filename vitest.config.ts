import solid from 'vite-plugin-solid';
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: [
            'packages/**/src/**/*.test.ts',
            'functions/**/src/**/*.test.ts',
            'web/server/**/*.test.ts',
            'tests/deploy/**/*.test.ts',
            'tests/hostile/**/*.test.ts',
            'tests/security/**/*.test.ts',
            'tests/edge/**/*.test.ts',
            'tests/docs/**/*.test.ts',
            // The benches' pure arithmetic (never a bench run itself).
            'bench/**/*.test.ts',
          ],
          // Security and edge checks that need the whole stack run in the system project.
          exclude: [
            ...configDefaults.exclude,
            'tests/security/**/*.stack.test.ts',
            'tests/edge/**/*.stack.test.ts',
          ],
          globalSetup: ['tests/setup/firestore.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        plugins: [solid()],
        resolve: { conditions: ['development', 'browser'] },
        test: {
          name: 'web',
          environment: 'jsdom',
          include: ['web/src/**/*.test.{ts,tsx}'],
          setupFiles: ['web/src/test/setup.ts'],
          testTimeout: 15_000,
          // Solid libraries ship JSX source (the `solid` export condition): compile, don't externalise.
          server: { deps: { inline: [/@solidjs\/router/, /@solidjs\/testing-library/, /solid-js/] } },
        },
      },
      {
        test: {
          name: 'system',
          environment: 'node',
          include: [
            'tests/system/**/*.test.ts',
            'tests/e2e/**/*.test.ts',
            'tests/security/**/*.stack.test.ts',
            'tests/edge/**/*.stack.test.ts',
          ],
          globalSetup: ['tests/setup/firestore.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
      {
        // `npm run test:chaos` (and .ci/run after `npm test`): fault injection through the whole stack.
        test: {
          name: 'chaos',
          environment: 'node',
          include: ['tests/chaos/**/*.test.ts'],
          globalSetup: ['tests/setup/firestore.ts'],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
