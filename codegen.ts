import type { CodegenConfig } from '@graphql-codegen/cli';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { schema } from './src/schema.js';

// The schema is code-first (Pothos): codegen reads it from the code, never from a hand-edited file.
const sdl = printSchema(lexicographicSortSchema(schema));

const config: CodegenConfig = {
  schema: sdl,
  generates: {
    'schema/schema.graphql': { plugins: ['schema-ast'], config: { sort: true } },
  },
};

export default config;
