import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authentikProvider, identityNowClient, identityNowError, IDN_ID, LD_ID, paginated } from './fixtures/upstream-bodies.js';
import { configureLog } from '../src/log.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';

// Upstreams that quote the request back: whatever credential the gateway sent must not reach the
// GraphQL caller through an error message, a field error or a data field.
const TOKEN = { identitynow: 'idn-echoed-5f0c2a', launchdarkly: 'api-ld-echoed-9b1e77', authentik: 'ak-echoed-d41e08' };

const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

let upstream: Stub;
let gateway: RunningGateway;

/** The credential the request carried, as the vendor received it (bearer token or bare key). */
const sentCredential = (req: RecordedRequest) => String(req.headers.authorization).replace(/^Bearer /, '');

/** A gateway that gets its IdentityNow token from `tokens` with the client credentials grant. */
const grantingGateway = (tokens: Stub) =>
  startGateway({
    IDENTITYNOW_URL: `${upstream.origin}/beta`,
    IDENTITYNOW_CLIENT_ID: 'client',
    IDENTITYNOW_CLIENT_SECRET: 'client-secret-0a9d',
    IDENTITYNOW_TOKEN_URL: `${tokens.origin}/oauth/token`,
  });

const PATCH_IDN = `mutation { patchOAuthClient(id: "${IDN_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`;

beforeAll(async () => {
  upstream = await startStub();
  gateway = await startGateway({
    IDENTITYNOW_URL: `${upstream.origin}/beta`,
    IDENTITYNOW_TOKEN: TOKEN.identitynow,
    LAUNCHDARKLY_URL: upstream.origin,
    LAUNCHDARKLY_API_KEY: TOKEN.launchdarkly,
    AUTHENTIK_URL: `${upstream.origin}/api/v3`,
    AUTHENTIK_TOKEN: TOKEN.authentik,
  });
});

afterAll(async () => {
  await gateway.close();
  await upstream.close();
  // Log lines never carry bodies; with every answer above quoting a credential, none may show one.
  expect(logLines.length).toBeGreaterThan(0);
  for (const secret of [...Object.values(TOKEN), 'idn-granted-7c3f90e1', 'client-secret-0a9d'])
    expect(logLines.join('\n')).not.toContain(secret);
});

beforeEach(() => {
  upstream.requests.length = 0;
});

describe('an upstream that echoes the credential it was sent', () => {
  it('identitynow: in its error message and causes; the rest of the error is kept', async () => {
    upstream.handle((req, res) =>
      json(
        res,
        400,
        identityNowError('400.1 Bad Request Content', `Token ${sentCredential(req)} may not patch /name`, [
          `caller Bearer ${sentCredential(req)} lacks scope`,
        ]),
      ),
    );
    const res = await gateway.gql(PATCH_IDN);
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${TOKEN.identitynow}`);
    const error = res.errors![0]!;
    expect(JSON.stringify(res)).not.toContain(TOKEN.identitynow);
    expect(error.message).toContain('Token [REDACTED] may not patch /name');
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      upstream: { service: 'identitynow', status: 400, vendorCode: '400.1 Bad Request Content' },
      fieldErrors: [{ field: 'ops', messages: ['caller Bearer [REDACTED] lacks scope'] }],
    });
  });

  it('launchdarkly: the bare access key in its 401 message', async () => {
    upstream.handle((req, res) => json(res, 401, { code: 'unauthorized', message: `Invalid access token ${sentCredential(req)}` }));
    const res = await gateway.gql(
      `mutation { patchLaunchDarklyOAuthClient(id: "${LD_ID}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`,
    );
    expect(upstream.requests[0]?.headers.authorization).toBe(TOKEN.launchdarkly);
    expect(JSON.stringify(res)).not.toContain(TOKEN.launchdarkly);
    expect(res.errors![0]).toMatchObject({ message: 'Invalid access token [REDACTED]', extensions: { code: 'UNAUTHENTICATED' } });
  });

  it('authentik: in a field error', async () => {
    upstream.handle((req, res) => json(res, 400, { client_type: [`not allowed for token ${sentCredential(req)}`] }));
    const res = await gateway.gql(`mutation { updateOAuth2Provider(id: "6", input: { clientType: PUBLIC }) { id } }`);
    expect(JSON.stringify(res)).not.toContain(TOKEN.authentik);
    expect(res.errors![0]!.extensions?.fieldErrors).toEqual([{ field: 'clientType', messages: ['not allowed for token [REDACTED]'] }]);
  });

  it('in a successful answer: the field that holds it reads REDACTED, the other fields are intact', async () => {
    upstream.handle((req, res) => json(res, 200, paginated([authentikProvider({ name: `provider of ${sentCredential(req)}` })])));
    const res = await gateway.gql(`{ oauth2Providers { name clientId } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.oauth2Providers[0].name).toBe('provider of [REDACTED]');
    expect(res.data.oauth2Providers[0].clientId).toBe(authentikProvider().client_id);
  });

  it('percent-encoded, as in a URL the vendor quotes', async () => {
    const key = 'idn/caller+key=42';
    upstream.handle((req, res) =>
      json(
        res,
        404,
        identityNowError('404 Not found', `No client at /beta/oauth-clients?token=${encodeURIComponent(sentCredential(req))}`),
      ),
    );
    const res = await gateway.gql(PATCH_IDN, undefined, { 'X-IdentityNow-Token': key });
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(res.errors![0]).toMatchObject({
      message: 'No client at /beta/oauth-clients?token=[REDACTED]',
      extensions: { code: 'NOT_FOUND' },
    });
  });

  it("a caller's own credential with JSON escapes in it (quote, backslash) is found inside a JSON string", async () => {
    const key = 'ak"caller\\key-19e2';
    upstream.handle((req, res) => json(res, 403, { detail: `token ${sentCredential(req)} is read-only`, code: 'permission_denied' }));
    const res = await gateway.gql(`mutation { updateOAuthSource(slug: "github", input: { enabled: false }) { slug } }`, undefined, {
      'X-Authentik-Token': key,
    });
    expect(upstream.requests[0]?.headers.authorization).toBe(`Bearer ${key}`);
    expect(res.errors![0]).toMatchObject({ message: 'token [REDACTED] is read-only', extensions: { code: 'FORBIDDEN' } });
    expect(JSON.stringify(res)).not.toContain('caller\\\\key');
  });

  it('a token the gateway obtained with the client credentials grant', async () => {
    const tokens = await startStub((_req, res) => json(res, 200, { access_token: 'idn-granted-7c3f90e1', expires_in: 3600 }));
    const granted = await grantingGateway(tokens);
    try {
      upstream.handle((req, res) => json(res, 200, identityNowClient({ description: `last patched with ${req.headers.authorization}` })));
      const res = await granted.gql(`{ oauthClient(id: "${IDN_ID}") { id description } }`);
      expect(upstream.requests[0]?.headers.authorization).toBe('Bearer idn-granted-7c3f90e1');
      expect(res.data.oauthClient).toEqual({ id: IDN_ID, description: 'last patched with Bearer [REDACTED]' });
    } finally {
      await granted.close();
      await tokens.close();
    }
  });

  it('text that merely resembles the credential is left alone', async () => {
    upstream.handle((_req, res) =>
      json(res, 200, [identityNowClient({ description: `idn-echoed-5f0c2b and ${TOKEN.identitynow.slice(0, -1)}` })]),
    );
    const res = await gateway.gql(`{ oauthClients { description } }`);
    expect(res.data.oauthClients[0].description).toBe(`idn-echoed-5f0c2b and ${TOKEN.identitynow.slice(0, -1)}`);
  });
});

describe('a credential too short to tell apart from ordinary text, or that is no header value', () => {
  // Redaction leaves shorter values alone (they would match words), so such a credential is never sent.
  it("a caller's own credential under 8 characters: BAD_USER_INPUT, nothing sent", async () => {
    upstream.handle((req, res) => json(res, 400, identityNowError('400.1 Bad Request Content', `Token ${sentCredential(req)} refused`)));
    const res = await gateway.gql(PATCH_IDN, undefined, { 'X-IdentityNow-Token': 'idn-k7x' });
    expect(upstream.requests).toHaveLength(0);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { service: 'identitynow' } });
    expect(res.errors![0]!.message).toContain('X-IdentityNow-Token');
    expect(JSON.stringify(res)).not.toContain('idn-k7x');
  });

  it.each<[string, string]>([
    ['shorter than 8 characters', 'tok-1'],
    ['with a line break (a header of its own)', 'idn-granted-5e1\r\nx-injected: 1'],
    ['with a space', 'idn granted 5e1d'],
  ])('a granted token %s: UPSTREAM_UNAVAILABLE, nothing sent to the API', async (_case, token) => {
    const tokens = await startStub((_req, res) => json(res, 200, { access_token: token, expires_in: 3600 }));
    const granted = await grantingGateway(tokens);
    try {
      upstream.handle((req, res) => json(res, 400, identityNowError('400', `Token ${sentCredential(req)} refused`)));
      const res = await granted.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
      expect(upstream.requests).toHaveLength(0);
      expect(tokens.requests).toHaveLength(1);
      expect(res.errors![0]!.extensions).toMatchObject({
        code: 'UPSTREAM_UNAVAILABLE',
        upstream: { service: 'identitynow', status: 200, operation: 'oauthToken' },
      });
      expect(res.errors![0]!.message).toBe(
        'The identitynow token endpoint answered an access token that is not one token of printable ASCII without spaces, 8 to 8192 characters.',
      );
    } finally {
      await granted.close();
      await tokens.close();
    }
  });
});

describe('an upstream that redirects to another host', () => {
  // Following would hand the Authorization header, or the token request's client secret, to that host.
  const redirectTo = (elsewhere: Stub) => (req: RecordedRequest, res: ServerResponse) => {
    res.writeHead(307, { location: `${elsewhere.origin}${req.url}` });
    res.end();
  };

  it('the API: UPSTREAM_ERROR for a read and a write, and the other host receives nothing', async () => {
    const elsewhere = await startStub((_req, res) => json(res, 200, identityNowClient()));
    upstream.handle(redirectTo(elsewhere));
    try {
      const read = await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
      const write = await gateway.gql(PATCH_IDN);
      for (const res of [read, write]) {
        expect(res.errors![0]).toMatchObject({
          message: 'identitynow answered with a redirect (307), which the gateway does not follow.',
          extensions: { code: 'UPSTREAM_ERROR', upstream: { service: 'identitynow', status: 307 } },
        });
      }
      expect(upstream.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
      expect(elsewhere.requests).toHaveLength(0);
    } finally {
      await elsewhere.close();
    }
  });

  it('the token endpoint: UPSTREAM_UNAVAILABLE, the client secret goes nowhere else, nothing goes to the API', async () => {
    const elsewhere = await startStub((_req, res) => json(res, 200, { access_token: 'idn-granted-elsewhere', expires_in: 3600 }));
    const tokens = await startStub(redirectTo(elsewhere));
    const granted = await grantingGateway(tokens);
    try {
      const res = await granted.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
      expect(res.errors![0]).toMatchObject({
        message: 'The identitynow token endpoint answered HTTP 307 instead of a token.',
        extensions: { code: 'UPSTREAM_UNAVAILABLE', upstream: { status: 307, operation: 'oauthToken' } },
      });
      expect(tokens.requests).toHaveLength(1);
      expect(elsewhere.requests).toHaveLength(0);
      expect(upstream.requests).toHaveLength(0);
    } finally {
      await granted.close();
      await tokens.close();
      await elsewhere.close();
    }
  });
});

describe('an upstream that quotes a secret a write sent', () => {
  // The caller's consumer secret, a client secret it sets, or the one the gateway made for a rotation:
  // an error that quotes the request body must not carry it back out.
  const answerTo = (req: RecordedRequest) => (req.url.endsWith('/admin/version/') ? { version_current: '2026.2.0' } : authentikProvider());
  const quoting = (status: number) => (req: RecordedRequest, res: ServerResponse) => {
    const body = JSON.parse(req.body) as Record<string, unknown>;
    const [member, value] = Object.entries(body).find(([name]) => name.endsWith('_secret'))!;
    json(res, status, { [member]: [`"${String(value)}" is not accepted (sent as ${encodeURIComponent(String(value))})`] });
  };

  it.each<[string, string, string]>([
    [
      'updateOAuth2Provider',
      'updateOAuth2Provider(id: "6", input: { clientSecret: "ak-set-secret-71d2e9" }) { id }',
      'ak-set-secret-71d2e9',
    ],
    [
      'patchOAuth2Provider',
      'patchOAuth2Provider(id: "6", ops: [{ op: ADD, path: "/client_secret", value: "ak-patched-secret-3b8c" }]) { id }',
      'ak-patched-secret-3b8c',
    ],
    [
      'createOAuthSource',
      'createOAuthSource(input: { name: "S", slug: "s-echo", providerType: GITHUB, consumerKey: "k", consumerSecret: "gh-consumer-secret-5a7f" }) { slug }',
      'gh-consumer-secret-5a7f',
    ],
  ])('%s: the secret reads REDACTED in the error, the rest of it is kept', async (_name, mutation, secret) => {
    upstream.handle((req, res) => {
      if (req.method === 'GET') return json(res, 200, answerTo(req));
      return quoting(400)(req, res);
    });
    const res = await gateway.gql(`mutation { ${mutation} }`, undefined, { 'X-Authentik-Token': 'ak-caller-token-1' });
    const write = upstream.requests.find((r) => r.method !== 'GET');
    expect(write?.body).toContain(secret);
    expect(JSON.stringify(res)).not.toContain(secret);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { service: 'authentik', status: 400 } });
    expect(res.errors![0]!.extensions!.fieldErrors[0].messages).toEqual(['"[REDACTED]" is not accepted (sent as [REDACTED])']);
  });

  it('rotateOAuth2ProviderSecret: the secret the gateway made is not in the error of a refused rotation', async () => {
    upstream.handle((req, res) => {
      if (req.method === 'GET') return json(res, 200, answerTo(req));
      return quoting(500)(req, res);
    });
    const res = await gateway.gql('mutation { rotateOAuth2ProviderSecret(id: "6") { clientSecret } }');
    const sent = (JSON.parse(upstream.requests.find((r) => r.method === 'PATCH')!.body) as { client_secret: string }).client_secret;
    expect(sent).toMatch(/^[A-Za-z0-9]{128}$/);
    expect(JSON.stringify(res)).not.toContain(sent);
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { status: 500 } });
  });

  it('a create answered 201 still shows the client secret the caller set', async () => {
    upstream.handle((req, res) => {
      if (req.method === 'GET') return json(res, 200, answerTo(req));
      const body = JSON.parse(req.body) as Record<string, unknown>;
      return json(res, 201, authentikProvider({ ...body, pk: 7 }));
    });
    const res = await gateway.gql(
      'mutation { createOAuth2Provider(input: { name: "Set", authorizationFlow: "046b6c7f-0b8a-43b9-b35d-6489e6daee91", invalidationFlow: "046b6c7f-0b8a-43b9-b35d-6489e6daee92", redirectUriRules: [{ matchingMode: STRICT, url: "https://set.example.com/cb" }], clientSecret: "ak-chosen-secret-6e1f" }) { clientSecret provider { id } } }',
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.createOAuth2Provider).toEqual({ clientSecret: 'ak-chosen-secret-6e1f', provider: { id: '7' } });
  });
});
