import { readFileSync } from 'node:fs';
import type { CodegenConfig } from '@graphql-codegen/cli';
import { printSchema } from 'graphql';
import { printPublicSdl, printSubgraphSdl, schema } from './src/schema.js';
import { composeSupergraph } from './test/helpers/supergraph.js';

// The schema is code-first (Pothos): codegen reads it from the code, never from a hand-edited file.
// test/schema-artifacts.test.ts runs this same config and fails when a committed output differs.
const publicSdl = printPublicSdl();
const subgraphSdl = printSubgraphSdl();

// The supergraph the federation tests run: this subgraph composed with the teams test subgraph.
// The URLs only name the subgraphs here; the tests compose again with the listening ones.
const supergraphSdl = composeSupergraph([
  { name: 'oauth', url: 'http://oauth.invalid/graphql', sdl: subgraphSdl },
  { name: 'teams', url: 'http://teams.invalid/graphql', sdl: readFileSync('test/fixtures/teams-subgraph.graphql', 'utf8') },
]);

const typedDocuments = {
  plugins: ['typescript', 'typescript-operations', 'typed-document-node'],
  config: {
    onlyOperationTypes: true,
    enumsAsTypes: true,
    useTypeImports: true,
    defaultScalarType: 'unknown',
    scalars: { ID: 'string', DateTime: 'string', JSON: 'unknown', _Any: 'Record<string, unknown>' },
  },
};

const config: CodegenConfig = {
  generates: {
    'schema/schema.graphql': { schema: publicSdl, plugins: ['schema-ast'], config: { sort: true } },
    'schema/subgraph.graphql': { schema: publicSdl, plugins: [{ add: { content: `${subgraphSdl}\n`, placement: 'content' } }] },
    'test/operations/subgraph.generated.ts': {
      // The served schema: the public API plus _service and _entities.
      schema: printSchema(schema),
      documents: 'test/operations/subgraph/*.graphql',
      ...typedDocuments,
    },
    'test/operations/supergraph.generated.ts': {
      schema: supergraphSdl,
      documents: 'test/operations/supergraph/*.graphql',
      ...typedDocuments,
    },
  },
};

export default config;
