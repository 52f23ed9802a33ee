import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { authentikSource, IDN_ID, LD_ID } from './fixtures/upstream-bodies.js';

// Request-level attacks, sent over HTTP the way an attacker would: each must be answered with its
// error, and none may reach an upstream. Every upstream has its own stub, which answers 200 to
// anything, and the three must have seen no request at all by the end of the suite.
const API_KEY = 'hostile-suite-key-0123456789abcdef';
const SECRETS = { identitynow: 'idn-token-hostile-5a1f', launchdarkly: 'ld-key-hostile-77c0', authentik: 'ak-token-hostile-c3d9' };

let idn: Stub;
let ld: Stub;
let ak: Stub;
let gateway: RunningGateway;
let production: RunningGateway;

beforeAll(async () => {
  [idn, ld, ak] = await Promise.all([startStub(), startStub(), startStub()]);
  const upstreams = {
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: SECRETS.identitynow,
    LAUNCHDARKLY_URL: ld.origin,
    LAUNCHDARKLY_API_KEY: SECRETS.launchdarkly,
    AUTHENTIK_URL: `${ak.origin}/api/v3`,
    AUTHENTIK_TOKEN: SECRETS.authentik,
    GATEWAY_API_KEYS: API_KEY,
  };
  // Room for 100 aliased fields, so the alias and call-budget checks are reached; production keeps the defaults.
  gateway = await startGateway({ ...upstreams, GATEWAY_MAX_PATCH_OPS: '20', GATEWAY_MAX_TOKENS: '3000' });
  production = await startGateway({ ...upstreams, NODE_ENV: 'production' });
});

afterAll(async () => {
  await Promise.all([gateway?.close(), production?.close()]);
  await Promise.all([idn?.close(), ld?.close(), ak?.close()]);
});

interface Reply {
  status: number;
  body: { data?: unknown; errors?: Array<{ message: string; extensions?: Record<string, any> }> } | undefined;
  text: string;
  headers: Headers;
}

interface Request {
  method?: string;
  /** Query string for GET, e.g. ?query=... */
  search?: string;
  headers?: Record<string, string>;
  /** A GraphQL request object (sent as JSON), or a raw body. */
  json?: unknown;
  raw?: string | Uint8Array | ReadableStream<Uint8Array>;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'x-api-key': API_KEY };

async function send(target: RunningGateway, req: Request): Promise<Reply> {
  const init: RequestInit & { duplex?: 'half' } = {
    method: req.method ?? 'POST',
    headers: req.headers ?? JSON_HEADERS,
  };
  if (req.json !== undefined) init.body = JSON.stringify(req.json);
  else if (req.raw !== undefined) init.body = req.raw as BodyInit;
  if (req.raw instanceof ReadableStream) init.duplex = 'half';
  const res = await fetch(target.url + (req.search ?? ''), init);
  const text = await res.text();
  let body: Reply['body'];
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, body, text, headers: res.headers };
}

interface Case {
  name: string;
  request: Request;
  /** The extensions.code every error carries... */
  code: string;
  /** ...or, when set, the code and limit of at least one of them (validation may report more). */
  limit?: string;
  status?: number;
  /** A field the error's fieldErrors must name. */
  field?: string;
  target?: 'production';
}

const gql = (query: string, variables?: Record<string, unknown>): Request => ({ json: { query, variables } });
const many = (n: number, line: (i: number) => string) => Array.from({ length: n }, (_, i) => line(i)).join('\n');
const PATCH_IDN = `mutation ($id: ID!, $ops: [JsonPatchOperation!]!) { patchOAuthClient(id: $id, ops: $ops) { id } }`;
const UPDATE_SOURCE = `mutation ($slug: String!, $input: UpdateOAuthSourceInput!) { updateOAuthSource(slug: $slug, input: $input) { slug } }`;
const REPLACE_NAME = { op: 'REPLACE', path: '/name', value: 'x' };
const TEN_MB = 10 * 1024 * 1024;

const requestCases: Case[] = [
  // Amplification: one request that would fan out into many upstream calls.
  {
    name: '100 aliased mutations',
    request: gql(`mutation { ${many(100, (i) => `m${i}: updateOAuthSource(slug: "github", input: { enabled: false }) { slug }`)} }`),
    code: 'BAD_USER_INPUT',
    limit: 'upstreamCalls',
  },
  {
    name: '100 aliased mutations, with the default limits',
    request: gql(`mutation { ${many(100, (i) => `m${i}: updateOAuthSource(slug: "github", input: { enabled: false }) { slug }`)} }`),
    code: 'BAD_USER_INPUT',
    limit: 'tokens',
    target: 'production',
  },
  {
    name: '100 aliased queries',
    request: gql(`{ ${many(100, (i) => `q${i}: oauthClient(id: "${IDN_ID}") { id }`)} }`),
    code: 'BAD_USER_INPUT',
    limit: 'aliases',
  },
  {
    name: '11 mutations through a fragment, under the alias limit but over the call budget',
    request: gql(
      `mutation { ...M } fragment M on Mutation { ${many(11, (i) => `m${i}: updateOAuthSource(slug: "github", input: { enabled: false }) { slug }`)} }`,
    ),
    code: 'BAD_USER_INPUT',
    limit: 'upstreamCalls',
  },
  {
    name: 'mutations spread from nested fragments',
    request: gql(
      `mutation { ...A ...B } fragment A on Mutation { ${many(6, (i) => `a${i}: updateOAuthSource(slug: "a${i}", input: { enabled: false }) { slug }`)} } fragment B on Mutation { ...A ${many(5, (i) => `b${i}: updateOAuth2Provider(id: "${i + 1}", input: { name: "x" }) { id }`)} }`,
    ),
    code: 'BAD_USER_INPUT',
    limit: 'upstreamCalls',
  },
  // Nesting and size of the document.
  {
    name: 'fields nested 12 deep',
    request: gql(`{ oauthSources { ${'type { '.repeat(11)}name${' }'.repeat(11)} } }`),
    code: 'BAD_USER_INPUT',
    limit: 'depth',
  },
  {
    name: 'fields nested 5,000 deep',
    request: gql(`{ ${'oauthSources { '.repeat(5000)}slug${' }'.repeat(5000)} }`),
    code: 'BAD_USER_INPUT',
    limit: 'tokens',
  },
  { name: '5,000 __typename fields', request: gql(`{ ${'__typename '.repeat(5000)}}`), code: 'BAD_USER_INPUT', limit: 'tokens' },
  {
    name: 'a JSON literal nested 40 deep',
    request: gql(`mutation { updateOAuthSource(slug: "github", input: { oidcJwks: ${'['.repeat(40)}1${']'.repeat(40)} }) { slug } }`),
    code: 'BAD_USER_INPUT',
    limit: 'nesting',
  },
  {
    name: 'a JSON variable nested 100 deep',
    request: gql(UPDATE_SOURCE, { slug: 'github', input: { oidcJwks: JSON.parse('['.repeat(100) + ']'.repeat(100)) } }),
    code: 'BAD_USER_INPUT',
    limit: 'nesting',
    field: 'input.oidcJwks[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]',
  },
  // Huge strings, within the body limit.
  {
    name: 'a 100,000-character string literal',
    request: gql(`{ oauthSources(search: "${'a'.repeat(100_000)}") { slug } }`),
    code: 'BAD_USER_INPUT',
    limit: 'stringLength',
  },
  {
    name: 'a 100,000-character string variable',
    request: gql(`query ($s: String) { oauthSources(search: $s) { slug } }`, { s: 's'.repeat(100_000) }),
    code: 'BAD_USER_INPUT',
    limit: 'stringLength',
    field: 's',
  },
  {
    name: 'a 500,000-character JSON Patch value',
    request: gql(PATCH_IDN, { id: IDN_ID, ops: [{ op: 'REPLACE', path: '/description', value: 'd'.repeat(500_000) }] }),
    code: 'BAD_USER_INPUT',
    limit: 'stringLength',
    field: 'ops[0].value',
  },
  {
    name: 'a 100,000-character operation name',
    request: gql(`query ${'N'.repeat(100_000)} { __typename }`, undefined),
    code: 'BAD_USER_INPUT',
    limit: 'stringLength',
  },
  // Bodies and JSON Patch sizes.
  {
    name: 'a 10 MB body with its Content-Length',
    request: { raw: JSON.stringify({ query: '{ __typename }', variables: { pad: 'p'.repeat(TEN_MB) } }) },
    code: 'REQUEST_ENTITY_TOO_LARGE',
    status: 413,
  },
  {
    name: 'a 10 MB body sent chunked, without Content-Length',
    request: {
      raw: new ReadableStream<Uint8Array>({
        start(controller) {
          const chunk = new TextEncoder().encode('p'.repeat(1024 * 1024));
          controller.enqueue(new TextEncoder().encode('{"query":"{ __typename }","variables":{"pad":"'));
          for (let i = 0; i < 10; i += 1) controller.enqueue(chunk);
          controller.enqueue(new TextEncoder().encode('"}}'));
          controller.close();
        },
      }),
    },
    code: 'REQUEST_ENTITY_TOO_LARGE',
    status: 413,
  },
  {
    name: '10,000 JSON Patch ops as a variable',
    request: gql(PATCH_IDN, { id: IDN_ID, ops: Array.from({ length: 10_000 }, () => REPLACE_NAME) }),
    code: 'BAD_USER_INPUT',
    field: 'ops',
  },
  {
    name: '10,000 JSON Patch ops as a literal',
    request: gql(
      `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [${many(10_000, () => '{ op: REPLACE, path: "/name", value: "x" }')}]) { id } }`,
    ),
    code: 'BAD_USER_INPUT',
    limit: 'tokens',
  },
  {
    name: '21 JSON Patch ops with GATEWAY_MAX_PATCH_OPS=20',
    request: gql(PATCH_IDN, { id: IDN_ID, ops: Array.from({ length: 21 }, () => REPLACE_NAME) }),
    code: 'BAD_USER_INPUT',
    field: 'ops',
  },
  // Prototype pollution.
  {
    name: '__proto__ beside query in the body',
    request: { raw: `{"query":"{ __typename }","__proto__":{"polluted":true}}` },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: '__proto__ as a variable name',
    request: { raw: `{"query":"query { oauthSources { slug } }","variables":{"__proto__":{"polluted":true}}}` },
    code: 'BAD_USER_INPUT',
    field: 'variables',
  },
  {
    name: '__proto__ inside a JSON variable',
    request: {
      raw: JSON.stringify({ query: UPDATE_SOURCE, variables: { slug: 'github', input: { oidcJwks: { keys: [] } } } }).replace(
        '"keys":[]',
        '"__proto__":{"polluted":true}',
      ),
    },
    code: 'BAD_USER_INPUT',
    field: 'input.oidcJwks',
  },
  {
    name: '__proto__ as a key of a JSON Patch op',
    request: {
      raw: JSON.stringify({
        query: PATCH_IDN,
        variables: { id: IDN_ID, ops: [{ op: 'REPLACE', path: '/name', value: 'x', extra: 1 }] },
      }).replace('"extra":1', '"__proto__":{"polluted":true}'),
    },
    code: 'BAD_USER_INPUT',
    field: 'ops[0]',
  },
  {
    name: '__proto__ in a JSON literal',
    request: gql(`mutation { updateOAuthSource(slug: "github", input: { oidcJwks: { __proto__: { polluted: true } } }) { slug } }`),
    code: 'BAD_USER_INPUT',
  },
  {
    name: 'a JSON Patch value holding __proto__',
    request: {
      raw: JSON.stringify({
        query: PATCH_IDN,
        variables: { id: IDN_ID, ops: [{ op: 'ADD', path: '/redirectUris/-', value: { a: 1 } }] },
      }).replace('"a":1', '"__proto__":{"polluted":true}'),
    },
    code: 'BAD_USER_INPUT',
    field: 'ops[0].value',
  },
  // Encodings and content types.
  {
    name: 'invalid UTF-8 in the query',
    request: { raw: concat('{"query":"{ oauthSource(slug: \\"', [0xff, 0xfe], '\\") { slug } }"}') },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: 'an overlong UTF-8 "/" (C0 AF) in an id variable',
    request: {
      raw: concat(
        `{"query":${JSON.stringify(PATCH_IDN)},"variables":{"id":"..`,
        [0xc0, 0xaf],
        `admin","ops":[{"op":"REPLACE","path":"/name","value":"x"}]}}`,
      ),
    },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: 'a lone surrogate half in UTF-8 (ED A0 80)',
    request: { raw: concat('{"query":"{ oauthSources(search: \\"', [0xed, 0xa0, 0x80], '\\") { slug } }"}') },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: 'text/plain (a form a browser posts cross-site)',
    request: { headers: { 'content-type': 'text/plain', 'x-api-key': API_KEY }, raw: JSON.stringify({ query: '{ __typename }' }) },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: 'application/x-www-form-urlencoded without a preflight header',
    request: {
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-api-key': API_KEY },
      raw: `query=${encodeURIComponent('mutation { updateOAuthSource(slug: "github", input: { enabled: false }) { slug } }')}`,
    },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: 'no Content-Type',
    request: { headers: { 'x-api-key': API_KEY }, raw: new TextEncoder().encode(JSON.stringify({ query: '{ __typename }' })) },
    code: 'BAD_REQUEST',
    status: 400,
  },
  {
    name: 'application/xml',
    request: { headers: { 'content-type': 'application/xml', 'x-api-key': API_KEY }, raw: '<query>{ __typename }</query>' },
    code: 'BAD_REQUEST',
    status: 415,
  },
  {
    name: 'multipart/form-data, even with a preflight header',
    request: {
      headers: { 'content-type': 'multipart/form-data; boundary=x', 'x-graphql-yoga-csrf': '1', 'x-api-key': API_KEY },
      raw: '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ __typename }"}\r\n--x--\r\n',
    },
    code: 'BAD_REQUEST',
    status: 415,
  },
  { name: 'a body that is not JSON', request: { raw: '{"query": "{ __typename }"' }, code: 'BAD_REQUEST', status: 400 },
  {
    name: 'a batch of two operations',
    request: { json: [{ query: '{ __typename }' }, { query: '{ __typename }' }] },
    code: 'BAD_REQUEST',
    status: 400,
  },
  // Methods.
  {
    name: 'a mutation sent by GET',
    request: {
      method: 'GET',
      headers: { 'x-api-key': API_KEY, 'x-graphql-yoga-csrf': '1' },
      search: `?query=${encodeURIComponent('mutation { updateOAuthSource(slug: "github", input: { enabled: false }) { slug } }')}`,
    },
    code: 'BAD_REQUEST',
    status: 405,
  },
  {
    name: 'a query sent by GET without a preflight header (a cross-site link)',
    request: {
      method: 'GET',
      headers: { 'x-api-key': API_KEY },
      search: `?query=${encodeURIComponent(`{ oauthClient(id: "${IDN_ID}") { id } }`)}`,
    },
    code: 'BAD_REQUEST',
    status: 400,
  },
  { name: 'PUT', request: { method: 'PUT', json: { query: '{ __typename }' } }, code: 'BAD_REQUEST', status: 405 },
  // Callers.
  {
    name: 'no credential',
    request: { headers: { 'content-type': 'application/json' }, json: { query: `{ oauthClient(id: "${IDN_ID}") { id } }` } },
    code: 'UNAUTHENTICATED',
    status: 401,
  },
  {
    name: 'an upstream token sent as the caller credential',
    request: {
      headers: { 'content-type': 'application/json', 'x-api-key': SECRETS.authentik.padEnd(20, '0') },
      json: { query: `{ oauthSources { slug } }` },
    },
    code: 'UNAUTHENTICATED',
    status: 401,
  },
  // Production.
  {
    name: 'introspection (__schema) in production',
    request: gql(`{ __schema { types { name } } }`),
    code: 'GRAPHQL_VALIDATION_FAILED',
    target: 'production',
  },
  {
    name: 'introspection (__type) in production',
    request: gql(`{ __type(name: "IdentityNowOAuthClient") { fields { name } } }`),
    code: 'GRAPHQL_VALIDATION_FAILED',
    target: 'production',
  },
];

// Every path argument, with every way of leaving its path segment.
const PATH_PAYLOADS = ['../../admin', '%2e%2e', '//evil.example', 'x?x=1', 'x#fragment', 'x\r\nHost: evil.example'];
const PATH_ARGUMENTS: Array<{ field: string; arg: 'id' | 'slug'; query: string; extra?: Record<string, unknown> }> = [
  { field: 'oauthClient', arg: 'id', query: `query ($v: ID!) { oauthClient(id: $v) { id } }` },
  {
    field: 'patchOAuthClient',
    arg: 'id',
    query: `mutation ($v: ID!, $ops: [JsonPatchOperation!]!) { patchOAuthClient(id: $v, ops: $ops) { id } }`,
    extra: { ops: [REPLACE_NAME] },
  },
  { field: 'launchDarklyOAuthClient', arg: 'id', query: `query ($v: ID!) { launchDarklyOAuthClient(id: $v) { id } }` },
  {
    field: 'patchLaunchDarklyOAuthClient',
    arg: 'id',
    query: `mutation ($v: ID!, $ops: [JsonPatchOperation!]!) { patchLaunchDarklyOAuthClient(id: $v, ops: $ops) { id } }`,
    extra: { ops: [REPLACE_NAME] },
  },
  { field: 'oauth2Provider', arg: 'id', query: `query ($v: ID!) { oauth2Provider(id: $v) { id } }` },
  { field: 'updateOAuth2Provider', arg: 'id', query: `mutation ($v: ID!) { updateOAuth2Provider(id: $v, input: { name: "x" }) { id } }` },
  { field: 'oauthSource', arg: 'slug', query: `query ($v: String!) { oauthSource(slug: $v) { slug } }` },
  {
    field: 'updateOAuthSource',
    arg: 'slug',
    query: `mutation ($v: String!) { updateOAuthSource(slug: $v, input: { name: "x" }) { slug } }`,
  },
];
const pathCases: Case[] = PATH_ARGUMENTS.flatMap(({ field, arg, query, extra }) =>
  PATH_PAYLOADS.map((payload) => ({
    name: `${field}(${arg}: ${JSON.stringify(payload)})`,
    request: gql(query, { v: payload, ...extra }),
    code: 'BAD_USER_INPUT',
    field: arg,
  })),
);

const cases = [...requestCases, ...pathCases];

function concat(before: string, bytes: number[], after: string): Uint8Array {
  const encoder = new TextEncoder();
  return new Uint8Array([...encoder.encode(before), ...bytes, ...encoder.encode(after)]);
}

function upstreamRequests(): number {
  return idn.requests.length + ld.requests.length + ak.requests.length;
}

describe('hostile requests: refused with their error, nothing sent upstream', () => {
  it(`has at least 40 requests (${cases.length})`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(40);
  });

  for (const c of cases) {
    it(c.name, async () => {
      const before = upstreamRequests();
      const reply = await send(c.target === 'production' ? production : gateway, c.request);
      const errors = reply.body?.errors ?? [];
      expect(errors.length, reply.text.slice(0, 500)).toBeGreaterThan(0);
      if (c.limit) {
        expect(
          errors.some((e) => e.extensions?.code === c.code && e.extensions?.limit?.name === c.limit),
          reply.text.slice(0, 500),
        ).toBe(true);
      } else {
        for (const error of errors) expect(error.extensions?.code, reply.text.slice(0, 500)).toBe(c.code);
      }
      if (c.field) {
        expect(errors.flatMap((e) => (e.extensions?.fieldErrors ?? []).map((f: { field: string }) => f.field))).toContain(c.field);
      }
      if (c.status) expect(reply.status).toBe(c.status);
      // A nullable query field answers null beside its error.
      for (const value of Object.values(reply.body?.data ?? {})) expect(value).toBeNull();
      expect(upstreamRequests()).toBe(before);
    });
  }

  it('sent nothing to any upstream in the whole suite', () => {
    expect(upstreamRequests()).toBe(0);
  });

  it('left no property on Object.prototype', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });
});

describe('a credential header aimed at the wrong upstream', () => {
  const AIMED = [
    {
      header: 'X-LaunchDarkly-Api-Key',
      value: 'api-ld-caller-secret-4e1b',
      stub: () => ak,
      query: `mutation { updateOAuthSource(slug: "github", input: { enabled: false }) { slug } }`,
    },
    { header: 'X-Authentik-Token', value: 'ak-caller-secret-90d2', stub: () => idn, query: `{ oauthClient(id: "${IDN_ID}") { id } }` },
    {
      header: 'X-IdentityNow-Token',
      value: 'idn-caller-secret-1c7e',
      stub: () => ld,
      query: `{ launchDarklyOAuthClient(id: "${LD_ID}") { id } }`,
    },
  ];

  for (const { header, value, stub, query } of AIMED) {
    it(`${header} reaches no other upstream and is never echoed`, async () => {
      for (const s of [idn, ld, ak]) s.requests.length = 0;
      ak.handle((_req, res) => json(res, 200, authentikSource()));
      const reply = await send(gateway, { headers: { ...JSON_HEADERS, [header]: value }, json: { query } });
      expect(reply.status).toBe(200);
      expect(stub().requests).toHaveLength(1);
      const [req] = stub().requests;
      const seen = JSON.stringify({ url: req!.url, headers: req!.headers, body: req!.body });
      expect(seen).not.toContain(value);
      expect(reply.text).not.toContain(value);
      for (const s of [idn, ld, ak]) {
        if (s !== stub()) expect(s.requests).toHaveLength(0);
        s.requests.length = 0;
      }
    });
  }
});

describe('cross-origin browsers', () => {
  it('get no CORS permission by default, so a page on another site cannot call the gateway', async () => {
    const res = await fetch(gateway.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, x-api-key',
      },
    });
    await res.arrayBuffer();
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('are allowed from the origins in GATEWAY_CORS_ORIGINS only', async () => {
    const allowed = await startGateway({
      AUTHENTIK_URL: `${ak.origin}/api/v3`,
      GATEWAY_CORS_ORIGINS: 'https://console.example.com, https://admin.example.com',
    });
    try {
      const preflight = (origin: string) =>
        fetch(allowed.url, {
          method: 'OPTIONS',
          headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
        });
      const ok = await preflight('https://admin.example.com');
      await ok.arrayBuffer();
      expect(ok.headers.get('access-control-allow-origin')).toBe('https://admin.example.com');
      expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
      const evil = await preflight('https://evil.example');
      await evil.arrayBuffer();
      expect(evil.headers.get('access-control-allow-origin')).not.toBe('https://evil.example');
    } finally {
      await allowed.close();
    }
  });
});

describe('production', () => {
  it('serves no GraphiQL page (outside production it does)', async () => {
    const dev = await fetch(gateway.url, { headers: { accept: 'text/html' } });
    expect(dev.headers.get('content-type')).toContain('text/html');
    expect(await dev.text()).toMatch(/graphiql/i);

    const res = await fetch(production.url, { headers: { accept: 'text/html', 'x-api-key': API_KEY } });
    const text = await res.text();
    expect(res.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(text).not.toMatch(/graphiql/i);
  });

  it('still answers __typename, and real queries', async () => {
    idn.handle((_req, res) => json(res, 404, {}));
    const reply = await send(production, gql(`{ __typename oauthClient(id: "${IDN_ID}") { id } }`));
    expect(reply.body).toEqual({ data: { __typename: 'Query', oauthClient: null } });
    idn.requests.length = 0;
  });
});
