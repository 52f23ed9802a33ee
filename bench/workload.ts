/**
 * What the benchmark sends: each REST request to the stub upstream, and the GraphQL request that makes
 * the same change through the gateway. Shared by the stub, the orchestrator and the load generator.
 */

export const IDENTITYNOW_ROOT = '/beta';
export const AUTHENTIK_ROOT = '/api/v3';
export const CLIENT_ID = '2c9180835d2e5168015d32f890ca1581';
export const SOURCE_SLUG = 'github';
export const UPSTREAM_TOKEN = 'bench-upstream-token';
/** The caller's API key: the production gateway refuses to lend its upstream credentials to anonymous callers. */
export const GATEWAY_API_KEY = 'bench-caller-key-0123456789abcdef';

/**
 * The gateway's limits (src/config.ts) that the work-scaling scenarios would hit, raised for the bench
 * through its environment: each is named here with its production default and the scenario that
 * needs more. A scenario still refused by a limit is reported as skipped, with the refusal, not measured.
 */
export const RAISED_LIMITS: Readonly<Record<string, string>> = {
  // 100: the patch of 1,000 ops.
  GATEWAY_MAX_PATCH_OPS: '1000',
  // 15: 50 aliased mutations.
  GATEWAY_MAX_ALIASES: '100',
  // 10: 50 aliased mutations, _entities with 100 representations (one upstream call each).
  GATEWAY_MAX_UPSTREAM_CALLS: '200',
  // 1,000: the document of 50 aliased mutations.
  GATEWAY_MAX_TOKENS: '100000',
};

/** One HTTP request, sent over and over by the load generator. */
export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  headers: Record<string, string>;
  body: string;
  /** The answer is GraphQL: a body with "errors" counts as an error response even with status 200. */
  graphql: boolean;
}

export type Vendor = 'identitynow' | 'authentik';

function patchOps(count: number): Array<{ op: 'replace'; path: string; value: string }> {
  return Array.from({ length: count }, (_, i) => ({ op: 'replace', path: '/description', value: `bench change ${i}` }));
}

/** The REST PATCH a client would send to the vendor itself. */
export function directPatch(vendor: Vendor, opCount = 1): HttpRequest {
  if (vendor === 'identitynow') {
    return {
      method: 'PATCH',
      path: `${IDENTITYNOW_ROOT}/oauth-clients/${CLIENT_ID}`,
      headers: { authorization: `Bearer ${UPSTREAM_TOKEN}`, 'content-type': 'application/json-patch+json', accept: 'application/json' },
      body: JSON.stringify(patchOps(opCount)),
      graphql: false,
    };
  }
  return {
    method: 'PATCH',
    path: `${AUTHENTIK_ROOT}/sources/oauth/${SOURCE_SLUG}/`,
    headers: { authorization: `Bearer ${UPSTREAM_TOKEN}`, 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ enabled: false }),
    graphql: false,
  };
}

function graphql(query: string, variables?: Record<string, unknown>): HttpRequest {
  return {
    method: 'POST',
    path: '/graphql',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      'x-api-key': GATEWAY_API_KEY,
    },
    body: JSON.stringify(variables ? { query, variables } : { query }),
    graphql: true,
  };
}

const CLIENT_SELECTION = '{ id name description enabled redirectUris grantTypes modified }';
const SOURCE_SELECTION = '{ id slug name enabled userMatchingMode providerType }';

/** The same change as directPatch, through the gateway's mutation, as a client with variables sends it. */
export function gatewayPatch(vendor: Vendor, opCount = 1): HttpRequest {
  if (vendor === 'identitynow') {
    return graphql(`mutation Patch($id: ID!, $ops: [JsonPatchOperation!]!) { patchOAuthClient(id: $id, ops: $ops) ${CLIENT_SELECTION} }`, {
      id: CLIENT_ID,
      ops: patchOps(opCount).map((op) => ({ ...op, op: 'REPLACE' })),
    });
  }
  return graphql(
    `mutation Update($slug: String!, $input: UpdateOAuthSourceInput!) { updateOAuthSource(slug: $slug, input: $input) ${SOURCE_SELECTION} }`,
    { slug: SOURCE_SLUG, input: { enabled: false } },
  );
}

/** One request with `count` aliased IdentityNow patches, each one upstream call (mutations run in order). */
export function aliasedPatches(count: number): HttpRequest {
  const fields = Array.from(
    { length: count },
    (_, i) =>
      `m${i}: patchOAuthClient(id: $id, ops: [{ op: REPLACE, path: "/description", value: "bench change ${i}" }]) ${CLIENT_SELECTION}`,
  );
  return graphql(`mutation Aliased($id: ID!) { ${fields.join(' ')} }`, { id: CLIENT_ID });
}

/** Federation's entity lookup, `count` different IdentityNow clients in one request (one GET each). */
export function entities(count: number): HttpRequest {
  const representations = Array.from({ length: count }, (_, i) => ({
    __typename: 'IdentityNowOAuthClient',
    id: `${CLIENT_ID.slice(0, -4)}${i.toString(16).padStart(4, '0')}`,
  }));
  return graphql(
    `query Entities($representations: [_Any!]!) { _entities(representations: $representations) { ... on IdentityNowOAuthClient ${CLIENT_SELECTION} } }`,
    { representations },
  );
}

/** The IdentityNow clients the mixed scenario reads over and over; the stub lists them as GET /oauth-clients. */
export const HOT_CLIENT_IDS: readonly string[] = [0, 1, 2, 3].map((i) => `${CLIENT_ID.slice(0, -1)}${i}`);
/** The stub upstream's count of the requests it answered (bench/stub-upstream.ts). */
export const STUB_COUNT_PATH = '/__stub/requests';

/**
 * The mixed, read-heavy workload, sent in this order by each connection: every hot client read by id,
 * the list of clients, the hot clients again, then one patch of a hot client (a write in ten requests).
 */
export function mixedRequests(): HttpRequest[] {
  const read = (id: string) => graphql(`query Client($id: ID!) { oauthClient(id: $id) ${CLIENT_SELECTION} }`, { id });
  const list = graphql(`query Clients { oauthClients ${CLIENT_SELECTION} }`);
  const write = graphql(
    `mutation Patch($id: ID!, $ops: [JsonPatchOperation!]!) { patchOAuthClient(id: $id, ops: $ops) ${CLIENT_SELECTION} }`,
    { id: HOT_CLIENT_IDS[0], ops: [{ op: 'REPLACE', path: '/description', value: 'bench change' }] },
  );
  return [...HOT_CLIENT_IDS.map(read), list, ...HOT_CLIENT_IDS.map(read), write];
}

/** Answers "Cannot query field" when the schema has no federation entry point; introspection stays off. */
export const ENTITIES_PROBE = graphql('{ _entities(representations: []) { __typename } }');
