import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { closedPort } from './helpers/ports.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, text, type Stub } from './helpers/stub.js';
import { identityNowError, IDN_ID, LD_ID } from './fixtures/upstream-bodies.js';

let stub: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  stub = await startStub();
  gateway = await startGateway({
    IDENTITYNOW_URL: `${stub.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token',
    LAUNCHDARKLY_URL: stub.origin,
    LAUNCHDARKLY_API_KEY: 'ld-key-0123',
    AUTHENTIK_URL: `${stub.origin}/api/v3`,
    AUTHENTIK_TOKEN: 'ak-token',
  });
});

afterAll(async () => {
  await gateway.close();
  await stub.close();
});

beforeEach(() => {
  stub.requests.length = 0;
});

const PATCH_IDN = `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`;
const PATCH_LD = `mutation { patchLaunchDarklyOAuthClient(id: "${LD_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`;
const UPDATE_PROVIDER = `mutation { updateOAuth2Provider(id: "6", input: { clientType: PUBLIC }) { id } }`;
const UPDATE_SOURCE = `mutation { updateOAuthSource(slug: "github", input: { slug: "git-hub" }) { slug } }`;

async function firstError(query: string) {
  const res = await gateway.gql(query);
  expect(res.errors, JSON.stringify(res)).toHaveLength(1);
  return res.errors![0]!;
}

describe('identitynow error bodies', () => {
  const cases = [
    {
      status: 400,
      code: 'BAD_USER_INPUT',
      body: identityNowError(
        '400.1 Bad Request Content',
        'The request was syntactically correct but its content is semantically invalid.',
        ['name must not be blank'],
      ),
    },
    { status: 401, code: 'UNAUTHENTICATED', body: { error: 'JWT validation failed: JWT is expired' } },
    {
      status: 403,
      code: 'FORBIDDEN',
      body: identityNowError('403 Forbidden', 'The server understood the request but refuses to authorize it.'),
    },
    {
      status: 404,
      code: 'NOT_FOUND',
      body: identityNowError('404 Not found', 'The server did not find a current representation for the target resource.'),
    },
    { status: 429, code: 'RATE_LIMITED', body: { message: ' Rate Limit Exceeded ' }, headers: { 'retry-after': '30' } },
    { status: 500, code: 'UPSTREAM_ERROR', body: identityNowError('500.0 Internal Fault', 'An internal fault occurred.') },
  ];
  for (const c of cases) {
    it(`${c.status} → ${c.code}`, async () => {
      stub.handle((_req, res) => json(res, c.status, c.body, c.headers));
      const error = await firstError(PATCH_IDN);
      expect(error.extensions?.code).toBe(c.code);
      expect(error.extensions?.upstream).toMatchObject({ service: 'identitynow', status: c.status, operation: 'patchOauthClient' });
      expect(stub.requests).toHaveLength(1);
      if ('detailCode' in c.body) {
        expect(error.extensions?.upstream.trackingId).toBe('b21b1f7ce4da4d639f2c62a57171b427');
        expect(error.extensions?.upstream.vendorCode).toBe(c.body.detailCode);
        expect(error.message).toContain(c.body.messages[0]!.text);
      }
      if (c.status === 400) expect(error.extensions?.fieldErrors).toEqual([{ field: 'ops', messages: ['name must not be blank'] }]);
      else expect(error.extensions?.fieldErrors).toBeUndefined();
      if (c.status === 401) expect(error.message).toBe('JWT validation failed: JWT is expired');
      if (c.status === 429) {
        expect(error.message).toBe('Rate Limit Exceeded');
        expect(error.extensions?.retryAfter).toBe(30);
      }
    });
  }

  it('a query answered 404 gives null, not an error', async () => {
    stub.handle((_req, res) =>
      json(res, 404, identityNowError('404 Not found', 'The server did not find a current representation for the target resource.')),
    );
    const res = await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ oauthClient: null });
  });
});

describe('launchdarkly error bodies', () => {
  const cases = [
    {
      status: 400,
      code: 'BAD_USER_INPUT',
      body: {
        code: 'invalid_request',
        message: 'Only name, description, and redirectUri may be patched',
        id: '30ce6058-87da-11e4-b116-123b93f75cba',
      },
    },
    { status: 401, code: 'UNAUTHENTICATED', body: { code: 'unauthorized', message: 'Invalid access token' } },
    { status: 403, code: 'FORBIDDEN', body: { code: 'forbidden', message: 'Forbidden. Access to the requested resource was denied.' } },
    { status: 404, code: 'NOT_FOUND', body: { code: 'not_found', message: 'Invalid resource identifier' } },
    { status: 409, code: 'CONFLICT', body: { code: 'conflict', message: 'The request conflicts with a concurrent request' } },
    { status: 429, code: 'RATE_LIMITED', body: { code: 'rate_limited', message: 'Too many requests' } },
    { status: 500, code: 'UPSTREAM_ERROR', body: { code: 'internal_server_error', message: 'Internal error' } },
  ];
  for (const c of cases) {
    it(`${c.status} → ${c.code}`, async () => {
      const retryAt = new Date(Date.now() + 120_000).toUTCString();
      stub.handle((_req, res) => json(res, c.status, c.body, c.status === 429 ? { 'retry-after': retryAt } : {}));
      const error = await firstError(PATCH_LD);
      expect(error.extensions?.code).toBe(c.code);
      expect(error.message).toBe(c.body.message);
      expect(error.extensions?.upstream).toMatchObject({
        service: 'launchdarkly',
        status: c.status,
        operation: 'patchOAuthClient',
        vendorCode: c.body.code,
      });
      if ('id' in c.body) expect(error.extensions?.upstream.trackingId).toBe(c.body.id);
      if (c.status === 400) expect(error.extensions?.fieldErrors).toEqual([{ field: 'ops', messages: [c.body.message] }]);
      if (c.status === 429) {
        // Retry-After as an HTTP date: seconds from now, whole, never negative.
        expect(error.extensions?.retryAfter).toBeGreaterThan(100);
        expect(error.extensions?.retryAfter).toBeLessThanOrEqual(121);
      }
    });
  }
});

describe('a typed update sent as a JSON Patch', () => {
  // The caller gave `input`, not `ops`: the vendor's refusal names the argument the caller used.
  it.each([
    {
      vendor: 'identitynow',
      query: `mutation { updateOAuthClient(id: "${IDN_ID}", input: { description: "x" }) { id } }`,
      body: identityNowError(
        '400.1 Bad Request Content',
        'The request was syntactically correct but its content is semantically invalid.',
        ['description is too long'],
      ),
      messages: ['description is too long'],
    },
    {
      vendor: 'launchdarkly',
      query: `mutation { updateLaunchDarklyOAuthClient(id: "${LD_ID}", input: { name: "x" }) { id } }`,
      body: { code: 'invalid_request', message: 'name is too long' },
      messages: ['name is too long'],
    },
  ])('$vendor: a 400 names input in fieldErrors', async ({ query, body, messages }) => {
    stub.handle((_req, res) => json(res, 400, body));
    const error = await firstError(query);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(stub.requests.map((r) => r.method)).toEqual(['PATCH']);
    expect(error.extensions?.fieldErrors).toEqual([{ field: 'input', messages }]);
  });
});

describe('authentik error bodies', () => {
  it('400 field errors come back under the GraphQL input names', async () => {
    stub.handle((_req, res) =>
      json(res, 400, { client_type: ['"public" is not a valid choice.'], non_field_errors: ['Something is off.'] }),
    );
    const error = await firstError(UPDATE_PROVIDER);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.fieldErrors).toEqual([
      { field: 'clientType', messages: ['"public" is not a valid choice.'] },
      { field: 'input', messages: ['Something is off.'] },
    ]);
    expect(error.message).toContain('"public" is not a valid choice.');
  });

  it('400 on a source slug names the slug field', async () => {
    stub.handle((_req, res) => json(res, 400, { slug: ['Source with this slug already exists.'] }));
    const error = await firstError(UPDATE_SOURCE);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.extensions?.fieldErrors).toEqual([{ field: 'slug', messages: ['Source with this slug already exists.'] }]);
    expect(error.message).toBe('slug: Source with this slug already exists.');
  });

  const generic = [
    { status: 401, code: 'UNAUTHENTICATED', detail: 'Authentication credentials were not provided.' },
    { status: 403, code: 'FORBIDDEN', detail: 'You do not have permission to perform this action.' },
    { status: 404, code: 'NOT_FOUND', detail: 'Not found.' },
    { status: 429, code: 'RATE_LIMITED', detail: 'Request was throttled.' },
    { status: 500, code: 'UPSTREAM_ERROR', detail: 'Internal server error' },
  ];
  for (const c of generic) {
    it(`${c.status} GenericError → ${c.code}`, async () => {
      stub.handle((_req, res) => json(res, c.status, { detail: c.detail, code: 'x_code' }, c.status === 429 ? { 'retry-after': '7' } : {}));
      const error = await firstError(UPDATE_SOURCE);
      expect(error.extensions?.code).toBe(c.code);
      expect(error.message).toBe(c.detail);
      expect(error.extensions?.upstream).toMatchObject({
        service: 'authentik',
        status: c.status,
        operation: 'sources_oauth_partial_update',
        vendorCode: 'x_code',
      });
      if (c.status === 429) expect(error.extensions?.retryAfter).toBe(7);
    });
  }
});

describe('bodies that are not what the spec promises', () => {
  it('an HTML error page', async () => {
    stub.handle((_req, res) => text(res, 502, '<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html'));
    const error = await firstError(PATCH_IDN);
    expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toBe('identitynow answered 502 with an HTML page.');
    expect(error.message).not.toContain('<');
  });

  it('an empty body on an error status', async () => {
    stub.handle((_req, res) => text(res, 503, ''));
    const error = await firstError(PATCH_LD);
    expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toBe('launchdarkly answered 503 with an empty body.');
  });

  it('a body that is not JSON on success', async () => {
    stub.handle((_req, res) => text(res, 200, 'OK'));
    const error = await firstError(UPDATE_PROVIDER);
    expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
    // A 200 to a write says it was applied, whatever its body.
    expect(error.message).toBe(
      'authentik answered 200 with a body that is not JSON instead of JSON. The vendor accepted the change, so it was applied; do not send it again.',
    );
    expect(error.extensions?.outcome).toBe('APPLIED');
  });

  it('JSON on success that is not the resource', async () => {
    stub.handle((_req, res) => json(res, 200, { hello: 'world' }));
    const error = await firstError(PATCH_IDN);
    expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(error.message).toBe(
      'identitynow answered with a body that is not an OAuth client. The vendor accepted the change, so it was applied; do not send it again.',
    );
    expect(error.extensions?.outcome).toBe('APPLIED');
  });

  it('an error body of the wrong shape falls back to a plain sentence', async () => {
    stub.handle((_req, res) => json(res, 400, ['not', 'an', 'object']));
    const error = await firstError(PATCH_LD);
    expect(error.extensions?.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe('launchdarkly answered 400 with an unexpected JSON body.');
  });

  it('a redirect is not followed', async () => {
    stub.handle((_req, res) => {
      res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' });
      res.end();
    });
    const error = await firstError(PATCH_IDN);
    expect(error.extensions?.code).toBe('UPSTREAM_ERROR');
    expect(stub.requests).toHaveLength(1);
  });
});

describe('transport failures', () => {
  it('connection refused → UPSTREAM_UNAVAILABLE, saying the change was not sent', async () => {
    const port = await closedPort();
    const refused = await startGateway({ IDENTITYNOW_URL: `http://127.0.0.1:${port}/beta`, IDENTITYNOW_TOKEN: 'idn-token-1' });
    try {
      const res = await refused.gql(PATCH_IDN);
      expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_UNAVAILABLE');
      expect(res.errors?.[0]?.message).toBe('identitynow could not be reached; the change was not sent.');
      expect(res.errors?.[0]?.extensions?.upstream).toEqual({ service: 'identitynow', operation: 'patchOauthClient' });
    } finally {
      await refused.close();
    }
  });

  it('no answer in time → UPSTREAM_TIMEOUT, saying the write may have happened', async () => {
    const silent = await startStub(() => {
      /* never answers */
    });
    const slow = await startGateway({
      AUTHENTIK_URL: `${silent.origin}/api/v3`,
      AUTHENTIK_TOKEN: 'ak-token-1',
      UPSTREAM_TIMEOUT_MS: '300',
    });
    try {
      const res = await slow.gql(UPDATE_SOURCE);
      expect(res.errors?.[0]?.extensions?.code).toBe('UPSTREAM_TIMEOUT');
      // The source is read back, which times out as well: the outcome stays unknown.
      expect(res.errors?.[0]?.message).toBe(
        'authentik did not answer in time; the change may or may not have been applied. ' +
          'Reading it back could not tell whether it was applied; read the resource before sending it again.',
      );
      expect(res.errors?.[0]?.extensions?.outcome).toBe('UNKNOWN');
      expect(silent.requests.map((r) => r.method)).toEqual(['PATCH', 'GET']);
    } finally {
      await slow.close();
      await silent.close();
    }
  });

  it('a service without an API root → UPSTREAM_NOT_CONFIGURED, and no request', async () => {
    const partial = await startGateway({ AUTHENTIK_URL: `${stub.origin}/api/v3` });
    try {
      const res = await partial.gql(PATCH_LD);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_NOT_CONFIGURED', upstream: { service: 'launchdarkly' } });
      expect(stub.requests).toHaveLength(0);
    } finally {
      await partial.close();
    }
  });
});
