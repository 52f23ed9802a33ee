import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, sandboxConfig } from '../src/config.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';

// The gateway as `npm start` runs it with nothing configured: pointed at the sandbox's emulations.
let sandbox: Sandbox;
let gateway: RunningGateway;

const IDN = '2c9180835d2e5168015d32f890ca1581';
const LD = '50666563-9144-4125-b822-33f308227e45';

beforeAll(async () => {
  sandbox = await startSandbox();
  const config = loadConfig({});
  expect(config.sandbox).toBe(true);
  gateway = await startGateway(sandboxConfig(config, sandbox));
});

afterAll(async () => {
  await gateway.close();
  await sandbox.close();
});

describe('identitynow through the sandbox', () => {
  it('lists and reads clients', async () => {
    const res = await gateway.gql(
      `{ oauthClients { id name grantTypes accessType type enabled created } oauthClient(id: "${IDN}") { id name } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.oauthClients.length).toBeGreaterThanOrEqual(3);
    expect(res.data.oauthClients.map((c: { id: string }) => c.id)).toContain(IDN);
    for (const client of res.data.oauthClients) {
      expect(client.grantTypes.length).toBeGreaterThan(0);
      expect(['ONLINE', 'OFFLINE']).toContain(client.accessType);
      expect(Number.isNaN(Date.parse(client.created))).toBe(false);
    }
    expect(res.data.oauthClient.id).toBe(IDN);
  });

  it('patchOAuthClient changes the client, and the change reads back', async () => {
    const res = await gateway.gql(
      `mutation ($ops: [JsonPatchOperation!]!) { patchOAuthClient(id: "${IDN}", ops: $ops) { id description enabled accessTokenValiditySeconds redirectUris grantTypes } }`,
      {
        ops: [
          { op: 'REPLACE', path: '/description', value: 'Patched in the sandbox' },
          { op: 'REPLACE', path: '/enabled', value: false },
          { op: 'REPLACE', path: '/accessTokenValiditySeconds', value: 1200 },
          { op: 'ADD', path: '/redirectUris/-', value: 'https://added.example.com/cb' },
          { op: 'REPLACE', path: '/grantTypes', value: ['CLIENT_CREDENTIALS'] },
        ],
      },
    );
    expect(res.errors).toBeUndefined();
    const expected = {
      id: IDN,
      description: 'Patched in the sandbox',
      enabled: false,
      accessTokenValiditySeconds: 1200,
      grantTypes: ['CLIENT_CREDENTIALS'],
    };
    expect(res.data.patchOAuthClient).toMatchObject(expected);
    expect(res.data.patchOAuthClient.redirectUris.at(-1)).toBe('https://added.example.com/cb');

    const read = await gateway.gql(
      `{ oauthClient(id: "${IDN}") { id description enabled accessTokenValiditySeconds grantTypes redirectUris } }`,
    );
    expect(read.data.oauthClient).toEqual(res.data.patchOAuthClient);
  });

  it('tenant, patchable but never shown, is written with ifVersion and planned as the mutation sends it', async () => {
    const { data } = await gateway.gql(`{ oauthClient(id: "${IDN}") { version } }`);
    const args = `id: "${IDN}", ifVersion: "${data.oauthClient.version}", input: { tenant: "acme-wind" }`;
    const plan = await gateway.gql(`mutation { plan { updateOAuthClient(${args}) { requests { body } changes { field after } } } }`);
    expect(plan.errors).toBeUndefined();
    expect(plan.data.plan.updateOAuthClient).toEqual({
      requests: [
        {
          body: [
            { op: 'test', path: '/modified', value: expect.any(String) },
            { op: 'replace', path: '/tenant', value: 'acme-wind' },
          ],
        },
      ],
      changes: [{ field: 'tenant', after: 'acme-wind' }],
    });
    const res = await gateway.gql(`mutation { updateOAuthClient(${args}) { id version } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOAuthClient.version).not.toBe(data.oauthClient.version);
  });

  it('a failing TEST op answers CONFLICT and writes nothing', async () => {
    const before = await gateway.gql(`{ oauthClient(id: "${IDN}") { name description } }`);
    const res = await gateway.gql(
      `mutation { patchOAuthClient(id: "${IDN}", ops: [{ op: TEST, path: "/name", value: "not the name" }, { op: REPLACE, path: "/description", value: "should not be written" }]) { id } }`,
    );
    expect(res.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const after = await gateway.gql(`{ oauthClient(id: "${IDN}") { name description } }`);
    expect(after.data).toEqual(before.data);
  });

  it('a passing TEST op lets the patch through', async () => {
    const current = await gateway.gql(`{ oauthClient(id: "${IDN}") { name } }`);
    const res = await gateway.gql(
      `mutation ($name: JSON) { patchOAuthClient(id: "${IDN}", ops: [{ op: TEST, path: "/name", value: $name }, { op: REPLACE, path: "/name", value: "Renamed" }]) { name } }`,
      { name: current.data.oauthClient.name },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.patchOAuthClient.name).toBe('Renamed');
  });

  it('an unknown client: null for the query, NOT_FOUND for the mutation', async () => {
    const read = await gateway.gql(`{ oauthClient(id: "00000000000000000000000000000000") { id } }`);
    expect(read.errors).toBeUndefined();
    expect(read.data.oauthClient).toBeNull();
    const write = await gateway.gql(
      `mutation { patchOAuthClient(id: "00000000000000000000000000000000", ops: [{ op: REPLACE, path: "/name", value: "x" }]) { id } }`,
    );
    expect(write.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND', upstream: { service: 'identitynow', status: 404 } });
    expect(write.errors?.[0]?.extensions?.upstream.trackingId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe('launchdarkly through the sandbox', () => {
  it('patchLaunchDarklyOAuthClient changes the client, and the change reads back', async () => {
    const list = await gateway.gql(`{ launchDarklyOAuthClients { id name accountId createdAt } }`);
    expect(list.errors).toBeUndefined();
    expect(list.data.launchDarklyOAuthClients.map((c: { id: string }) => c.id)).toContain(LD);

    const res = await gateway.gql(
      `mutation { patchLaunchDarklyOAuthClient(id: "${LD}", ops: [{ op: REPLACE, path: "/name", value: "Deploy bot v2" }, { op: REPLACE, path: "/redirectUri", value: "https://deploy.example.com/v2/callback" }]) { id name redirectUri description } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.patchLaunchDarklyOAuthClient).toMatchObject({
      id: LD,
      name: 'Deploy bot v2',
      redirectUri: 'https://deploy.example.com/v2/callback',
    });
    const read = await gateway.gql(`{ launchDarklyOAuthClient(id: "${LD}") { id name redirectUri description } }`);
    expect(read.data.launchDarklyOAuthClient).toEqual(res.data.patchLaunchDarklyOAuthClient);
  });
});

// The gateway as `npm start` runs it with SANDBOX_AUTHENTIK_VERSION set to each release, telling it by itself.
describe.each(['2024.8', '2026.2'] as const)('authentik %s through the sandbox', (release) => {
  let authentik: Sandbox;
  let gateway: RunningGateway;
  const modern = release === '2026.2';

  beforeAll(async () => {
    const config = loadConfig({ SANDBOX_AUTHENTIK_VERSION: release });
    authentik = await startSandbox(config.vendorSettings);
    gateway = await startGateway(sandboxConfig(config, authentik));
  });

  afterAll(async () => {
    await gateway.close();
    await authentik.close();
  });

  it('updateOAuth2Provider sends only the given fields, and the change reads back', async () => {
    const before = await gateway.gql(`{ oauth2Providers { id name clientType subMode } }`);
    expect(before.errors).toBeUndefined();
    const provider = before.data.oauth2Providers[0];
    const res = await gateway.gql(
      `mutation { updateOAuth2Provider(id: "${provider.id}", input: { clientType: PUBLIC, accessTokenValidity: "minutes=10", redirectUris: "https://a.example/cb\\nhttps://b.example/cb" }) { id name clientType accessTokenValidity redirectUris subMode } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOAuth2Provider).toMatchObject({
      id: provider.id,
      name: provider.name,
      clientType: 'PUBLIC',
      accessTokenValidity: 'minutes=10',
      redirectUris: 'https://a.example/cb\nhttps://b.example/cb',
      subMode: provider.subMode,
    });
    const read = await gateway.gql(
      `{ oauth2Provider(id: "${provider.id}") { id name clientType accessTokenValidity redirectUris subMode } }`,
    );
    expect(read.data.oauth2Provider).toEqual(res.data.updateOAuth2Provider);
  });

  it('a redirect URI rule change, 2026 style: written in the form the release keeps, read back as rules', async () => {
    const rules = [
      { matchingMode: 'STRICT', url: 'https://grafana.example.com/login/generic_oauth' },
      { matchingMode: 'REGEX', url: 'https://.*\\.grafana\\.example\\.com/login/generic_oauth' },
    ];
    const res = await gateway.gql(
      `mutation ($rules: [AuthentikRedirectUriInput!]) { updateOAuth2Provider(id: "1", input: { redirectUriRules: $rules }) { redirectUriRules { matchingMode url } redirectUris } }`,
      { rules },
    );
    if (modern) {
      expect(res.errors).toBeUndefined();
      // A REGEX rule other than .* has no 2024.8 string: the deprecated field says so with null.
      expect(res.data.updateOAuth2Provider).toEqual({ redirectUriRules: rules, redirectUris: null });
      const read = await gateway.gql(`{ oauth2Provider(id: "1") { redirectUriRules { matchingMode url } } }`);
      expect(read.data.oauth2Provider.redirectUriRules).toEqual(rules);
    } else {
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'redirectUriRules' }] });
      expect(res.errors?.[0]?.message).toMatch(/rule 1 cannot be written to authentik 2024\.8\.1/);
      const strict = [rules[0], { matchingMode: 'REGEX', url: '.*' }];
      const written = await gateway.gql(
        `mutation ($rules: [AuthentikRedirectUriInput!]) { updateOAuth2Provider(id: "1", input: { redirectUriRules: $rules }) { redirectUriRules { matchingMode url } redirectUris } }`,
        { rules: strict },
      );
      expect(written.errors).toBeUndefined();
      expect(written.data.updateOAuth2Provider).toEqual({
        redirectUriRules: strict,
        redirectUris: 'https://grafana.example.com/login/generic_oauth\n.*',
      });
    }
  });

  it('the members of the newer release: written and read back there, refused by name and release on the older', async () => {
    const provider = await gateway.gql(
      `mutation { updateOAuth2Provider(id: "2", input: { logoutUri: "https://app.example.com/logout", logoutMethod: FRONTCHANNEL, refreshTokenThreshold: "days=1", jwtFederationProviders: [1], encryptionKey: null }) { logoutUri logoutMethod refreshTokenThreshold jwtFederationProviders encryptionKey invalidationFlow jwksSources jwtFederationSources } }`,
    );
    const source = await gateway.gql(
      `mutation { updateOAuthSource(slug: "github", input: { promoted: true, pkce: S256, authorizationCodeAuthMethod: POST_BODY, providerType: ENTRAID, slug: "${'github-'.repeat(9)}" }) { slug promoted pkce authorizationCodeAuthMethod providerType icon iconUrl } }`,
    );
    if (modern) {
      expect(provider.errors).toBeUndefined();
      expect(provider.data.updateOAuth2Provider).toEqual({
        logoutUri: 'https://app.example.com/logout',
        logoutMethod: 'FRONTCHANNEL',
        refreshTokenThreshold: 'days=1',
        jwtFederationProviders: [1],
        encryptionKey: null,
        invalidationFlow: expect.stringMatching(/^[0-9a-f-]{36}$/),
        jwksSources: null,
        jwtFederationSources: ['5d9e4c2a-7b3f-4e81-a6c0-2f8d1b7e9a34'],
      });
      expect(source.errors).toBeUndefined();
      expect(source.data.updateOAuthSource).toEqual({
        slug: 'github-'.repeat(9),
        promoted: true,
        pkce: 'S256',
        authorizationCodeAuthMethod: 'POST_BODY',
        providerType: 'ENTRAID',
        icon: '',
        iconUrl: '/static/authentik/sources/entraid.svg',
      });
      const read = await gateway.gql(`{ oauthSource(slug: "${'github-'.repeat(9)}") { slug providerType } }`);
      expect(read.data.oauthSource).toEqual({ slug: 'github-'.repeat(9), providerType: 'ENTRAID' });
    } else {
      expect(provider.errors?.[0]?.extensions?.fieldErrors.map((e: { field: string }) => e.field)).toEqual([
        'refreshTokenThreshold',
        'encryptionKey',
        'logoutUri',
        'logoutMethod',
        'jwtFederationProviders',
      ]);
      expect(provider.errors?.[0]?.extensions?.fieldErrors[0].messages).toEqual([
        'authentik 2024.8.1 does not have this field (it is in authentik 2025.10 and later).',
      ]);
      expect(source.errors?.[0]?.extensions?.fieldErrors).toEqual([
        { field: 'slug', messages: ['must have at most 50 characters in authentik 2024.8.1.'] },
        { field: 'promoted', messages: ['authentik 2024.8.1 does not have this field (it is in authentik 2025.12 and later).'] },
        { field: 'providerType', messages: ['ENTRAID is not in authentik 2024.8.1 (it is in authentik 2025.8 and later).'] },
        { field: 'pkce', messages: ['authentik 2024.8.1 does not have this field (it is in authentik 2025.10 and later).'] },
        {
          field: 'authorizationCodeAuthMethod',
          messages: ['authentik 2024.8.1 does not have this field (it is in authentik 2025.4 and later).'],
        },
      ]);
      const read = await gateway.gql(
        `{ oauth2Provider(id: "2") { jwksSources invalidationFlow } oauthSource(slug: "github") { icon iconUrl } }`,
      );
      expect(read.data).toEqual({
        oauth2Provider: { jwksSources: ['5d9e4c2a-7b3f-4e81-a6c0-2f8d1b7e9a34'], invalidationFlow: null },
        oauthSource: { icon: '/static/authentik/sources/github.svg', iconUrl: null },
      });
    }
  });

  it('updateOAuthSource renames the slug; the source reads back under the new slug only', async () => {
    const slug = modern ? 'google' : 'github';
    const type = modern ? 'GOOGLE' : 'GITHUB';
    const res = await gateway.gql(
      `mutation { updateOAuthSource(slug: "${slug}", input: { slug: "${slug}-enterprise", name: "Enterprise", enabled: false, userMatchingMode: EMAIL_LINK, profileUrl: null }) { id slug name enabled userMatchingMode profileUrl providerType } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOAuthSource).toMatchObject({
      slug: `${slug}-enterprise`,
      name: 'Enterprise',
      enabled: false,
      userMatchingMode: 'EMAIL_LINK',
      profileUrl: null,
      providerType: type,
    });
    const read = await gateway.gql(
      `{ renamed: oauthSource(slug: "${slug}-enterprise") { id slug enabled } old: oauthSource(slug: "${slug}") { id } }`,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ renamed: { id: res.data.updateOAuthSource.id, slug: `${slug}-enterprise`, enabled: false }, old: null });
  });

  it("authentik's own refusal (a slug taken by another source) comes back as a field error", async () => {
    const res = await gateway.gql(
      `mutation { updateOAuthSource(slug: "corporate-sso", input: { slug: "${modern ? 'google' : 'github'}-enterprise" }) { slug } }`,
    );
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      upstream: { service: 'authentik', status: 400, operation: 'sources_oauth_partial_update' },
      fieldErrors: [{ field: 'slug' }],
    });
  });

  it('lists sources with paging', async () => {
    const res = await gateway.gql(`{ oauthSources(pageSize: 2) { slug } all: oauthSources { slug } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.oauthSources).toHaveLength(2);
    expect(res.data.all.length).toBeGreaterThanOrEqual(3);
  });
});
