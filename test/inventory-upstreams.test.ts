import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  authentikProvider,
  authentikProvider2026,
  authentikSource2026,
  identityNowClient,
  launchDarklyClient,
} from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';

// The inventory against stub upstreams that page, fail and change on purpose.

/** An authentik list as authentik pages it, at most `cap` a page whatever page_size asks (a tenant's maximum). */
function authentikList(items: () => unknown[], cap: number) {
  return (req: RecordedRequest, res: ServerResponse) => {
    const query = new URL(req.url, 'http://stub').searchParams;
    const all = items();
    const size = Math.min(Number(query.get('page_size') ?? cap), cap);
    const totalPages = Math.max(1, Math.ceil(all.length / size));
    const page = Number(query.get('page') ?? 1);
    if (page > totalPages) return json(res, 404, { detail: 'Invalid page.' });
    const results = all.slice((page - 1) * size, page * size);
    json(res, 200, {
      pagination: {
        next: page < totalPages ? page + 1 : 0,
        previous: page > 1 ? page - 1 : 0,
        count: all.length,
        current: page,
        total_pages: totalPages,
        start_index: (page - 1) * size + 1,
        end_index: (page - 1) * size + results.length,
      },
      results,
      autocomplete: {},
    });
  };
}

const providers = (n: number, from = 1) =>
  Array.from({ length: n }, (_, i) => authentikProvider2026({ pk: from + i, name: `Provider ${from + i}`, client_id: `p-${from + i}` }));

let idn: Stub;
let ld: Stub;
let ak: Stub;
let gateway: RunningGateway;
let providerRows: unknown[];

const env = (more: Record<string, string> = {}) => ({
  IDENTITYNOW_URL: `${idn.origin}/beta`,
  IDENTITYNOW_TOKEN: 'idn-token',
  LAUNCHDARKLY_URL: ld.origin,
  LAUNCHDARKLY_API_KEY: 'ld-key-0123',
  AUTHENTIK_URL: `${ak.origin}/api/v3`,
  AUTHENTIK_TOKEN: 'ak-token',
  UPSTREAM_RETRIES: '0',
  ...more,
});

function route(providerCap = 7) {
  idn.handle((_req, res) => json(res, 200, [identityNowClient()]));
  ld.handle((_req, res) => json(res, 200, { _links: {}, items: [launchDarklyClient()] }));
  const listProviders = authentikList(() => providerRows, providerCap);
  const listSources = authentikList(() => [authentikSource2026()], 7);
  ak.handle((req, res) => (req.url.startsWith('/api/v3/providers/oauth2/') ? listProviders(req, res) : listSources(req, res)));
}

const INVENTORY = `{ oauthApplications(first: 500) { totalCount services nodes { __typename id service name redirectUrls } } }`;
const akPages = () => ak.requests.map((r) => new URL(r.url, 'http://stub').searchParams.get('page')).filter((p) => p !== null);

beforeAll(async () => {
  [idn, ld, ak] = await Promise.all([startStub(), startStub(), startStub()]);
  gateway = await startGateway(env({ UPSTREAM_TIMEOUT_MS: '1000' }));
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([idn.close(), ld.close(), ak.close()]);
});

beforeEach(() => {
  for (const stub of [idn, ld, ak]) stub.requests.length = 0;
  providerRows = providers(30);
  route();
});

describe('following authentik’s pages', () => {
  it('follows next to the last page, whatever size authentik gives, each provider once', async () => {
    const res = await gateway.gql(INVENTORY);
    expect(res.errors).toBeUndefined();
    const ids = res.data.oauthApplications.nodes.filter((n: any) => n.__typename === 'AuthentikOAuth2Provider').map((n: any) => n.id);
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    // Asked 100 a page, given 7: page 1 of the providers, then pages 2 to 5 at once, and the one page of sources.
    expect(ak.requests.filter((r) => r.url.includes('/providers/'))[0]!.url).toBe(
      '/api/v3/providers/oauth2/?page_size=100&ordering=pk&page=1',
    );
    expect(
      ak.requests
        .filter((r) => r.url.includes('/providers/'))
        .map((r) => r.url)
        .sort(),
    ).toEqual([1, 2, 3, 4, 5].map((page) => `/api/v3/providers/oauth2/?page_size=100&ordering=pk&page=${page}`));
    expect(res.data.oauthApplications.totalCount).toBe(30 + 3);
  });

  it('reads a list again when it changes while being read, and misses nothing that was there throughout', async () => {
    let served = 0;
    const listProviders = authentikList(() => providerRows, 7);
    ak.handle((req, res) => {
      if (!req.url.includes('/providers/')) return authentikList(() => [authentikSource2026()], 7)(req, res);
      served += 1;
      // While page 2 is read, provider 1 (on page 1, already read) goes: everything after it moves up a place.
      if (served === 2) providerRows = providerRows.slice(1);
      listProviders(req, res);
    });
    const res = await gateway.gql(INVENTORY);
    expect(res.errors).toBeUndefined();
    const ids = res.data.oauthApplications.nodes.filter((n: any) => n.__typename === 'AuthentikOAuth2Provider').map((n: any) => n.id);
    // Provider 8 moved from page 2 to page 1 between the reads: only the second reading has it.
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => String(i + 1)));
    expect(served).toBe(5 + 5);
  });

  it("refuses pagination that does not go on to the next page, as authentik's error only", async () => {
    ak.handle((req, res) => {
      if (!req.url.includes('/providers/')) return authentikList(() => [authentikSource2026()], 7)(req, res);
      json(res, 200, {
        pagination: { next: 1, previous: 0, count: 9, current: 1, total_pages: 2, start_index: 1, end_index: 1 },
        results: [providerRows[0]],
      });
    });
    const res = await gateway.gql(INVENTORY);
    expect(res.errors).toEqual([
      expect.objectContaining({
        path: ['oauthApplications'],
        message: "authentik's pagination of OAuth2 providers went from page 1 to 1.",
        extensions: expect.objectContaining({
          code: 'UPSTREAM_ERROR',
          upstream: { service: 'authentik', operation: 'providers_oauth2_list' },
        }),
      }),
    ]);
    expect(res.data.oauthApplications.services).toEqual(['IDENTITYNOW', 'LAUNCHDARKLY']);
    // The sources of the same vendor were read.
    expect(res.data.oauthApplications.nodes.map((n: any) => n.__typename).sort()).toEqual([
      'AuthentikOAuthSource',
      'IdentityNowOAuthClient',
      'LaunchDarklyOAuthClient',
    ]);
  });
});

describe('a vendor that fails', () => {
  it("leaves the others' applications, with an error naming it at the field's path", async () => {
    idn.handle((_req, res) => json(res, 503, { detailCode: '503', trackingId: 't-1', messages: [{ text: 'Down for maintenance' }] }));
    const res = await gateway.gql(`{ inventory: oauthApplications { totalCount services nodes { service } } }`);
    expect(res.status).toBe(200);
    expect(res.data.inventory.services).toEqual(['LAUNCHDARKLY', 'AUTHENTIK']);
    expect(new Set(res.data.inventory.nodes.map((n: any) => n.service))).toEqual(new Set(['LAUNCHDARKLY', 'AUTHENTIK']));
    expect(res.data.inventory.totalCount).toBe(1 + 30 + 1);
    expect(res.errors).toEqual([
      {
        message: 'Down for maintenance',
        path: ['inventory'],
        extensions: expect.objectContaining({
          code: 'UPSTREAM_ERROR',
          upstream: expect.objectContaining({ service: 'identitynow', status: 503, operation: 'listOauthClients' }),
        }),
      },
    ]);
  });

  it('that does not answer in time is an UPSTREAM_TIMEOUT beside the others', async () => {
    const held: ServerResponse[] = [];
    ld.handle((_req, res) => void held.push(res));
    const res = await gateway.gql(INVENTORY);
    for (const res of held) res.destroy();
    expect(res.data.oauthApplications.services).toEqual(['IDENTITYNOW', 'AUTHENTIK']);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ['oauthApplications'],
      extensions: { code: 'UPSTREAM_TIMEOUT', upstream: { service: 'launchdarkly', operation: 'getOAuthClients' } },
    });
  });

  it('reports its error at each alias that asked, from one reading', async () => {
    idn.handle((_req, res) => json(res, 500, { detailCode: '500', messages: [{ text: 'Boom' }] }));
    const res = await gateway.gql(
      `{ a: oauthApplications { totalCount } b: oauthApplications(filter: { nameContains: "grafana" }) { totalCount } }`,
    );
    expect(res.errors!.map((e) => e.path)).toEqual([['a'], ['b']]);
    expect(idn.requests).toHaveLength(1);
    expect(res.data).toEqual({ a: { totalCount: 32 }, b: { totalCount: 0 } });
  });

  it('fails the field when nothing could be read, with every error', async () => {
    idn.handle((_req, res) => json(res, 500, { detailCode: '500', messages: [{ text: 'Boom' }] }));
    ld.handle((_req, res) => json(res, 403, { code: 'forbidden', message: 'Access to the requested resource was denied' }));
    const res = await gateway.gql(`{ oauthApplications(filter: { services: [IDENTITYNOW, LAUNCHDARKLY] }) { totalCount } }`);
    expect(res.data).toBeNull();
    expect(res.errors!.map((e) => [e.path, e.extensions!.code, e.extensions!.upstream.service])).toEqual([
      [['oauthApplications'], 'UPSTREAM_ERROR', 'identitynow'],
      [['oauthApplications'], 'FORBIDDEN', 'launchdarkly'],
    ]);
    expect(ak.requests).toHaveLength(0);
  });
});

describe('GATEWAY_MAX_LIST_PAGES', () => {
  let limited: RunningGateway;

  beforeAll(async () => {
    limited = await startGateway(env({ GATEWAY_MAX_LIST_PAGES: '3', GATEWAY_MAX_UPSTREAM_CALLS: '1' }));
  });

  afterAll(async () => {
    await limited.close();
  });

  it('refuses a list longer than its pages, after its first page, and answers the others', async () => {
    const res = await limited.gql(INVENTORY);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ['oauthApplications'],
      message: 'authentik has 5 pages of OAuth2 providers, so they were not read; GATEWAY_MAX_LIST_PAGES lets one list take 3 pages.',
      extensions: {
        code: 'BAD_USER_INPUT',
        limit: { name: 'listPages', max: 3 },
        upstream: { service: 'authentik', operation: 'providers_oauth2_list' },
      },
    });
    expect(res.data.oauthApplications.services).toEqual(['IDENTITYNOW', 'LAUNCHDARKLY']);
    expect(res.data.oauthApplications.nodes.map((n: any) => n.__typename).sort()).toEqual([
      'AuthentikOAuthSource',
      'IdentityNowOAuthClient',
      'LaunchDarklyOAuthClient',
    ]);
    expect(akPages().length).toBe(1 + 1);
  });

  it('lets a list of as many pages as it allows be read, each list within its own pages', async () => {
    providerRows = providers(21);
    const res = await limited.gql(INVENTORY);
    expect(res.errors).toBeUndefined();
    expect(res.data.oauthApplications.totalCount).toBe(21 + 3);
    expect(akPages().sort()).toEqual(['1', '1', '2', '3']);
  });
});

describe('a gateway that configures some vendors only', () => {
  let partial: RunningGateway;

  beforeAll(async () => {
    partial = await startGateway({ LAUNCHDARKLY_URL: ld.origin, LAUNCHDARKLY_API_KEY: 'ld-key-0123' });
  });

  afterAll(async () => {
    await partial.close();
  });

  it('reads the configured ones, with no error for the others unless they are asked for', async () => {
    const res = await partial.gql(`{ oauthApplications { totalCount services nodes { service } } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.oauthApplications).toEqual({ totalCount: 1, services: ['LAUNCHDARKLY'], nodes: [{ service: 'LAUNCHDARKLY' }] });

    const asked = await partial.gql(
      `{ oauthApplications(filter: { services: [IDENTITYNOW, LAUNCHDARKLY] }) { services nodes { service } } }`,
    );
    expect(asked.data.oauthApplications).toEqual({ services: ['LAUNCHDARKLY'], nodes: [{ service: 'LAUNCHDARKLY' }] });
    expect(asked.errors).toEqual([
      expect.objectContaining({
        path: ['oauthApplications'],
        extensions: expect.objectContaining({
          code: 'UPSTREAM_NOT_CONFIGURED',
          upstream: { service: 'identitynow', operation: 'listOauthClients' },
        }),
      }),
    ]);

    const only = await partial.gql(`{ oauthApplications(filter: { services: [AUTHENTIK] }) { totalCount } }`);
    expect(only.data).toBeNull();
    expect(only.errors).toHaveLength(2);
    expect(
      only.errors!.every((e) => e.extensions!.code === 'UPSTREAM_NOT_CONFIGURED' && e.extensions!.upstream.service === 'authentik'),
    ).toBe(true);
  });
});

describe('authentik redirect URI rules read for a security review', () => {
  beforeEach(() => {
    providerRows = [
      // A release that keeps one string (before the fix of CVE-2024-52289): each entry is a regular expression.
      authentikProvider({ pk: 1, name: 'string release', redirect_uris: 'https://app.example.com/cb\nhttps://other.example.org/x' }),
      authentikProvider({ pk: 2, name: 'string release, none', redirect_uris: '' }),
      authentikProvider2026({
        pk: 3,
        name: 'open regex',
        redirect_uris: [{ matching_mode: 'regex', url: 'https://.*\\.example\\.com/cb' }],
      }),
      authentikProvider2026({ pk: 4, name: 'strict', redirect_uris: [{ matching_mode: 'strict', url: 'https://app.example.com/cb' }] }),
      authentikProvider2026({ pk: 5, name: 'no rules', redirect_uris: [] }),
    ];
  });

  const names = async (host: string) => {
    const res = await gateway.gql(`{ oauthApplications(filter: { services: [AUTHENTIK], redirectHost: "${host}" }) { nodes { name } } }`);
    expect(res.errors).toBeUndefined();
    return res.data.oauthApplications.nodes.map((n: { name: string }) => n.name);
  };

  it('shows each rule as authentik has it, and a provider without any as having none', async () => {
    const res = await gateway.gql(
      `{ oauthApplications(filter: { services: [AUTHENTIK], nameContains: "r" }) { nodes { name redirectUrls } } }`,
    );
    expect(res.data.oauthApplications.nodes).toEqual([
      { name: 'string release', redirectUrls: ['https://app.example.com/cb', 'https://other.example.org/x'] },
      { name: 'string release, none', redirectUrls: [] },
      { name: 'open regex', redirectUrls: ['https://.*\\.example\\.com/cb'] },
      { name: 'strict', redirectUrls: ['https://app.example.com/cb'] },
      { name: 'no rules', redirectUrls: [] },
    ]);
  });

  it('counts what every rule may let through: regular expressions by their hosts, no rules as any host', async () => {
    // https://.*\.example\.com/cb accepts https://evil.test#.example.com/cb; no rules: the first redirect URI is saved.
    expect(await names('evil.test')).toEqual(['string release, none', 'open regex', 'no rules']);
    // As a regular expression, https://app.example.com/cb also accepts https://app@example.com/cb and https://app-example.com/cb.
    expect(await names('example.com')).toEqual(['string release', 'string release, none', 'open regex', 'no rules']);
    expect(await names('app-example.com')).toEqual(['string release', 'string release, none', 'open regex', 'no rules']);
    expect(await names('app.example.com')).toEqual(['string release', 'string release, none', 'open regex', 'strict', 'no rules']);
  });
});
