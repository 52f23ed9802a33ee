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

describe('authentik through the sandbox', () => {
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

  it('updateOAuthSource renames the slug; the source reads back under the new slug only', async () => {
    const res = await gateway.gql(
      `mutation { updateOAuthSource(slug: "github", input: { slug: "github-enterprise", name: "GitHub Enterprise", enabled: false, userMatchingMode: EMAIL_LINK, profileUrl: null }) { id slug name enabled userMatchingMode profileUrl providerType } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.updateOAuthSource).toMatchObject({
      slug: 'github-enterprise',
      name: 'GitHub Enterprise',
      enabled: false,
      userMatchingMode: 'EMAIL_LINK',
      profileUrl: null,
      providerType: 'GITHUB',
    });
    const read = await gateway.gql(
      `{ renamed: oauthSource(slug: "github-enterprise") { id slug enabled } old: oauthSource(slug: "github") { id } }`,
    );
    expect(read.errors).toBeUndefined();
    expect(read.data).toEqual({ renamed: { id: res.data.updateOAuthSource.id, slug: 'github-enterprise', enabled: false }, old: null });
  });

  it("authentik's own refusal (a slug taken by another source) comes back as a field error", async () => {
    const res = await gateway.gql(`mutation { updateOAuthSource(slug: "google", input: { slug: "github-enterprise" }) { slug } }`);
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
