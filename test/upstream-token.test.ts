import type { ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { identityNowClient, IDN_ID } from './fixtures/upstream-bodies.js';
import { closedPort } from './helpers/ports.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, text, type RecordedRequest, type Stub } from './helpers/stub.js';

// IdentityNow with the client credentials grant. The token endpoint lives on its own origin, as it
// may in production (IDENTITYNOW_TOKEN_URL), so a token request sent to the API's pool would show.
const CLIENT_ID = 'idn-client-2f1d';
const CLIENT_SECRET = 'idn-secret-9a7c5e';

const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

let api: Stub;
let tokens: Stub;
/** Tokens the API accepts; the token endpoint issues granted-tok-1, granted-tok-2, … */
let valid: Set<string>;
let issued: number;
let tokenHandler: (req: RecordedRequest, res: ServerResponse) => void | Promise<void>;
let gateway: RunningGateway | undefined;
let clockOffsetMs: number;

const issue = (res: ServerResponse, expiresIn = 3600) => {
  const token = `granted-tok-${++issued}`;
  valid.add(token);
  json(res, 200, { access_token: token, token_type: 'bearer', expires_in: expiresIn });
};

beforeAll(async () => {
  tokens = await startStub((req, res) => tokenHandler(req, res));
  api = await startStub((req, res) => {
    const token = req.headers.authorization?.replace(/^Bearer /, '');
    if (!token || !valid.has(token)) return json(res, 401, { error: 'JWT validation failed: JWT is expired' });
    const id = decodeURIComponent(req.url.split('/').pop()!);
    return json(res, 200, identityNowClient({ id, name: 'x' }));
  });
});

afterAll(async () => {
  await Promise.all([api.close(), tokens.close()]);
});

beforeEach(async () => {
  api.requests.length = 0;
  tokens.requests.length = 0;
  logLines.length = 0;
  valid = new Set();
  issued = 0;
  clockOffsetMs = 0;
  tokenHandler = (_req, res) => issue(res);
});

afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
});

/** A gateway with a cold token cache, whose clock the test can move forward. */
async function coldGateway(env: Record<string, string> = {}) {
  gateway = await startGateway(
    {
      IDENTITYNOW_URL: `${api.origin}/beta`,
      IDENTITYNOW_CLIENT_ID: CLIENT_ID,
      IDENTITYNOW_CLIENT_SECRET: CLIENT_SECRET,
      IDENTITYNOW_TOKEN_URL: `${tokens.origin}/oauth/token`,
      UPSTREAM_RETRY_BACKOFF_MS: '1',
      ...env,
    },
    { clock: { now: () => Date.now() + clockOffsetMs } },
  );
  return gateway;
}

const patch = (id = IDN_ID) => `mutation { patchOAuthClient(id: "${id}", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id name } }`;
const patches = () => api.requests.filter((r) => r.method === 'PATCH');
const bearer = (r: RecordedRequest) => r.headers.authorization;

function expectNoSecret(body: unknown) {
  const textBody = JSON.stringify(body);
  expect(textBody).not.toContain(CLIENT_SECRET);
  for (const line of logLines) expect(line).not.toContain(CLIENT_SECRET);
}

describe('the client credentials grant', () => {
  it('fetches a token on first use, sends it as a bearer token, and keeps it for the next calls', async () => {
    const gw = await coldGateway();
    for (let i = 0; i < 3; i++) expect((await gw.gql(patch())).errors).toBeUndefined();
    expect(tokens.requests).toHaveLength(1);
    const [tokenRequest] = tokens.requests;
    expect(tokenRequest).toMatchObject({ method: 'POST', url: '/oauth/token' });
    expect(tokenRequest!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(tokenRequest!.body))).toEqual({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
    });
    expect(patches().map(bearer)).toEqual(['Bearer granted-tok-1', 'Bearer granted-tok-1', 'Bearer granted-tok-1']);
    expect(api.requests.some((r) => r.url.includes('oauth/token'))).toBe(false);
  });

  it('renews a token shortly before expires_in runs out, before the upstream refuses it', async () => {
    const gw = await coldGateway();
    expect((await gw.gql(patch())).errors).toBeUndefined();
    clockOffsetMs = 3500_000; // 100 s left of 3600: still used
    expect((await gw.gql(patch())).errors).toBeUndefined();
    clockOffsetMs = 3570_000; // 30 s left: inside the renewal margin
    expect((await gw.gql(patch())).errors).toBeUndefined();
    expect(tokens.requests).toHaveLength(2);
    expect(patches().map(bearer)).toEqual(['Bearer granted-tok-1', 'Bearer granted-tok-1', 'Bearer granted-tok-2']);
    expect(api.requests.every((r) => r.method === 'PATCH')).toBe(true);
  });

  it('a token the upstream stops accepting mid-run: 401, one new token, the PATCH sent once more and applied', async () => {
    const gw = await coldGateway();
    expect((await gw.gql(patch())).errors).toBeUndefined();
    valid.delete('granted-tok-1'); // expired or revoked on the vendor's side before the gateway expected
    const res = await gw.gql(patch());
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ patchOAuthClient: { id: IDN_ID, name: 'x' } });
    expect(tokens.requests).toHaveLength(2);
    expect(patches().map(bearer)).toEqual(['Bearer granted-tok-1', 'Bearer granted-tok-1', 'Bearer granted-tok-2']);
    // The next call uses the new token straight away.
    expect((await gw.gql(patch())).errors).toBeUndefined();
    expect(patches().map(bearer).at(-1)).toBe('Bearer granted-tok-2');
    expect(tokens.requests).toHaveLength(2);
  });

  it('20 concurrent mutations whose token is revoked: one renewal for all, no PATCH sent more than once per token', async () => {
    const gw = await coldGateway();
    expect((await gw.gql(patch())).errors).toBeUndefined();
    valid.delete('granted-tok-1');
    api.requests.length = 0;
    const ids = Array.from({ length: 20 }, (_, i) => `2c9180835d2e5168015d32f890cb${String(i).padStart(4, '0')}`);
    const results = await Promise.all(ids.map((id) => gw.gql(patch(id))));
    expect(results.filter((r) => r.errors !== undefined)).toEqual([]);
    expect(tokens.requests).toHaveLength(2);
    const byId = new Map<string, Array<string | undefined>>();
    for (const r of patches()) byId.set(r.url, [...(byId.get(r.url) ?? []), bearer(r)]);
    expect(byId.size).toBe(20);
    // Sent with the revoked token and refused, then once with the new one; or, started after the renewal, with the new one only.
    const patterns = new Set([...byId.values()].map((sentWith) => sentWith.join(' → ')));
    expect(patterns.has('Bearer granted-tok-1 → Bearer granted-tok-2')).toBe(true);
    for (const pattern of patterns) expect(['Bearer granted-tok-1 → Bearer granted-tok-2', 'Bearer granted-tok-2']).toContain(pattern);
  });

  it('401 again with the new token: UNAUTHENTICATED after exactly one renewal and one resend', async () => {
    const gw = await coldGateway();
    tokenHandler = (_req, res) => json(res, 200, { access_token: `never-valid-${++issued}`, expires_in: 3600 });
    const res = await gw.gql(patch());
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: { service: 'identitynow', status: 401 } });
    expect(tokens.requests).toHaveLength(2);
    expect(patches().map(bearer)).toEqual(['Bearer never-valid-1', 'Bearer never-valid-2']);
  });

  it('100 concurrent mutations on a cold token share one token request, and each PATCH is sent once', async () => {
    const gw = await coldGateway();
    // The token endpoint answers only once all 100 GraphQL requests have reached the gateway.
    let releaseToken!: () => void;
    const allArrived = new Promise<void>((resolve) => (releaseToken = resolve));
    void gw.received(100).then(releaseToken);
    tokenHandler = async (_req, res) => {
      await allArrived;
      issue(res);
    };
    const ids = Array.from({ length: 100 }, (_, i) => `2c9180835d2e5168015d32f890ca${String(i).padStart(4, '0')}`);
    const results = await Promise.all(ids.map((id) => gw.gql(patch(id))));
    expect(results.filter((r) => r.errors !== undefined)).toEqual([]);
    expect(results.map((r) => r.data?.patchOAuthClient.id).sort()).toEqual([...ids].sort());
    expect(tokens.requests).toHaveLength(1);
    expect(patches()).toHaveLength(100);
    expect(new Set(patches().map((r) => r.url)).size).toBe(100);
    expect(new Set(patches().map(bearer))).toEqual(new Set(['Bearer granted-tok-1']));
  });
});

describe('a token endpoint that fails', () => {
  it('down (connection refused): UPSTREAM_UNAVAILABLE after 3 attempts, nothing sent to the API', async () => {
    const port = await closedPort();
    const gw = await coldGateway({ IDENTITYNOW_TOKEN_URL: `http://127.0.0.1:${port}/oauth/token` });
    const res = await gw.gql(patch());
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UPSTREAM_UNAVAILABLE',
      retryAfter: 1,
      upstream: { service: 'identitynow', operation: 'oauthToken' },
    });
    expect(res.errors?.[0]?.message).toBe('The identitynow token endpoint could not be reached, so no request was sent to identitynow.');
    expect(logLines.filter((line) => JSON.parse(line).msg === 'upstream call retried')).toHaveLength(2);
    expect(api.requests).toHaveLength(0);
    expectNoSecret(res);
  });

  it('refusing the client credentials (401 invalid_client): UNAUTHENTICATED, its free text not echoed', async () => {
    const gw = await coldGateway();
    tokenHandler = (_req, res) => json(res, 401, { error: 'invalid_client', error_description: `client_secret ${CLIENT_SECRET} is wrong` });
    const res = await gw.gql(patch());
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'UNAUTHENTICATED',
      upstream: { service: 'identitynow', status: 401, operation: 'oauthToken' },
    });
    expect(res.errors?.[0]?.message).toBe('The identitynow token endpoint refused the configured client credentials (invalid_client).');
    expect(tokens.requests).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
    expectNoSecret(res);
  });

  it('503 on every attempt: UPSTREAM_UNAVAILABLE after 3 attempts, with retryAfter', async () => {
    const gw = await coldGateway();
    tokenHandler = (_req, res) => json(res, 503, {});
    const res = await gw.gql(patch());
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfter: 1, upstream: { status: 503 } });
    expect(res.errors?.[0]?.message).toBe('The identitynow token endpoint answered HTTP 503 instead of a token.');
    expect(tokens.requests).toHaveLength(3);
    expect(api.requests).toHaveLength(0);
  });

  it('an HTML page instead of a token: UPSTREAM_UNAVAILABLE, and the next call asks again', async () => {
    const gw = await coldGateway();
    tokenHandler = (_req, res) => text(res, 200, '<html><body>Maintenance</body></html>', 'text/html');
    const res = await gw.gql(patch());
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', upstream: { status: 200, operation: 'oauthToken' } });
    expect(res.errors?.[0]?.message).toBe('The identitynow token endpoint answered without an access token.');
    tokenHandler = (_req, res) => issue(res);
    expect((await gw.gql(patch())).errors).toBeUndefined();
    expect(tokens.requests).toHaveLength(2);
    expect(patches()).toHaveLength(1);
  });
});
