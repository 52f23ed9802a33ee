import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { authentikSource, identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';

// The budget of upstream calls per operation (GATEWAY_MAX_UPSTREAM_CALLS), counted at the stubs:
// up front, every root field counts as one call; while running, every call counts.
let idn: Stub;
let ak: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  idn = await startStub((_req, res) => json(res, 200, identityNowClient()));
  ak = await startStub((_req, res) => json(res, 200, authentikSource()));
  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    AUTHENTIK_URL: `${ak.origin}/api/v3`,
    GATEWAY_MAX_UPSTREAM_CALLS: '4',
    // Out of the way, so only the call budget decides.
    GATEWAY_MAX_ALIASES: '1000',
    GATEWAY_MAX_TOKENS: '5000',
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([idn.close(), ak.close()]);
});

beforeEach(() => {
  idn.requests.length = 0;
  ak.requests.length = 0;
});

const aliased = (n: number, field: (i: number) => string) => Array.from({ length: n }, (_, i) => `m${i}: ${field(i)}`).join('\n');
const updateSource = (i: number) => `updateOAuthSource(slug: "source-${i}", input: { enabled: false }) { slug }`;

describe('the budget of upstream calls per operation', () => {
  it('100 aliased mutations send no PATCH at all', async () => {
    const res = await gateway.gql(`mutation { ${aliased(100, updateSource)} }`);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: { name: 'upstreamCalls', max: 4 } });
    expect(res.errors![0]!.message).toMatch(/100 root fields.*at most 4 upstream calls.*Nothing was sent/);
    expect(ak.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  });

  it('5 aliased queries send no GET', async () => {
    const res = await gateway.gql(`{ ${aliased(5, (i) => `oauthSource(slug: "s${i}") { slug }`)} }`);
    expect(res.errors?.[0]?.extensions?.limit).toEqual({ name: 'upstreamCalls', max: 4 });
    expect(ak.requests).toHaveLength(0);
  });

  it('a field repeated without an alias runs once, so it counts once', async () => {
    const res = await gateway.gql(`mutation { ${Array.from({ length: 6 }, () => updateSource(0)).join(' ')} }`);
    expect(res.errors).toBeUndefined();
    expect(ak.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /api/v3/sources/oauth/source-0/']);
  });

  it('as many mutations as the budget all run', async () => {
    const res = await gateway.gql(`mutation { ${aliased(4, updateSource)} }`);
    expect(res.errors).toBeUndefined();
    expect(ak.requests.map((r) => r.url)).toEqual([0, 1, 2, 3].map((i) => `/api/v3/sources/oauth/source-${i}/`));
  });

  it('patches that need two calls each stop at the budget, call by call', async () => {
    // A patch with a TEST op reads the client first (GET), then sends the PATCH: 2 calls each.
    const ops = `[{ op: TEST, path: "/name", value: "Demo API Client" }, { op: REPLACE, path: "/description", value: "x" }]`;
    const res = await gateway.gql(`mutation { ${aliased(3, () => `patchOAuthClient(id: "${IDN_ID}", ops: ${ops}) { id }`)} }`);
    expect(idn.requests.map((r) => r.method)).toEqual(['GET', 'PATCH', 'GET', 'PATCH']);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.path).toEqual(['m2']);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', limit: { name: 'upstreamCalls', max: 4 } });
    expect(res.errors![0]!.message).toMatch(/getOauthClient was not sent to identitynow/);
  });

  it('is per request: the next operation has a full budget again', async () => {
    for (let round = 0; round < 2; round += 1) {
      const res = await gateway.gql(`mutation { ${aliased(4, updateSource)} }`);
      expect(res.errors).toBeUndefined();
    }
    expect(ak.requests).toHaveLength(8);
  });
});
