import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen`: typed documents (TypedDocumentNode) for the operations in
 * schema/operations, against the committed schema/schema.graphql. The output is
 * committed; test/graphql/codegen.unit.spec.ts fails when it is stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['schema/operations/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'test/generated/': {
      preset: 'client',
      presetConfig: {
        // Tests read whole answers; masking fragments would only add unwrapping.
        fragmentMasking: false,
      },
      config: {
        // Over HTTP a DateTime is its ISO string, and JSON is whatever was sent.
        scalars: { DateTime: 'string', JSON: 'unknown' },
        strictScalars: true,
        enumType: 'string-literal',
        useTypeImports: true,
        importExtension: '.js',
      },
    },
  },
};

export default config;
