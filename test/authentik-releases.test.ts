import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WriteJournal, WriteRecord } from '../src/changes/write.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';
import { AUTHENTIK_BODIES } from './fixtures/upstream-bodies.js';

// authentik as its users run it: the gateway tells 2024.8 from 2026.2 by asking GET /admin/version/,
// and writes each one in its own form. The stub answers the version it is told and records every request.
type Release = keyof typeof AUTHENTIK_BODIES;

let stub: Stub;
let version: () => { status: number; body: unknown };
let gateways: RunningGateway[] = [];

function answering(release: Release) {
  return () => ({ status: 200, body: { version_current: release, version_latest: release, version_latest_valid: true, build_hash: '' } });
}

function authentik(release: Release) {
  return AUTHENTIK_BODIES[release];
}

beforeEach(async () => {
  version = answering('2026.2.0');
  stub = await startStub((req, res) => {
    if (req.url === '/api/v3/admin/version/') {
      const { status, body } = version();
      return json(res, status, body);
    }
    const release = (version().body as { version_current?: Release }).version_current ?? '2026.2.0';
    const bodies = authentik(release in AUTHENTIK_BODIES ? release : '2026.2.0');
    return json(res, 200, req.url.startsWith('/api/v3/sources/') ? bodies.source() : bodies.provider());
  });
});

afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()));
  gateways = [];
  await stub.close();
});

async function gatewayFor(env: Record<string, string> = {}, options: { journal?: WriteJournal } = {}): Promise<RunningGateway> {
  const gateway = await startGateway({ AUTHENTIK_URL: `${stub.origin}/api/v3`, AUTHENTIK_TOKEN: 'configured-token-1234', ...env }, options);
  gateways.push(gateway);
  return gateway;
}

const versionAsks = () => stub.requests.filter((r) => r.url === '/api/v3/admin/version/');
const writes = () => stub.requests.filter((r) => r.method === 'PATCH');
const body = (req: RecordedRequest | undefined) => JSON.parse(req!.body) as unknown;

const UPDATE_PROVIDER = `mutation ($input: UpdateOAuth2ProviderInput!) { updateOAuth2Provider(id: "6", input: $input) { id redirectUriRules { matchingMode url } } }`;
const UPDATE_SOURCE = `mutation ($slug: String!, $input: UpdateOAuthSourceInput!) { updateOAuthSource(slug: $slug, input: $input) { slug } }`;
const RULES = { redirectUriRules: [{ matchingMode: 'STRICT', url: 'https://a.example/cb' }] };

describe('telling the release', () => {
  it('a change every release takes alike asks nothing', async () => {
    const gateway = await gatewayFor();
    const res = await gateway.gql(UPDATE_SOURCE, { slug: 'github', input: { enabled: false, providerType: 'GITHUB' } });
    expect(res.errors).toBeUndefined();
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['PATCH /api/v3/sources/oauth/github/']);
  });

  it('concurrent changes that depend on it share one question; later ones ask none', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => (answer = resolve));
    stub.handle(async (req, res) => {
      if (req.url === '/api/v3/admin/version/') {
        await answered;
        return json(res, 200, { version_current: '2026.2.0' });
      }
      return json(res, 200, authentik('2026.2.0').provider());
    });
    const gateway = await gatewayFor();
    const three = [1, 2, 3].map(() => gateway.gql(UPDATE_PROVIDER, { input: RULES }));
    await gateway.received(3);
    answer();
    for (const res of await Promise.all(three)) expect(res.errors).toBeUndefined();
    expect(versionAsks()).toHaveLength(1);
    expect(writes()).toHaveLength(3);
    for (const write of writes())
      expect(body(write)).toEqual({ redirect_uris: [{ matching_mode: 'strict', url: 'https://a.example/cb' }] });

    expect((await gateway.gql(UPDATE_PROVIDER, { input: { redirectUris: 'https://b.example/cb' } })).errors).toBeUndefined();
    expect(versionAsks()).toHaveLength(1);
  });

  it("asks with the caller's own credential when it sent one", async () => {
    const gateway = await gatewayFor();
    const res = await gateway.gql(UPDATE_PROVIDER, { input: RULES }, { 'X-Authentik-Token': 'callers-own-token-5678' });
    expect(res.errors).toBeUndefined();
    expect(versionAsks().map((r) => r.headers.authorization)).toEqual(['Bearer callers-own-token-5678']);
  });

  it('a question that fails fails only the request that needed it, sends nothing else, and is asked again', async () => {
    version = () => ({ status: 403, body: { detail: 'Authentication credentials were not provided.' } });
    const gateway = await gatewayFor();
    const refused = await gateway.gql(UPDATE_PROVIDER, { input: RULES });
    expect(refused.errors?.[0]?.extensions).toMatchObject({
      code: 'FORBIDDEN',
      upstream: { service: 'authentik', status: 403, operation: 'admin_version_retrieve' },
    });
    expect(refused.errors?.[0]?.message).toMatch(
      /asks authentik for its release .*Authentication credentials were not provided\. Nothing else was sent\. Set AUTHENTIK_API_VERSION/,
    );
    expect(writes()).toHaveLength(0);

    version = answering('2024.8.1');
    const accepted = await gateway.gql(UPDATE_PROVIDER, { input: RULES });
    expect(accepted.errors).toBeUndefined();
    expect(versionAsks()).toHaveLength(2);
    expect(body(writes()[0])).toEqual({ redirect_uris: 'https://a.example/cb' });
  });

  it('the question counts against the budget of the request that asked it', async () => {
    const gateway = await gatewayFor({ GATEWAY_MAX_UPSTREAM_CALLS: '2' });
    const two = `mutation ($input: UpdateOAuth2ProviderInput!) { a: updateOAuth2Provider(id: "6", input: $input) { id } b: updateOAuth2Provider(id: "7", input: $input) { id } }`;
    const first = await gateway.gql(two, { input: RULES });
    expect(first.errors).toHaveLength(1);
    expect(first.errors![0]!.extensions).toMatchObject({ limit: { name: 'upstreamCalls', max: 2 } });
    expect(stub.requests.map((r) => r.method)).toEqual(['GET', 'PATCH']);
    // Known now: the same operation fits its budget.
    const second = await gateway.gql(two, { input: RULES });
    expect(second.errors).toBeUndefined();
    expect(versionAsks()).toHaveLength(1);
  });

  it('AUTHENTIK_API_VERSION names the release: nothing is asked', async () => {
    const gateway = await gatewayFor({ AUTHENTIK_API_VERSION: '2024.8.1' });
    const res = await gateway.gql(UPDATE_PROVIDER, {
      input: {
        redirectUriRules: [
          { matchingMode: 'STRICT', url: 'https://a.example/cb' },
          { matchingMode: 'REGEX', url: '.*' },
        ],
      },
    });
    expect(res.errors).toBeUndefined();
    expect(versionAsks()).toHaveLength(0);
    expect(body(writes()[0])).toEqual({ redirect_uris: 'https://a.example/cb\n.*' });
  });

  it('a slug longer than 50 characters asks, then goes where the release takes it', async () => {
    const gateway = await gatewayFor();
    const slug = 'a'.repeat(60);
    const res = await gateway.gql(`query ($slug: String!) { oauthSource(slug: $slug) { slug } }`, { slug });
    expect(res.errors).toBeUndefined();
    expect(stub.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/v3/admin/version/', `GET /api/v3/sources/oauth/${slug}/`]);
  });
});

// Every member and value by release, refused before any PATCH when the release lacks it.
const LACKING: Record<Release, Array<[mutation: 'provider' | 'source', input: Record<string, unknown>, field: string, message: RegExp]>> = {
  '2024.8.1': [
    [
      'provider',
      { invalidationFlow: '5b0f1d4e-2c3a-4e8f-9a7b-6c5d4e3f2a1b' },
      'invalidationFlow',
      /authentik 2024\.8\.1 .*2024\.10 and later/,
    ],
    ['provider', { encryptionKey: null }, 'encryptionKey', /2024\.10 and later/],
    ['provider', { refreshTokenThreshold: 'seconds=0' }, 'refreshTokenThreshold', /2025\.10 and later/],
    ['provider', { logoutUri: 'https://app.example/logout' }, 'logoutUri', /2025\.10 and later/],
    ['provider', { logoutMethod: 'FRONTCHANNEL' }, 'logoutMethod', /2025\.10 and later/],
    ['provider', { jwtFederationSources: [] }, 'jwtFederationSources', /2024\.12 and later/],
    ['provider', { jwtFederationProviders: [1] }, 'jwtFederationProviders', /2024\.12 and later/],
    ['source', { promoted: true }, 'promoted', /2025\.12 and later/],
    ['source', { icon: 'icons/github.svg' }, 'icon', /2025\.12 and later/],
    ['source', { pkce: 'S256' }, 'pkce', /2025\.10 and later/],
    ['source', { authorizationCodeAuthMethod: 'POST_BODY' }, 'authorizationCodeAuthMethod', /2025\.4 and later/],
    [
      'source',
      { providerType: 'ENTRAID' },
      'providerType',
      /^ENTRAID is not in authentik 2024\.8\.1 \(it is in authentik 2025\.8 and later\)\.$/,
    ],
    ['source', { providerType: 'SLACK' }, 'providerType', /^SLACK is not in authentik 2024\.8\.1/],
    ['source', { providerType: 'WECHAT' }, 'providerType', /^WECHAT is not in authentik 2024\.8\.1/],
    ['source', { slug: 'a'.repeat(51) }, 'slug', /^must have at most 50 characters in authentik 2024\.8\.1\.$/],
  ],
  '2026.2.0': [
    [
      'provider',
      { jwksSources: [] },
      'jwksSources',
      /^authentik 2026\.2 does not have this field \(it is in authentik before 2024\.12\)\.$/,
    ],
    ['source', { oidcJwks: ['not', 'an', 'object'] }, 'oidcJwks', /^must be an object in authentik 2026\.2\.$/],
  ],
};

// Redirect URIs: what the caller gives, and what each release is sent (or why it is refused).
const REDIRECTS: Record<Release, Array<[input: Record<string, unknown>, sent: unknown]>> = {
  '2024.8.1': [
    [{ redirectUris: 'a\n\nb ' }, 'a\n\nb '],
    [{ redirectUriRules: [] }, ''],
    [
      {
        redirectUriRules: [
          { matchingMode: 'STRICT', url: 'https://a.example/cb' },
          { matchingMode: 'REGEX', url: '*' },
        ],
      },
      'https://a.example/cb\n*',
    ],
    [
      { redirectUriRules: [{ matchingMode: 'REGEX', url: 'https://.*\\.example\\.com/cb' }] },
      /rule 0 cannot be written to authentik 2024\.8\.1.*STRICT/,
    ],
    [{ redirectUriRules: [{ matchingMode: 'STRICT', url: '.*' }] }, /rule 0 .*upgrades the line \.\* to a REGEX rule/],
    [{ redirectUriRules: [{ matchingMode: 'STRICT', url: 'https://a.example/cb\nhttps://b.example/cb' }] }, /line break/],
    [{ redirectUriRules: [{ matchingMode: 'STRICT', url: 'https://a.example/c b' }] }, /whitespace/],
    [{ redirectUriRules: [{ matchingMode: 'STRICT', url: '' }] }, /rule 0: url may not be blank/],
  ],
  '2026.2.0': [
    [
      { redirectUris: 'https://a.example/cb\n.*\n https://b.example/cb' },
      [
        { matching_mode: 'strict', url: 'https://a.example/cb' },
        { matching_mode: 'regex', url: '.*' },
        { matching_mode: 'strict', url: ' https://b.example/cb' },
      ],
    ],
    [{ redirectUriRules: [] }, []],
    [
      { redirectUriRules: [{ matchingMode: 'REGEX', url: 'https://.*\\.example\\.com/cb' }] },
      [{ matching_mode: 'regex', url: 'https://.*\\.example\\.com/cb' }],
    ],
    [{ redirectUris: '' }, /line 1 is empty: authentik 2026\.2 keeps each line as a redirect URI rule.*redirectUriRules: \[\]/],
    [{ redirectUris: 'https://a.example/cb\n' }, /line 2 is empty/],
    [{ redirectUris: '*' }, /line 1 is \*: .*not a valid regular expression/],
    [{ redirectUris: null }, /may not be null/],
  ],
};

describe.each(['2024.8.1', '2026.2.0'] as const)('on authentik %s', (release) => {
  beforeEach(() => {
    version = answering(release);
  });

  it.each(LACKING[release])('%s %j is refused, naming the field and the release', async (mutation, input, field, message) => {
    const gateway = await gatewayFor();
    const res =
      mutation === 'provider'
        ? await gateway.gql(UPDATE_PROVIDER, { input })
        : await gateway.gql(UPDATE_SOURCE, { slug: 'github', input: { ...input, enabled: true } });
    expect(res.errors, JSON.stringify(res)).toHaveLength(1);
    expect(res.errors![0]!.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fieldErrors: [{ field, messages: [expect.stringMatching(message)] }],
    });
    expect(res.errors![0]!.extensions!.upstream).toBeUndefined();
    expect(writes()).toHaveLength(0);
  });

  it.each(REDIRECTS[release])('redirect URIs %j', async (input, sent) => {
    const gateway = await gatewayFor();
    const res = await gateway.gql(UPDATE_PROVIDER, { input });
    if (sent instanceof RegExp) {
      const [field] = Object.keys(input);
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        fieldErrors: [{ field, messages: [expect.stringMatching(sent)] }],
      });
      expect(writes()).toHaveLength(0);
    } else {
      expect(res.errors).toBeUndefined();
      expect(body(writes()[0])).toEqual({ redirect_uris: sent });
    }
  });

  it('giving both redirectUris and redirectUriRules is refused', async () => {
    const gateway = await gatewayFor();
    const res = await gateway.gql(UPDATE_PROVIDER, { input: { ...RULES, redirectUris: 'https://a.example/cb' } });
    expect(res.errors?.[0]?.extensions?.fieldErrors).toEqual([
      { field: 'redirectUris', messages: ['Give redirectUriRules or redirectUris, not both: they write the same redirect_uris.'] },
    ]);
    expect(stub.requests).toHaveLength(0);
  });

  it("authentik's own errors on redirect URIs come back under the field the caller gave", async () => {
    const gateway = await gatewayFor();
    stub.handle((req, res) =>
      req.url === '/api/v3/admin/version/'
        ? json(res, 200, version().body)
        : json(res, 400, {
            redirect_uris: release === '2024.8.1' ? ['Not a valid string.'] : [{}, { url: ['This field may not be blank.'] }],
          }),
    );
    for (const field of ['redirectUris', 'redirectUriRules'] as const) {
      const input =
        field === 'redirectUris'
          ? { redirectUris: 'https://a.example/cb\nhttps://b.example/cb' }
          : {
              redirectUriRules: [
                { matchingMode: 'STRICT', url: 'https://a.example/cb' },
                { matchingMode: 'STRICT', url: 'https://b.example/cb' },
              ],
            };
      const res = await gateway.gql(UPDATE_PROVIDER, { input });
      expect(res.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        upstream: { status: 400, operation: 'providers_oauth2_partial_update' },
        fieldErrors: [{ field: release === '2024.8.1' ? field : `${field}[1].url` }],
      });
    }
  });

  it('the audit trail records the redirect URIs as sent, under the field the caller gave', async () => {
    const records: WriteRecord[] = [];
    const journal: WriteJournal = {
      intend: async (record) => {
        records.push(record);
        return { complete: async () => {} };
      },
      ended: async () => {},
    };
    const gateway = await gatewayFor({}, { journal });
    expect((await gateway.gql(UPDATE_PROVIDER, { input: RULES })).errors).toBeUndefined();
    expect(records.map((r) => r.changes)).toEqual([
      [
        {
          field: 'redirectUriRules',
          after: release === '2024.8.1' ? 'https://a.example/cb' : [{ matching_mode: 'strict', url: 'https://a.example/cb' }],
        },
      ],
    ]);
  });
});
