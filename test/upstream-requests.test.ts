import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import {
  AUTHENTIK_BODIES,
  authentikSource,
  identityNowClient,
  IDN_ID,
  launchDarklyClient,
  LD_ID,
  paginated,
} from './fixtures/upstream-bodies.js';

// Each upstream gets its own stub server, so a request that reached the wrong one would be seen.
const SECRETS = {
  identitynow: 'idn-token-7f3a',
  launchdarkly: 'api-ld-key-91c2',
  authentik: 'ak-token-55e0',
};

let idn: Stub;
let ld: Stub;
let ak: Stub;
let gateway: RunningGateway;

beforeAll(async () => {
  idn = await startStub();
  ld = await startStub();
  ak = await startStub();
  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: SECRETS.identitynow,
    LAUNCHDARKLY_URL: ld.origin,
    LAUNCHDARKLY_API_KEY: SECRETS.launchdarkly,
    AUTHENTIK_URL: `${ak.origin}/api/v3/`,
    AUTHENTIK_TOKEN: SECRETS.authentik,
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([idn.close(), ld.close(), ak.close()]);
});

beforeEach(() => {
  for (const stub of [idn, ld, ak]) stub.requests.length = 0;
});

describe('identitynow requests', () => {
  it('PATCH /oauth-clients/{id} with a JSON Patch body, json-patch+json and a bearer token', async () => {
    idn.handle((_req, res) => json(res, 200, identityNowClient({ description: 'New description', enabled: false })));
    const res = await gateway.gql(
      `mutation ($ops: [JsonPatchOperation!]!) { patchOAuthClient(id: "${IDN_ID}", ops: $ops) { id description enabled grantTypes accessType type created } }`,
      {
        ops: [
          { op: 'REPLACE', path: '/description', value: 'New description' },
          { op: 'REPLACE', path: '/enabled', value: false },
          { op: 'ADD', path: '/grantTypes/-', value: 'REFRESH_TOKEN' },
          { op: 'REMOVE', path: '/redirectUris/0' },
          { op: 'COPY', from: '/redirectUris/0', path: '/redirectUris/1' },
        ],
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.patchOAuthClient).toMatchObject({
      id: IDN_ID,
      description: 'New description',
      enabled: false,
      accessType: 'OFFLINE',
      type: 'CONFIDENTIAL',
    });
    expect(idn.requests).toHaveLength(1);
    const [req] = idn.requests;
    expect(req!.method).toBe('PATCH');
    expect(req!.url).toBe(`/beta/oauth-clients/${IDN_ID}`);
    expect(req!.headers['content-type']).toBe('application/json-patch+json');
    expect(req!.headers.accept).toBe('application/json');
    expect(req!.headers.authorization).toBe(`Bearer ${SECRETS.identitynow}`);
    expect(JSON.parse(req!.body)).toEqual([
      { op: 'replace', path: '/description', value: 'New description' },
      { op: 'replace', path: '/enabled', value: false },
      { op: 'add', path: '/grantTypes/-', value: 'REFRESH_TOKEN' },
      { op: 'remove', path: '/redirectUris/0' },
      { op: 'copy', from: '/redirectUris/0', path: '/redirectUris/1' },
    ]);
  });

  it('GET /oauth-clients with filters, and GET /oauth-clients/{id}', async () => {
    idn.handle((req, res) => json(res, 200, req.url.startsWith('/beta/oauth-clients?') ? [identityNowClient()] : identityNowClient()));
    const res = await gateway.gql(
      `{ oauthClients(filters: "lastUsed le 2023-02-05T10:59:27.214Z") { id } oauthClient(id: "${IDN_ID}") { name } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ oauthClients: [{ id: IDN_ID }], oauthClient: { name: 'Demo API Client' } });
    const urls = idn.requests.map((r) => `${r.method} ${r.url}`).sort();
    expect(urls).toEqual([`GET /beta/oauth-clients/${IDN_ID}`, 'GET /beta/oauth-clients?filters=lastUsed+le+2023-02-05T10%3A59%3A27.214Z']);
    for (const req of idn.requests) expect(req.body).toBe('');
  });

  it('percent-encodes the id path parameter', async () => {
    idn.handle((_req, res) => json(res, 200, identityNowClient({ id: 'a:b~c' })));
    const res = await gateway.gql(`{ oauthClient(id: "a:b~c") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(idn.requests[0]!.url).toBe('/beta/oauth-clients/a%3Ab~c');
  });

  it('never serves the client secret and keeps an unknown enum value from failing the response', async () => {
    idn.handle((_req, res) =>
      json(res, 200, identityNowClient({ grantTypes: ['CLIENT_CREDENTIALS', 'DEVICE_CODE'], accessType: 'SOMETIMES', name: undefined })),
    );
    const res = await gateway.gql(`{ oauthClient(id: "${IDN_ID}") { id name grantTypes accessType enabled } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.oauthClient).toEqual({
      id: IDN_ID,
      name: null,
      grantTypes: ['CLIENT_CREDENTIALS', null],
      accessType: null,
      enabled: true,
    });
    expect(JSON.stringify(res)).not.toContain('secret');
  });
});

describe('launchdarkly requests', () => {
  it('PATCH /api/v2/oauth/clients/{clientId} with application/json and the bare access token', async () => {
    ld.handle((_req, res) => json(res, 200, launchDarklyClient({ name: 'Example Client V2' })));
    const res = await gateway.gql(
      `mutation { patchLaunchDarklyOAuthClient(id: "${LD_ID}", ops: [{ op: REPLACE, path: "/name", value: "Example Client V2" }, { op: REMOVE, path: "/description" }]) { id name accountId createdAt redirectUri } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.patchLaunchDarklyOAuthClient).toEqual({
      id: LD_ID,
      name: 'Example Client V2',
      accountId: '5f3a1d2c9b8e7a6f5d4c3b2a',
      createdAt: new Date(1718000000000).toISOString(),
      redirectUri: 'https://deploy.example.com/oauth/callback',
    });
    const [req] = ld.requests;
    expect(req!.method).toBe('PATCH');
    expect(req!.url).toBe(`/api/v2/oauth/clients/${LD_ID}`);
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(SECRETS.launchdarkly);
    expect(req!.headers['ld-api-version']).toBe('20240415');
    expect(JSON.parse(req!.body)).toEqual([
      { op: 'replace', path: '/name', value: 'Example Client V2' },
      { op: 'remove', path: '/description' },
    ]);
  });

  it('GET the collection and one client', async () => {
    ld.handle((req, res) =>
      json(
        res,
        200,
        req.url === '/api/v2/oauth/clients'
          ? { _links: { self: { href: '/api/v2/oauth/clients', type: 'application/json' } }, items: [launchDarklyClient()] }
          : launchDarklyClient(),
      ),
    );
    const res = await gateway.gql(`{ launchDarklyOAuthClients { id name } launchDarklyOAuthClient(id: "${LD_ID}") { id } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ launchDarklyOAuthClients: [{ id: LD_ID, name: 'Example Client' }], launchDarklyOAuthClient: { id: LD_ID } });
    expect(ld.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      `GET /api/v2/oauth/clients`,
      `GET /api/v2/oauth/clients/${LD_ID}`,
    ]);
  });
});

// Each release the gateway is told (AUTHENTIK_API_VERSION), against bodies shaped as that release's spec.
describe.each(Object.entries(AUTHENTIK_BODIES))('authentik %s requests', (release, bodies) => {
  let gateway: RunningGateway;
  const modern = release !== '2024.8.1';

  beforeAll(async () => {
    gateway = await startGateway({
      AUTHENTIK_URL: `${ak.origin}/api/v3/`,
      AUTHENTIK_TOKEN: SECRETS.authentik,
      AUTHENTIK_API_VERSION: release,
    });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('PATCH /providers/oauth2/{id}/ with only the fields given, under their upstream names, redirect URIs in its form', async () => {
    ak.handle((_req, res) => json(res, 200, bodies.provider({ client_type: 'public', signing_key: null })));
    const res = await gateway.gql(
      `mutation { updateOAuth2Provider(id: "6", input: { clientType: PUBLIC, signingKey: null, accessTokenValidity: "hours=1;minutes=30", redirectUris: "https://a.example/cb\\nhttps://b.example/cb" }) { id clientType subMode issuerMode includeClaimsInIdToken } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.updateOAuth2Provider).toEqual({
      id: '6',
      clientType: 'PUBLIC',
      subMode: 'HASHED_USER_ID',
      issuerMode: 'PER_PROVIDER',
      includeClaimsInIdToken: true,
    });
    expect(ak.requests).toHaveLength(1);
    const [req] = ak.requests;
    expect(req!.method).toBe('PATCH');
    expect(req!.url).toBe('/api/v3/providers/oauth2/6/');
    expect(req!.headers['content-type']).toBe('application/json');
    expect(req!.headers.authorization).toBe(`Bearer ${SECRETS.authentik}`);
    expect(JSON.parse(req!.body)).toEqual({
      client_type: 'public',
      signing_key: null,
      access_token_validity: 'hours=1;minutes=30',
      redirect_uris: modern
        ? [
            { matching_mode: 'strict', url: 'https://a.example/cb' },
            { matching_mode: 'strict', url: 'https://b.example/cb' },
          ]
        : 'https://a.example/cb\nhttps://b.example/cb',
    });
  });

  it('maxLength counts characters, not UTF-16 units: a clientId of 255 emoji (510 units) is sent as it is', async () => {
    const clientId = '😀'.repeat(255);
    ak.handle((_req, res) => json(res, 200, bodies.provider({ client_id: clientId })));
    const res = await gateway.gql(
      `mutation ($input: UpdateOAuth2ProviderInput!) { updateOAuth2Provider(id: "6", input: $input) { clientId } }`,
      { input: { clientId } },
    );
    expect(res.errors).toBeUndefined();
    expect(JSON.parse(ak.requests[0]!.body)).toEqual({ client_id: clientId });
  });

  it('PATCH /sources/oauth/{slug}/ keeps the trailing slash and sends enums as upstream values', async () => {
    ak.handle((_req, res) => json(res, 200, bodies.source({ user_matching_mode: 'email_link', enabled: false })));
    const res = await gateway.gql(
      `mutation { updateOAuthSource(slug: "github", input: { userMatchingMode: EMAIL_LINK, enabled: false, oidcJwks: { keys: [] } }) { id slug userMatchingMode enabled providerType type { name urlsCustomizable } } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data?.updateOAuthSource).toMatchObject({
      slug: 'github',
      userMatchingMode: 'EMAIL_LINK',
      enabled: false,
      providerType: 'GITHUB',
      type: { name: 'github', urlsCustomizable: true },
    });
    const [req] = ak.requests;
    expect(`${req!.method} ${req!.url}`).toBe('PATCH /api/v3/sources/oauth/github/');
    expect(JSON.parse(req!.body)).toEqual({ user_matching_mode: 'email_link', enabled: false, oidc_jwks: { keys: [] } });
  });

  it("reads every member its release answers, and null for the others' members", async () => {
    ak.handle((req, res) =>
      json(
        res,
        200,
        req.url.startsWith('/api/v3/sources/')
          ? bodies.source(modern ? { provider_type: 'entraid', pkce: 'S256', promoted: true } : {})
          : bodies.provider(modern ? { jwt_federation_providers: [3, 4] } : { jwks_sources: ['5d9e4c2a-7b3f-4e81-a6c0-2f8d1b7e9a34'] }),
      ),
    );
    const res = await gateway.gql(
      `{ oauthSource(slug: "github") { slug providerType pkce promoted iconUrl iconThemedUrls { light } authorizationCodeAuthMethod } oauth2Provider(id: 6) { id redirectUris redirectUriRules { matchingMode url } invalidationFlow refreshTokenThreshold logoutMethod jwksSources jwtFederationSources jwtFederationProviders assignedBackchannelApplicationSlug } }`,
    );
    expect(res.errors).toBeUndefined();
    const url = 'https://grafana.example.com/login/generic_oauth';
    expect(res.data).toEqual(
      modern
        ? {
            oauthSource: {
              slug: 'github',
              providerType: 'ENTRAID',
              pkce: 'S256',
              promoted: true,
              iconUrl: '/static/authentik/sources/github.svg',
              iconThemedUrls: null,
              authorizationCodeAuthMethod: 'BASIC_AUTH',
            },
            oauth2Provider: {
              id: '6',
              redirectUris: url,
              redirectUriRules: [{ matchingMode: 'STRICT', url }],
              invalidationFlow: '5b0f1d4e-2c3a-4e8f-9a7b-6c5d4e3f2a1b',
              refreshTokenThreshold: 'seconds=0',
              logoutMethod: 'BACKCHANNEL',
              jwksSources: null,
              jwtFederationSources: [],
              jwtFederationProviders: [3, 4],
              assignedBackchannelApplicationSlug: null,
            },
          }
        : {
            oauthSource: {
              slug: 'github',
              providerType: 'GITHUB',
              pkce: null,
              promoted: null,
              iconUrl: null,
              iconThemedUrls: null,
              authorizationCodeAuthMethod: null,
            },
            oauth2Provider: {
              id: '6',
              redirectUris: url,
              redirectUriRules: [{ matchingMode: 'STRICT', url }],
              invalidationFlow: null,
              refreshTokenThreshold: null,
              logoutMethod: null,
              jwksSources: ['5d9e4c2a-7b3f-4e81-a6c0-2f8d1b7e9a34'],
              jwtFederationSources: null,
              jwtFederationProviders: null,
              assignedBackchannelApplicationSlug: '',
            },
          },
    );
  });

  it('lists with paging arguments and reads one provider and one source', async () => {
    ak.handle((req, res) => {
      if (req.url.startsWith('/api/v3/providers/oauth2/?')) return json(res, 200, paginated([bodies.provider()]));
      if (req.url === '/api/v3/providers/oauth2/6/') return json(res, 200, bodies.provider());
      if (req.url === '/api/v3/sources/oauth/') return json(res, 200, paginated([bodies.source()]));
      return json(res, 200, bodies.source());
    });
    const res = await gateway.gql(
      `{ oauth2Providers(page: 2, pageSize: 10, search: "graf") { id } oauth2Provider(id: 6) { name } oauthSources { slug } oauthSource(slug: "github") { name } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      oauth2Providers: [{ id: '6' }],
      oauth2Provider: { name: 'grafana' },
      oauthSources: [{ slug: 'github' }],
      oauthSource: { name: 'GitHub' },
    });
    expect(ak.requests.map((r) => r.url).sort()).toEqual([
      '/api/v3/providers/oauth2/6/',
      '/api/v3/providers/oauth2/?page=2&page_size=10&search=graf',
      '/api/v3/sources/oauth/',
      '/api/v3/sources/oauth/github/',
    ]);
  });
});

describe('credentials', () => {
  it('each upstream receives only its own credential, and none appears in responses', async () => {
    idn.handle((_req, res) => json(res, 200, identityNowClient()));
    ld.handle((_req, res) => json(res, 200, launchDarklyClient()));
    ak.handle((_req, res) => json(res, 200, authentikSource()));
    const res = await gateway.gql(
      `{ oauthClient(id: "${IDN_ID}") { id } launchDarklyOAuthClient(id: "${LD_ID}") { id } oauthSource(slug: "github") { slug } }`,
    );
    expect(res.errors).toBeUndefined();
    const seen = (stub: Stub) => stub.requests.map((r) => JSON.stringify(r));
    for (const [service, stub] of [
      ['identitynow', idn],
      ['launchdarkly', ld],
      ['authentik', ak],
    ] as const) {
      expect(stub.requests.length).toBeGreaterThan(0);
      for (const [other, secret] of Object.entries(SECRETS)) {
        for (const line of seen(stub)) {
          if (other === service) expect(line).toContain(secret);
          else expect(line).not.toContain(secret);
        }
      }
    }
    for (const secret of Object.values(SECRETS)) expect(JSON.stringify(res)).not.toContain(secret);
  });
});
