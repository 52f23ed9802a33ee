import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { authentikSource, IDN_ID, identityNowClient, LD_ID } from './fixtures/upstream-bodies.js';

// A run that uses known secrets everywhere a secret can be: upstream tokens, a client secret and the
// access token it buys, the caller's API key and JWT, a per-request credential header, and wrong
// credentials. Every log line it writes is captured and searched for each of them.
const SECRETS = {
  authentikToken: 'ak-secret-token-4c0ffee1',
  launchdarklyKey: 'api-secret-ld-9d8e7f6a',
  identitynowClientSecret: 'idn-client-secret-b1b2b3b4',
  identitynowAccessToken: 'idn-access-token-e5e6e7e8',
  apiKey: 'caller-api-key-a9a8a7a6a5a4',
  wrongApiKey: 'caller-wrong-key-f0f1f2f3f4',
  perRequestHeader: 'ld-per-request-secret-0c0d',
};

const lines: string[] = [];
let idn: Stub;
let ld: Stub;
let ak: Stub;
let jwks: Server;
let gateway: RunningGateway;
let bearer: string;
const requestIds: string[] = [];

beforeAll(async () => {
  configureLog({ sink: (line) => lines.push(line), level: 'debug' });
  idn = await startStub((req, res) => {
    if (req.url === '/oauth/token') json(res, 200, { access_token: SECRETS.identitynowAccessToken, expires_in: 3600 });
    else json(res, 200, identityNowClient());
  });
  ld = await startStub((_req, res) =>
    json(res, 401, { code: 'unauthorized', message: 'Invalid account ID header' }, { 'www-authenticate': 'Bearer' }),
  );
  ak = await startStub((_req, res) => json(res, 200, authentikSource()));

  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
  jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  bearer = await new SignJWT({ scope: 'oauth-gateway:read oauth-gateway:write', sub: 'log-suite' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer('https://idp.example.com/')
    .setAudience('gw')
    .setExpirationTime('5m')
    .sign(privateKey);

  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_CLIENT_ID: 'idn-client-id',
    IDENTITYNOW_CLIENT_SECRET: SECRETS.identitynowClientSecret,
    IDENTITYNOW_TOKEN_URL: `${idn.origin}/oauth/token`,
    LAUNCHDARKLY_URL: ld.origin,
    LAUNCHDARKLY_API_KEY: SECRETS.launchdarklyKey,
    AUTHENTIK_URL: `${ak.origin}/api/v3`,
    AUTHENTIK_TOKEN: SECRETS.authentikToken,
    GATEWAY_API_KEYS: SECRETS.apiKey,
    GATEWAY_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`,
    GATEWAY_JWT_ISSUER: 'https://idp.example.com/',
    GATEWAY_JWT_AUDIENCE: 'gw',
  });
});

afterAll(async () => {
  configureLog({ sink: (line) => process.stdout.write(`${line}\n`), level: 'info' });
  await gateway?.close();
  jwks?.closeAllConnections();
  await new Promise<void>((resolve) => (jwks ? jwks.close(() => resolve()) : resolve()));
  await Promise.all([idn?.close(), ld?.close(), ak?.close()]);
});

async function post(body: unknown, headers: Record<string, string>) {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const id = res.headers.get('x-request-id');
  if (id) requestIds.push(id);
  return { status: res.status, id, text };
}

interface RequestLine {
  level: string;
  msg: string;
  requestId: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  caller?: string;
  operationName?: string;
  operationType?: string;
  errors?: string[];
  upstreamCalls: Array<{ service: string; operation: string; method: string; status?: number; durationMs: number }>;
}

function requestLine(id: string | null): RequestLine {
  const found = lines.map((line) => JSON.parse(line) as RequestLine).filter((line) => line.msg === 'request' && line.requestId === id);
  expect(found, `log lines for request ${id}`).toHaveLength(1);
  return found[0]!;
}

describe('one JSON line per request', () => {
  it('names the request id (echoed as X-Request-Id), the caller, the operation and each upstream call', async () => {
    const res = await post(
      { query: `mutation DisableGithub { updateOAuthSource(slug: "github", input: { enabled: false }) { slug } }` },
      { 'x-api-key': SECRETS.apiKey, 'X-LaunchDarkly-Api-Key': SECRETS.perRequestHeader },
    );
    expect(res.status).toBe(200);
    expect(res.id).toMatch(/^[0-9a-f-]{36}$/);
    const line = requestLine(res.id);
    expect(line).toMatchObject({
      level: 'info',
      method: 'POST',
      path: '/graphql',
      status: 200,
      operationName: 'DisableGithub',
      operationType: 'mutation',
      caller: expect.stringMatching(/^apiKey:[0-9a-f]{8}$/),
      upstreamCalls: [
        { service: 'authentik', operation: 'sources_oauth_partial_update', method: 'PATCH', status: 200, durationMs: expect.any(Number) },
      ],
    });
    expect(line.errors).toBeUndefined();
    expect(line.durationMs).toBeGreaterThanOrEqual(line.upstreamCalls[0]!.durationMs);
  });

  it('records every call of a query that fans out, and the upstream statuses of failures', async () => {
    const res = await post(
      { query: `query Both { oauthClient(id: "${IDN_ID}") { id } launchDarklyOAuthClient(id: "${LD_ID}") { id } }` },
      { authorization: `Bearer ${bearer}` },
    );
    const line = requestLine(res.id);
    expect(line.caller).toBe('jwt:log-suite');
    expect(line.errors).toEqual(['UNAUTHENTICATED']);
    expect([...line.upstreamCalls].sort((a, b) => a.service.localeCompare(b.service))).toEqual([
      { service: 'identitynow', operation: 'getOauthClient', method: 'GET', status: 200, durationMs: expect.any(Number) },
      { service: 'launchdarkly', operation: 'getOAuthClientById', method: 'GET', status: 401, durationMs: expect.any(Number) },
    ]);
  });

  it('logs refused requests too, with their codes and no upstream call', async () => {
    const wrong = await post({ query: '{ oauthSources { slug } }' }, { 'x-api-key': SECRETS.wrongApiKey });
    expect(requestLine(wrong.id)).toMatchObject({ status: 401, errors: ['UNAUTHENTICATED'], upstreamCalls: [] });
    const forged = await post({ query: '{ oauthSources { slug } }' }, { authorization: `Bearer ${bearer.slice(0, -4)}AAAA` });
    expect(requestLine(forged.id)).toMatchObject({ status: 401, errors: ['UNAUTHENTICATED'], upstreamCalls: [] });
    const bad = await post(
      {
        query: 'mutation ($id: ID!) { patchOAuthClient(id: $id, ops: [{ op: REPLACE, path: "/secret", value: "x" }]) { id } }',
        variables: { id: IDN_ID },
      },
      { 'x-api-key': SECRETS.apiKey },
    );
    expect(requestLine(bad.id)).toMatchObject({ operationType: 'mutation', errors: ['BAD_USER_INPUT'], upstreamCalls: [] });
  });

  it('wrote one request line per request, and nothing but JSON', () => {
    const parsed = lines.map((line) => JSON.parse(line) as { msg: string; requestId?: string });
    const logged = parsed.filter((line) => line.msg === 'request').map((line) => line.requestId);
    expect(logged.sort()).toEqual([...requestIds].sort());
    expect(new Set(logged).size).toBe(logged.length);
  });

  it('never logged a credential, token, secret or Authorization value', () => {
    expect(lines.length).toBeGreaterThan(0);
    const forbidden = [...Object.values(SECRETS), bearer, bearer.split('.')[2]!];
    for (const line of lines) {
      for (const secret of forbidden) expect(line).not.toContain(secret);
      expect(line).not.toMatch(/bearer\s/i);
      expect(line.toLowerCase()).not.toContain('authorization');
    }
  });
});
