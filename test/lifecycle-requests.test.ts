import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import {
  authentikProvider,
  authentikSource,
  identityNowClient,
  identityNowError,
  IDN_ID,
  launchDarklyClient,
  LD_ID,
} from './fixtures/upstream-bodies.js';
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

describe('authentik', () => {
  let ak: Stub;
  let akGateway: RunningGateway;
  const TOKEN = 'ak-token-life-6b2e';

  beforeAll(async () => {
    ak = await startStub();
    // The release is given, so no request asks for it.
    akGateway = await startGateway({ AUTHENTIK_URL: `${ak.origin}/api/v3`, AUTHENTIK_TOKEN: TOKEN, AUTHENTIK_API_VERSION: '2026.2' });
  });

  afterAll(async () => {
    await akGateway.close();
    await ak.close();
  });

  beforeEach(() => {
    ak.requests.length = 0;
  });

  const SOURCE_CREATE = `mutation { createOAuthSource(input: { name: "GitLab", slug: "gitlab", providerType: GITLAB, consumerKey: "key", consumerSecret: "${CREATED_SECRET}" }) { slug } }`;

  it('POST /sources/oauth/: OAuthSourceRequest as JSON, the bearer token; the 201 answer', async () => {
    ak.handle((_req, res) => json(res, 201, authentikSource({ slug: 'gitlab', name: 'GitLab', provider_type: 'gitlab' })));
    const res = await akGateway.gql(SOURCE_CREATE);
    expect(res.data.createOAuthSource).toEqual({ slug: 'gitlab' });
    const [req] = ak.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/api/v3/sources/oauth/' });
    expect(req!.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' });
    expect(JSON.parse(req!.body)).toEqual({
      name: 'GitLab',
      slug: 'gitlab',
      provider_type: 'gitlab',
      consumer_key: 'key',
      consumer_secret: CREATED_SECRET,
    });
  });

  it('DELETE /providers/oauth2/{id}/ and /sources/oauth/{slug}/: 204', async () => {
    ak.handle((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const provider = await akGateway.gql('mutation { deleteOAuth2Provider(id: "3") { service id } }');
    const source = await akGateway.gql('mutation { deleteOAuthSource(slug: "github") { service id } }');
    expect([provider.data.deleteOAuth2Provider, source.data.deleteOAuthSource]).toEqual([
      { service: 'AUTHENTIK', id: '3' },
      { service: 'AUTHENTIK', id: 'github' },
    ]);
    expect(ak.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      'DELETE /api/v3/providers/oauth2/3/',
      'DELETE /api/v3/sources/oauth/github/',
    ]);
  });

  it.each([
    [400, { slug: ['Source with this slug already exists.'] }, 'BAD_USER_INPUT'],
    [403, { detail: 'You do not have permission to perform this action.' }, 'FORBIDDEN'],
    [404, { detail: 'Not found.' }, 'NOT_FOUND'],
  ])('%i → its code, on create and on delete', async (status, body, code) => {
    ak.handle((_req, res) => json(res, status, body));
    for (const mutation of [SOURCE_CREATE, 'mutation { deleteOAuthSource(slug: "github") { id } }']) {
      const res = await akGateway.gql(mutation);
      expect(res.errors![0]!.extensions).toMatchObject({ code, upstream: { service: 'authentik', status } });
    }
    expect(ak.requests.map((r) => r.method)).toEqual(['POST', 'DELETE']);
  });

  it('a rotation PATCHes client_secret alone, and answers the secret it wrote', async () => {
    ak.handle((_req, res) => json(res, 200, authentikProvider({ pk: 3 })));
    const res = await akGateway.gql('mutation { rotateOAuth2ProviderSecret(id: "3") { clientSecret provider { id } } }');
    const { clientSecret } = res.data.rotateOAuth2ProviderSecret;
    expect(ak.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /api/v3/providers/oauth2/3/']);
    expect(JSON.parse(ak.requests[0]!.body)).toEqual({ client_secret: clientSecret });
    expect(logLines.join('\n')).not.toContain(clientSecret);
  });
});
