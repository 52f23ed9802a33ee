import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { authentikSource } from './fixtures/upstream-bodies.js';

const READ_KEY = 'read-only-key-5d6c0e9a7b1f2a3c';
const FULL_KEY = 'read-write-key-8f1e2d3c4b5a6978';
const ISSUER = 'https://idp.example.com/';
const AUDIENCE = 'oauth-gateway';
const KID = 'test-key-1';

const QUERY = `{ oauthSource(slug: "github") { slug } }`;
const AUDIT_QUERY = `{ auditEvents { nodes { id } } }`;
const MUTATION = `mutation { updateOAuthSource(slug: "github", input: { enabled: false }) { slug } }`;

let ak: Stub;
let jwksServer: Server;
let jwksUrl: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let keysOnly: RunningGateway;
let keysAndJwt: RunningGateway;

beforeAll(async () => {
  ak = await startStub((_req, res) => json(res, 200, authentikSource()));
  const pair = await generateKeyPair('ES256', { extractable: true });
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  jwksServer = createServer((_req, res) => {
    const body = JSON.stringify({ keys: [jwk] });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
  await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
  jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;

  const upstream = { AUTHENTIK_URL: `${ak.origin}/api/v3`, AUTHENTIK_TOKEN: 'ak-token-auth-suite-1', GATEWAY_ALLOW_ANONYMOUS: 'false' };
  keysOnly = await startGateway({ ...upstream, GATEWAY_API_KEYS: `${READ_KEY}:oauth-gateway:read, ${FULL_KEY}` });
  keysAndJwt = await startGateway({
    ...upstream,
    GATEWAY_API_KEYS: FULL_KEY,
    GATEWAY_JWKS_URL: jwksUrl,
    GATEWAY_JWT_ISSUER: ISSUER,
    GATEWAY_JWT_AUDIENCE: AUDIENCE,
  });
});

afterAll(async () => {
  await Promise.all([keysOnly?.close(), keysAndJwt?.close()]);
  jwksServer?.closeAllConnections();
  await new Promise<void>((resolve) => (jwksServer ? jwksServer.close(() => resolve()) : resolve()));
  await ak?.close();
});

beforeEach(() => {
  ak.requests.length = 0;
});

async function call(gateway: RunningGateway, query: string, headers: Record<string, string>) {
  const res = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  return { status: res.status, headers: res.headers, ...body };
}

function token(claims: JWTPayload, options: { key?: CryptoKey; kid?: string; expiresIn?: string | null } = {}): Promise<string> {
  let jwt = new SignJWT({ ...claims }).setProtectedHeader({ alg: 'ES256', kid: options.kid ?? KID }).setIssuedAt();
  if (!('iss' in claims)) jwt = jwt.setIssuer(ISSUER);
  if (!('aud' in claims)) jwt = jwt.setAudience(AUDIENCE);
  if (options.expiresIn !== null) jwt = jwt.setExpirationTime(options.expiresIn ?? '5m');
  return jwt.sign(options.key ?? signingKey);
}

function expectRefused(res: Awaited<ReturnType<typeof call>>, code: 'UNAUTHENTICATED' | 'FORBIDDEN', message?: RegExp) {
  expect(res.status).toBe(code === 'UNAUTHENTICATED' ? 401 : 403);
  expect(res.errors, JSON.stringify(res)).toHaveLength(1);
  expect(res.errors![0]!.extensions?.code).toBe(code);
  if (message) expect(res.errors![0]!.message).toMatch(message);
  expect(res.data ?? null).toBeNull();
  expect(ak.requests).toHaveLength(0);
}

describe('API keys (X-API-Key)', () => {
  it('no credential: UNAUTHENTICATED, 401 with a challenge, nothing sent upstream', async () => {
    const res = await call(keysOnly, QUERY, {});
    expectRefused(res, 'UNAUTHENTICATED', /needs a credential/);
    expect(res.headers.get('www-authenticate')).toContain('ApiKey');
  });

  it('a wrong key, and a key one character off: UNAUTHENTICATED', async () => {
    expectRefused(await call(keysOnly, QUERY, { 'x-api-key': 'not-a-key-at-all-0000000000' }), 'UNAUTHENTICATED', /not valid/);
    expectRefused(await call(keysOnly, QUERY, { 'x-api-key': `${FULL_KEY.slice(0, -1)}9` }), 'UNAUTHENTICATED');
    expectRefused(await call(keysOnly, QUERY, { 'x-api-key': `${FULL_KEY}:oauth-gateway:write` }), 'UNAUTHENTICATED');
  });

  it('a read-only key reads, and is FORBIDDEN to write before any upstream call', async () => {
    const read = await call(keysOnly, QUERY, { 'x-api-key': READ_KEY });
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ oauthSource: { slug: 'github' } });
    expect(ak.requests).toHaveLength(1);
    ak.requests.length = 0;
    expectRefused(await call(keysOnly, MUTATION, { 'x-api-key': READ_KEY }), 'FORBIDDEN', /oauth-gateway:write/);
  });

  it('a key listed without scopes reads and writes', async () => {
    const res = await call(keysOnly, MUTATION, { 'x-api-key': FULL_KEY });
    expect(res.errors).toBeUndefined();
    expect(ak.requests.map((r) => r.method)).toEqual(['PATCH']);
    // The caller's key is the gateway's business: the upstream gets the gateway's own token only.
    expect(JSON.stringify(ak.requests[0]!.headers)).not.toContain(FULL_KEY);
  });

  it('a bearer token where only API keys are configured: UNAUTHENTICATED', async () => {
    expectRefused(
      await call(keysOnly, QUERY, { authorization: `Bearer ${await token({ scope: 'oauth-gateway:read' })}` }),
      'UNAUTHENTICATED',
      /API key/,
    );
  });
});

describe('bearer JWTs verified against the JWKS', () => {
  it('a token with both scopes writes', async () => {
    const res = await call(keysAndJwt, MUTATION, {
      authorization: `Bearer ${await token({ sub: 'ops-bot', scope: 'oauth-gateway:read oauth-gateway:write' })}`,
    });
    expect(res.errors).toBeUndefined();
    expect(ak.requests.map((r) => r.method)).toEqual(['PATCH']);
    expect(ak.requests[0]!.headers.authorization).toBe('Bearer ak-token-auth-suite-1');
  });

  it('scp as a list is read too: read-only reads and may not write', async () => {
    const bearer = `Bearer ${await token({ scp: ['oauth-gateway:read', 'profile'] })}`;
    const read = await call(keysAndJwt, QUERY, { authorization: bearer });
    expect(read.errors).toBeUndefined();
    ak.requests.length = 0;
    expectRefused(await call(keysAndJwt, MUTATION, { authorization: bearer }), 'FORBIDDEN');
  });

  it('the audit scope in a token reads the audit trail, and nothing else; read does not read the trail', async () => {
    const audit = `Bearer ${await token({ sub: 'auditor', scp: 'oauth-gateway:audit' })}`;
    // Past the scope check: this gateway keeps no trail, which is the error it answers.
    const trail = await call(keysAndJwt, AUDIT_QUERY, { authorization: audit });
    expect(trail.errors?.map((e) => e.extensions?.code)).toEqual(['AUDIT_UNAVAILABLE']);
    expectRefused(await call(keysAndJwt, QUERY, { authorization: audit }), 'FORBIDDEN', /oauth-gateway:read/);
    const reader = `Bearer ${await token({ scope: 'oauth-gateway:read oauth-gateway:write' })}`;
    expectRefused(await call(keysAndJwt, AUDIT_QUERY, { authorization: reader }), 'FORBIDDEN', /oauth-gateway:audit/);
  });

  it('a valid token without a gateway scope: FORBIDDEN, even to read', async () => {
    expectRefused(
      await call(keysAndJwt, QUERY, { authorization: `Bearer ${await token({ scope: 'openid email' })}` }),
      'FORBIDDEN',
      /oauth-gateway:read/,
    );
  });

  it('API keys still work beside JWTs', async () => {
    const res = await call(keysAndJwt, QUERY, { 'x-api-key': FULL_KEY });
    expect(res.errors).toBeUndefined();
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['another audience', () => token({ aud: 'some-other-app', scope: 'oauth-gateway:read' }), /"aud" claim/],
    ['another issuer', () => token({ iss: 'https://evil.example/', scope: 'oauth-gateway:read' }), /"iss" claim/],
    ['expired', () => token({ scope: 'oauth-gateway:read', exp: Math.floor(Date.now() / 1000) - 600 }, { expiresIn: null }), /expired/],
    ['no exp claim', () => token({ scope: 'oauth-gateway:read' }, { expiresIn: null }), /"exp" claim/],
    ['signed by a key outside the JWKS, under its kid', () => token({ scope: 'oauth-gateway:read' }, { key: strangerKey }), /not valid/],
    ['a kid the JWKS does not have', () => token({ scope: 'oauth-gateway:read' }, { kid: 'unknown' }), /not valid/],
    [
      'unsigned (alg none)',
      async () =>
        new UnsecuredJWT({ scope: 'oauth-gateway:read oauth-gateway:write' })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .encode(),
      /not valid/,
    ],
    [
      'HS256 with a guessed secret',
      () =>
        new SignJWT({ scope: 'oauth-gateway:read' })
          .setProtectedHeader({ alg: 'HS256', kid: KID })
          .setIssuer(ISSUER)
          .setAudience(AUDIENCE)
          .setExpirationTime('5m')
          .sign(new TextEncoder().encode('a-guessed-shared-secret-of-32-bytes!')),
      /not valid/,
    ],
    ['not a JWT', async () => 'definitely.not.ajwt', /not valid/],
  ];

  for (const [name, make, message] of refusals) {
    it(`${name}: UNAUTHENTICATED, nothing sent upstream`, async () => {
      const res = await call(keysAndJwt, MUTATION, { authorization: `Bearer ${await make()}` });
      expectRefused(res, 'UNAUTHENTICATED', message);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    });
  }

  it('an Authorization header that is not Bearer, or both credentials at once: UNAUTHENTICATED', async () => {
    expectRefused(
      await call(keysAndJwt, QUERY, { authorization: `Basic ${Buffer.from('admin:admin').toString('base64')}` }),
      'UNAUTHENTICATED',
      /Bearer/,
    );
    expectRefused(
      await call(keysAndJwt, QUERY, { 'x-api-key': FULL_KEY, authorization: `Bearer ${await token({ scope: 'oauth-gateway:read' })}` }),
      'UNAUTHENTICATED',
      /not both/,
    );
  });

  it('a JWKS that cannot be reached refuses every token, and the gateway keeps serving', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/jwks.json`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const gateway = await startGateway({
      AUTHENTIK_URL: `${ak.origin}/api/v3`,
      AUTHENTIK_TOKEN: 'ak-token-auth-suite-1',
      GATEWAY_JWKS_URL: deadUrl,
      GATEWAY_JWT_ISSUER: ISSUER,
      GATEWAY_JWT_AUDIENCE: AUDIENCE,
    });
    try {
      expectRefused(
        await call(gateway, QUERY, { authorization: `Bearer ${await token({ scope: 'oauth-gateway:read' })}` }),
        'UNAUTHENTICATED',
        /could not be verified/,
      );
      const health = await fetch(gateway.url.replace('/graphql', '/health'));
      expect(health.status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});
