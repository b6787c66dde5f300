import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import config from '../../codegen.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
// The CommonJS build, which the `graphql-codegen` command runs: the ESM build of codegen 6 orders and
// prefixes its output slightly differently, so only the same build gives the same bytes.
const { generate } = createRequire(import.meta.url)('@graphql-codegen/cli') as typeof import('@graphql-codegen/cli');
const STALE = 'test/generated is stale: run `npm run codegen` and commit it';

describe('test/generated (typed documents from schema/operations)', () => {
  it('is what codegen makes of the committed schema and operations now', async () => {
    // Generated in memory (saveToFile false), so the check writes nothing.
    const outputs: { filename: string; content: string }[] = await generate({ ...config, cwd: ROOT, silent: true }, false);
    const generated = new Map(outputs.map((file) => [relative(ROOT, join(ROOT, file.filename)), file.content]));
    const committed = new Map(
      readdirSync(join(ROOT, 'test/generated')).map((name) => {
        const path = `test/generated/${name}`;
        return [path, readFileSync(join(ROOT, path), 'utf8')];
      }),
    );
    expect([...committed.keys()].sort(), STALE).toEqual([...generated.keys()].sort());
    for (const [path, content] of generated) expect(committed.get(path), `${path}: ${STALE}`).toBe(content);
  }, 30_000);
});
