import { printSchema } from 'graphql';
import { schema } from './schema.js';

/** Where the printed schema is committed; codegen and reviewers read it from there. */
export const SCHEMA_FILE = new URL('../../schema/schema.graphql', import.meta.url);

/** The live schema in SDL, as committed (the schema is built sorted, so the text is stable). */
export function printedSchema(): string {
  return `${printSchema(schema)}\n`;
}
