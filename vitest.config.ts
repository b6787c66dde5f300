import { defineConfig } from 'vitest/config';

// Test tiers are split by file suffix; `npm test` runs them all.
export default defineConfig({
  // Vite would pick graphql's ESM build while the libraries Node loads (Pothos, codegen) get its CommonJS build:
  // two copies of graphql, which refuse each other's types. One copy for everyone.
  resolve: { alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }] },
  test: {
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.unit.spec.ts'] } },
      { extends: true, test: { name: 'int', include: ['test/**/*.int.spec.ts'], testTimeout: 60_000, hookTimeout: 60_000 } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/**/*.e2e.spec.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
