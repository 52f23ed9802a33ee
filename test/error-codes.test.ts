import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { IDN_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { startStub, type Stub } from './helpers/stub.js';

// Whatever refuses a request (the gateway's checks, graphql-js, graphql-yoga), every error carries
// one of the contract's codes; and a gateway with introspection off does not spell out the schema
// through graphql-js's "Did you mean …?" suggestions.
configureLog({ sink: () => {} });

const CODES = new Set([
  'BAD_REQUEST',
  'BAD_USER_INPUT',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'REQUEST_ENTITY_TOO_LARGE',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INTERNAL_SERVER_ERROR',
]);

/** Requests refused before (or without) any upstream call, each with the code it must carry. */
const REFUSED: Array<[string, Record<string, unknown>, string]> = [
  ['a subscription', { query: 'subscription { oauthClients { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
  [
    'a named subscription beside a query',
    { query: 'subscription S { x } query Q { __typename }', operationName: 'Q' },
    'GRAPHQL_VALIDATION_FAILED',
  ],
  ['an operation name the document lacks', { query: '{ __typename }', operationName: 'Nope' }, 'OPERATION_RESOLUTION_FAILURE'],
  ['two operations and no name', { query: 'query A { __typename } query B { __typename }' }, 'OPERATION_RESOLUTION_FAILURE'],
  ['no query', {}, 'BAD_REQUEST'],
  ['a query that is not a string', { query: 5 }, 'BAD_REQUEST'],
  ['variables that are not an object', { query: '{ __typename }', variables: 'x' }, 'BAD_REQUEST'],
  ['a syntax error', { query: '{ oauthClients { id } } extra' }, 'GRAPHQL_PARSE_FAILED'],
  ['an unknown field', { query: '{ oauthClients { idd } }' }, 'GRAPHQL_VALIDATION_FAILED'],
  ['an unknown root field', { query: '{ oauthClientz { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
  ['an unknown argument', { query: '{ oauthClients(filterz: "x") { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
  [
    'an unknown enum value in a literal',
    { query: `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: ADDD, path: "/name" }]) { id } }` },
    'GRAPHQL_VALIDATION_FAILED',
  ],
  [
    'an unknown enum value in a variable',
    {
      query: `mutation($ops: [JsonPatchOperation!]!) { patchOAuthClient(id: "${IDN_ID}", ops: $ops) { id } }`,
      variables: { ops: [{ op: 'ADDD', path: '/name' }] },
    },
    'BAD_USER_INPUT',
  ],
  ['an unknown type', { query: 'query($x: Strin) { oauthClients(filters: $x) { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
  ['an unknown directive', { query: '{ oauthClients @nope { id } }' }, 'GRAPHQL_VALIDATION_FAILED'],
  ['a missing required variable', { query: 'query($id: ID!) { oauthClient(id: $id) { id } }' }, 'BAD_USER_INPUT'],
];

let stub: Stub;

beforeAll(async () => {
  stub = await startStub();
});

afterAll(async () => {
  await stub.close();
});

async function post(gateway: RunningGateway, body: unknown) {
  const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as {
    errors?: Array<{ message: string; extensions?: { code?: string; fieldErrors?: Array<{ messages: string[] }> } }>;
  };
}

describe.each([
  ['production', { NODE_ENV: 'production' }],
  ['development', {}],
])('%s', (mode, env) => {
  let gateway: RunningGateway;

  beforeAll(async () => {
    gateway = await startGateway({ IDENTITYNOW_URL: `${stub.origin}/beta`, IDENTITYNOW_TOKEN: 'idn-token-0c4f1e', ...env });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it.each(REFUSED)('%s: every error has the code, and nothing is sent upstream', async (_name, body, code) => {
    stub.requests.length = 0;
    const res = await post(gateway, body);
    expect(res.errors?.length).toBeGreaterThan(0);
    for (const error of res.errors!) expect(CODES.has(error.extensions?.code ?? 'none'), JSON.stringify(error)).toBe(true);
    expect(res.errors![0]!.extensions!.code).toBe(code);
    expect(stub.requests).toHaveLength(0);
    const text = JSON.stringify(res);
    if (mode === 'production') expect(text).not.toContain('Did you mean');
  });

  it(`${mode === 'production' ? 'no' : 'keeps'} suggestions in messages and field errors`, async () => {
    const res = await post(gateway, REFUSED.find(([name]) => name === 'an unknown enum value in a variable')![1]);
    const error = res.errors![0]!;
    if (mode === 'production') {
      expect(error.message).toBe('Invalid input: ops[0].op: Value "ADDD" does not exist in "JsonPatchOp" enum.');
      expect(error.extensions!.fieldErrors![0]!.messages).toEqual(['Value "ADDD" does not exist in "JsonPatchOp" enum.']);
    } else {
      expect(error.message).toContain('Did you mean the enum value "ADD"?');
    }
    const field = await post(gateway, { query: '{ oauthClientz { id } }' });
    expect(field.errors![0]!.message).toBe(
      mode === 'production'
        ? 'Cannot query field "oauthClientz" on type "Query".'
        : 'Cannot query field "oauthClientz" on type "Query". Did you mean "oauthClient", "oauthClients", or "oauthClientsPage"?',
    );
  });
});
