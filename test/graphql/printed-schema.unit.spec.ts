import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printedSchema, SCHEMA_FILE } from '../../src/graphql/printed-schema.js';

describe('schema/schema.graphql', () => {
  it('is the live schema as printed (run `npm run schema:print` after changing the GraphQL types)', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    expect(committed, 'schema/schema.graphql is stale: run `npm run schema:print` and commit it').toBe(printedSchema());
  });
});
