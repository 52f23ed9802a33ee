import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// What a document's literals hold reaches the upstream as graphql-js reads it: variables nested in
// a JSON literal are their values, and no text in a literal is anything but data. (A compiled
// executor measured for the bench, graphql-jit, dropped the first and ran the second as code.)
let stub: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  stub = await startStub((req, res) => json(res, 200, identityNowClient({ id: IDN_ID })));
  gateway = await startGateway({ IDENTITYNOW_URL: `${stub.origin}/beta` });
});

afterAll(async () => {
  await gateway.close();
  await stub.close();
});

beforeEach(() => {
  stub.requests.length = 0;
});

it('variables nested in a JSON literal are sent as their values, however deep', async () => {
  const query = `mutation ($uri: JSON!, $second: JSON) {
    patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/redirectUris", value: [$uri, "https://fixed.example.com/cb", $second] }]) { id }
  }`;
  const variables = { uri: 'https://a.example.com/cb', second: 'https://b.example.com/cb' };
  for (let i = 0; i < 3; i++) {
    // The same document again: what a cache of compiled documents would serve.
    const answer = await gateway.gql(query, variables);
    expect(answer.errors).toBeUndefined();
  }
  const patches = stub.requests.filter((r) => r.method === 'PATCH');
  expect(patches).toHaveLength(3);
  for (const patch of patches) {
    expect(JSON.parse(patch.body)).toEqual([
      {
        op: 'replace',
        path: '/redirectUris',
        value: ['https://a.example.com/cb', 'https://fixed.example.com/cb', 'https://b.example.com/cb'],
      },
    ]);
  }
});

it('a string literal is data, whatever it looks like to a code generator', async () => {
  const breakout = '__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d0),x:(globalThis.__literalRan=1),y:(0';
  for (let i = 0; i < 3; i++) {
    const answer = await gateway.gql(`{ oauthClient(id: ${JSON.stringify(breakout)}) { id } }`);
    expect(answer.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  }
  expect((globalThis as { __literalRan?: unknown }).__literalRan).toBeUndefined();
  expect(stub.requests).toEqual([]);
});
