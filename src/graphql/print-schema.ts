import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname } from 'node:path';
import { printedSchema, SCHEMA_FILE } from './printed-schema.js';

// `npm run schema:print`: writes schema/schema.graphql from the Pothos schema.
const path = fileURLToPath(SCHEMA_FILE);
mkdirSync(dirname(path), { recursive: true });
writeFileSync(path, printedSchema());
console.log(`wrote ${path}`);
