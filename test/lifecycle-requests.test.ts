import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { identityNowClient, identityNowError, IDN_ID, launchDarklyClient, LD_ID } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';

// Creates and deletes as each spec describes them (method, path, content type, credential, body),
// and every error status each spec lists mapped to its code. Each upstream has its own stub.
const SECRETS = { identitynow: 'idn-token-life-3c9d', launchdarkly: 'api-ld-life-77a0' };
const CREATED_SECRET = 'vendor-made-secret-5e1f0a2b9c';

const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

let idn: Stub;
let ld: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  idn = await startStub();
  ld = await startStub();
  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: SECRETS.identitynow,
    LAUNCHDARKLY_URL: ld.origin,
    LAUNCHDARKLY_API_KEY: SECRETS.launchdarkly,
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([idn.close(), ld.close()]);
  const all = logLines.join('\n');
  for (const secret of [...Object.values(SECRETS), CREATED_SECRET]) expect(all).not.toContain(secret);
});

beforeEach(() => {
  idn.requests.length = 0;
  ld.requests.length = 0;
});

const IDN_CREATE = `mutation { createOAuthClient(input: {
  name: "Reporting", description: null, accessTokenValiditySeconds: 900, grantTypes: [CLIENT_CREDENTIALS],
  accessType: ONLINE, enabled: true, scope: ["sp:search:read"], type: CONFIDENTIAL
}) { secret client { id name description scope } } }`;
const LD_CREATE = `mutation { createLaunchDarklyOAuthClient(input: { name: "Deploy bot", redirectUri: "https://deploy.example.com/cb" }) { secret client { id name redirectUri } } }`;

describe('identitynow', () => {
  it('POST /oauth-clients: CreateOAuthClientRequest as JSON, bearer token; the 200 answer with the secret', async () => {
    idn.handle((_req, res) =>
      json(res, 200, { ...identityNowClient({ name: 'Reporting', description: null, scope: ['sp:search:read'] }), secret: CREATED_SECRET }),
    );
    const res = await gateway.gql(IDN_CREATE);
    expect(res.errors).toBeUndefined();
    expect(res.data.createOAuthClient).toEqual({
      secret: CREATED_SECRET,
      client: { id: IDN_ID, name: 'Reporting', description: null, scope: ['sp:search:read'] },
    });
    const [req] = idn.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/beta/oauth-clients' });
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(`Bearer ${SECRETS.identitynow}`);
    // Exactly the fields given, null kept where the spec allows it.
    expect(JSON.parse(req!.body)).toEqual({
      name: 'Reporting',
      description: null,
      accessTokenValiditySeconds: 900,
      grantTypes: ['CLIENT_CREDENTIALS'],
      accessType: 'ONLINE',
      enabled: true,
      scope: ['sp:search:read'],
      type: 'CONFIDENTIAL',
    });
  });

  it('DELETE /oauth-clients/{id}: 204', async () => {
    idn.handle((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const res = await gateway.gql(`mutation { deleteOAuthClient(id: "${IDN_ID}") { service id } }`);
    expect(res.data.deleteOAuthClient).toEqual({ service: 'IDENTITYNOW', id: IDN_ID });
    expect(idn.requests.map((r) => `${r.method} ${r.url} ${r.headers.authorization}`)).toEqual([
      `DELETE /beta/oauth-clients/${IDN_ID} Bearer ${SECRETS.identitynow}`,
    ]);
  });

  it.each([
    [400, 'BAD_USER_INPUT'],
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [429, 'RATE_LIMITED'],
    [500, 'UPSTREAM_ERROR'],
  ])('%i → %s, on create and on delete, each sent once', async (status, code) => {
    idn.handle((_req, res) =>
      json(res, status, status === 401 ? { error: 'JWT validation failed' } : identityNowError(`${status}`, `refused with ${status}`)),
    );
    for (const mutation of [IDN_CREATE, `mutation { deleteOAuthClient(id: "${IDN_ID}") { id } }`]) {
      const res = await gateway.gql(mutation);
      expect(res.errors![0]!.extensions).toMatchObject({ code, upstream: { service: 'identitynow', status } });
    }
    expect(idn.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });

  it('a create refused by the spec before any call: a required member missing, a wrong type, a code grant without a redirect URI', async () => {
    for (const input of [
      'name: "x", accessTokenValiditySeconds: 1, grantTypes: [CLIENT_CREDENTIALS], accessType: ONLINE, enabled: true',
      'name: "x", description: "d", accessTokenValiditySeconds: 3000000000, grantTypes: [CLIENT_CREDENTIALS], accessType: ONLINE, enabled: true',
      'name: "x", description: "d", accessTokenValiditySeconds: 1, grantTypes: [AUTHORIZATION_CODE], accessType: ONLINE, enabled: true',
    ]) {
      const res = await gateway.gql(`mutation { createOAuthClient(input: { ${input} }) { secret } }`);
      expect(res.errors![0]!.extensions!.code).toMatch(/BAD_USER_INPUT|GRAPHQL_VALIDATION_FAILED/);
    }
    const missing = await gateway.gql(
      'mutation { createOAuthClient(input: { name: "x", accessTokenValiditySeconds: 1, grantTypes: [CLIENT_CREDENTIALS], accessType: ONLINE, enabled: true }) { secret } }',
    );
    expect(missing.errors![0]!.extensions!.fieldErrors).toEqual([{ field: 'input.description', messages: ['is required.'] }]);
    expect(idn.requests).toHaveLength(0);
  });
});

describe('launchdarkly', () => {
  it('POST /api/v2/oauth/clients: oauthClientPost as JSON, the bare key, the API version pinned; 201 with _clientSecret', async () => {
    ld.handle((_req, res) =>
      json(
        res,
        201,
        launchDarklyClient({ name: 'Deploy bot', redirectUri: 'https://deploy.example.com/cb', _clientSecret: CREATED_SECRET }),
      ),
    );
    const res = await gateway.gql(LD_CREATE);
    expect(res.data.createLaunchDarklyOAuthClient).toEqual({
      secret: CREATED_SECRET,
      client: { id: LD_ID, name: 'Deploy bot', redirectUri: 'https://deploy.example.com/cb' },
    });
    const [req] = ld.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/api/v2/oauth/clients' });
    expect(req!.headers).toMatchObject({
      authorization: SECRETS.launchdarkly,
      'content-type': 'application/json',
      'ld-api-version': '20240415',
    });
    expect(JSON.parse(req!.body)).toEqual({ name: 'Deploy bot', redirectUri: 'https://deploy.example.com/cb' });
  });

  it('DELETE /api/v2/oauth/clients/{clientId}: 204', async () => {
    ld.handle((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const res = await gateway.gql(`mutation { deleteLaunchDarklyOAuthClient(id: "${LD_ID}") { service id } }`);
    expect(res.data.deleteLaunchDarklyOAuthClient).toEqual({ service: 'LAUNCHDARKLY', id: LD_ID });
    expect(ld.requests.map((r) => `${r.method} ${r.url}`)).toEqual([`DELETE /api/v2/oauth/clients/${LD_ID}`]);
  });

  it.each([
    [400, 'BAD_USER_INPUT'],
    [401, 'UNAUTHENTICATED'],
    [403, 'FORBIDDEN'],
    [404, 'NOT_FOUND'],
    [409, 'CONFLICT'],
    [429, 'RATE_LIMITED'],
  ])('%i → %s, on create and on delete', async (status, code) => {
    ld.handle((_req, res) => json(res, status, { code: 'refused', message: `refused with ${status}` }));
    for (const mutation of [LD_CREATE, `mutation { deleteLaunchDarklyOAuthClient(id: "${LD_ID}") { id } }`]) {
      const res = await gateway.gql(mutation);
      expect(res.errors![0]!.extensions).toMatchObject({ code, upstream: { service: 'launchdarkly', status } });
    }
    expect(ld.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });

  it('a redirect URI that is not an absolute URL is refused before any call', async () => {
    const res = await gateway.gql('mutation { createLaunchDarklyOAuthClient(input: { name: "x", redirectUri: "/relative" }) { secret } }');
    expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'input.redirectUri' }] });
    expect(ld.requests).toHaveLength(0);
  });
});

it('a created answer that lacks its secret is UPSTREAM_ERROR, not a client without one', async () => {
  idn.handle((_req, res) => json(res, 200, { ...identityNowClient(), secret: null }));
  const res = await gateway.gql(IDN_CREATE);
  expect(res.errors![0]!.extensions).toMatchObject({ code: 'UPSTREAM_ERROR', upstream: { operation: 'createOauthClient' } });
});
