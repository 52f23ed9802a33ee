import { printSubgraphSchema } from '@apollo/subgraph';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import './json-patch.js';
// Each vendor's definition imports its schema modules.
import './services/index.js';
// Implements the types every vendor's writes share, once the vendors are known.
import './changes/schema.js';
import './audit/schema.js';
// The inventory across vendors: the OAuthApplication interface their types implement, and oauthApplications.
import './inventory/schema.js';

/** The Apollo Federation version the subgraph SDL links to. */
export const FEDERATION_URL = 'https://specs.apollo.dev/federation/v2.6';

/**
 * What /graphql serves: the public API plus `_service` and `_entities`, so the gateway is also an
 * Apollo Federation v2 subgraph.
 */
export const schema = builder.toSubGraphSchema({ linkUrl: FEDERATION_URL });

/** The public API in a stable order (schema/schema.graphql): what clients of the gateway rely on. */
export function printPublicSdl(): string {
  return printSchema(lexicographicSortSchema(builder.toSchema()));
}

/** The subgraph SDL (schema/subgraph.graphql), as `_service { sdl }` answers it: what composition reads. */
export function printSubgraphSdl(): string {
  return printSubgraphSchema(schema);
}
