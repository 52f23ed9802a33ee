import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { encodeCursor } from '../src/pagination.js';
import { startSandbox, type Sandbox } from '../src/sandbox/index.js';
import { startGateway, type GraphQLResponse, type RunningGateway } from './helpers/gateway.js';
import { startProxy, type Proxy } from './helpers/proxy.js';

// The inventory across vendors over the sandbox, seeded with 120 generated applications of each
// type (SANDBOX_EXTRA_APPLICATIONS): 122 authentik providers and 123 sources, two pages each at the
// 100 a page the gateway asks for; IdentityNow and LaunchDarkly answer every client in one call.
// A recording proxy in front of each emulation counts the upstream calls.

const EXTRA = 120;
let sandbox: Sandbox;
const proxies = {} as Record<'identitynow' | 'launchdarkly' | 'authentik', Proxy>;
let gateway: RunningGateway;

interface Node {
  __typename: string;
  id: string;
  service: string;
  name: string | null;
  redirectUrls: string[];
}

const NODE = '{ __typename id service name redirectUrls version }';
const key = (node: { __typename: string; id: string }) => `${node.__typename}:${node.id}`;

beforeAll(async () => {
  sandbox = await startSandbox({}, { extraApplications: EXTRA });
  for (const service of ['identitynow', 'launchdarkly', 'authentik'] as const) {
    proxies[service] = await startProxy(new URL(sandbox.services[service].url).origin);
  }
  const root = (service: keyof typeof proxies) => `${proxies[service].origin}${new URL(sandbox.services[service].url).pathname}`;
  gateway = await startGateway(
    loadConfig({
      GATEWAY_ALLOW_ANONYMOUS: 'true',
      IDENTITYNOW_URL: root('identitynow'),
      IDENTITYNOW_TOKEN: sandbox.services.identitynow.secret,
      LAUNCHDARKLY_URL: root('launchdarkly').replace(/\/$/, ''),
      LAUNCHDARKLY_API_KEY: sandbox.services.launchdarkly.secret,
      AUTHENTIK_URL: root('authentik'),
      AUTHENTIK_TOKEN: sandbox.services.authentik.secret,
      // The inventory's pages have their own bound: this operation budget is far below the 6 calls it takes.
      GATEWAY_MAX_UPSTREAM_CALLS: '2',
    }),
  );
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all(Object.values(proxies).map((proxy) => proxy.close()));
  await sandbox?.close();
});

beforeEach(() => {
  for (const proxy of Object.values(proxies)) proxy.reset();
});

const calls = () => Object.fromEntries(Object.entries(proxies).map(([service, proxy]) => [service, proxy.requests.map((r) => r.url)]));

async function inventory(args: string): Promise<GraphQLResponse<{ oauthApplications: any }>> {
  return gateway.gql(`{ oauthApplications(${args}) { totalCount services pageInfo { hasNextPage endCursor } nodes ${NODE} } }`);
}

/** Every application each emulation has, asked of it directly (authentik page by page). */
async function everyApplication(): Promise<string[]> {
  const get = async (service: keyof typeof proxies, path: string, authorization: string) =>
    (await fetch(`${sandbox.services[service].url}${path}`, { headers: { authorization } })).json() as Promise<any>;
  const idn = await get('identitynow', '/oauth-clients', `Bearer ${sandbox.services.identitynow.secret}`);
  const ld = await get('launchdarkly', '/api/v2/oauth/clients', sandbox.services.launchdarkly.secret);
  const all = [
    ...idn.map((c: { id: string }) => `IdentityNowOAuthClient:${c.id}`),
    ...ld.items.map((c: { _clientId: string }) => `LaunchDarklyOAuthClient:${c._clientId}`),
  ];
  for (const [collection, typename] of [
    ['/providers/oauth2/', 'AuthentikOAuth2Provider'],
    ['/sources/oauth/', 'AuthentikOAuthSource'],
  ] as const) {
    for (let page = 1; page > 0;) {
      const answer = await get('authentik', `${collection}?page=${page}&page_size=50`, `Bearer ${sandbox.services.authentik.secret}`);
      all.push(...answer.results.map((item: { pk: unknown }) => `${typename}:${String(item.pk)}`));
      page = answer.pagination.next;
    }
  }
  return all;
}

async function allPages(args: string, first: number): Promise<{ nodes: Node[]; pages: number; totals: number[] }> {
  const nodes: Node[] = [];
  const totals: number[] = [];
  let after: string | null = null;
  let pages = 0;
  do {
    const res = await inventory(`${args} first: ${first}${after ? `, after: "${after}"` : ''}`);
    expect(res.errors).toBeUndefined();
    const page = res.data!.oauthApplications;
    nodes.push(...page.nodes);
    totals.push(page.totalCount);
    pages += 1;
    after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
  } while (after);
  return { nodes, pages, totals };
}

describe('oauthApplications over every vendor', () => {
  it('answers every application of every vendor exactly once across pages, in a stable order', async () => {
    const expected = await everyApplication();
    expect(expected).toHaveLength(2 * (2 + EXTRA) + 2 * (3 + EXTRA));
    const { nodes, pages, totals } = await allPages('', 37);
    expect(pages).toBe(Math.ceil(expected.length / 37));
    expect(new Set(totals)).toEqual(new Set([expected.length]));
    const seen = nodes.map(key);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    // By service, then type, then id (authentik's integer pks in numeric order).
    expect([...new Set(nodes.map((node) => node.service))]).toEqual(['AUTHENTIK', 'IDENTITYNOW', 'LAUNCHDARKLY']);
    const providers = nodes.filter((node) => node.__typename === 'AuthentikOAuth2Provider').map((node) => Number(node.id));
    expect(providers).toEqual([...providers].sort((a, b) => a - b));
  });

  it('reads each vendor to its end with one call a page: 6 calls for an inventory, whatever the operation budget', async () => {
    const res = await inventory('first: 1');
    expect(res.errors).toBeUndefined();
    expect(res.data!.oauthApplications.services).toEqual(['IDENTITYNOW', 'LAUNCHDARKLY', 'AUTHENTIK']);
    expect(calls()).toEqual({
      identitynow: ['/beta/oauth-clients'],
      launchdarkly: ['/api/v2/oauth/clients'],
      authentik: expect.arrayContaining([
        '/api/v3/providers/oauth2/?page_size=100&ordering=pk&page=1',
        '/api/v3/providers/oauth2/?page_size=100&ordering=pk&page=2',
        '/api/v3/sources/oauth/?page_size=100&ordering=pk&page=1',
        '/api/v3/sources/oauth/?page_size=100&ordering=pk&page=2',
      ]),
    });
    expect(proxies.authentik.requests).toHaveLength(4);
  });

  it('reads once for every alias of the inventory in one operation', async () => {
    const res = await gateway.gql(
      `{ a: oauthApplications(first: 1) { totalCount } b: oauthApplications(filter: { nameContains: "generated" }) { totalCount } }`,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.a.totalCount).toBe(2 * (2 + EXTRA) + 2 * (3 + EXTRA));
    expect(res.data.b.totalCount).toBe(4 * EXTRA);
    expect(Object.values(proxies).reduce((n, proxy) => n + proxy.requests.length, 0)).toBe(6);
  });

  it('keeps its cursors stable: a page after a cursor starts after that application, whatever changed in between', async () => {
    const first = await inventory('filter: { services: [LAUNCHDARKLY] }, first: 30');
    const page1: Node[] = first.data!.oauthApplications.nodes;
    const cursor: string = first.data!.oauthApplications.pageInfo.endCursor;
    const again = await inventory(`filter: { services: [LAUNCHDARKLY] }, first: 30, after: "${cursor}"`);
    const page2: Node[] = again.data!.oauthApplications.nodes;
    expect(page2[0]!.id > page1.at(-1)!.id).toBe(true);

    // One client of the first page goes, one comes: the next page from the same cursor is the same.
    const created = await gateway.gql(
      `mutation { createLaunchDarklyOAuthClient(input: { name: "Zz new", redirectUri: "https://new.example.com/cb" }) { client { id } } }`,
    );
    expect(created.errors).toBeUndefined();
    const newId: string = created.data.createLaunchDarklyOAuthClient.client.id;
    const deleted = await gateway.gql(`mutation { deleteLaunchDarklyOAuthClient(id: "${page1[0]!.id}") { id } }`);
    expect(deleted.errors).toBeUndefined();

    const after = await inventory(`filter: { services: [LAUNCHDARKLY] }, first: 30, after: "${cursor}"`);
    const pageAfter: Node[] = after.data!.oauthApplications.nodes;
    const withNew = [...page2.map((node) => node.id), ...(newId > page1.at(-1)!.id ? [newId] : [])].sort();
    expect(pageAfter.map((node) => node.id)).toEqual(withNew.slice(0, 30));
    expect(pageAfter.map((node) => node.id).some((id) => page1.some((node) => node.id === id))).toBe(false);
  });

  it('refuses a cursor of another connection, or one that is not a cursor, and sends nothing', async () => {
    for (const after of [encodeCursor('audit', '42'), 'not-a-cursor', encodeCursor('oauthApplications', 'NoSuchType:1')]) {
      const res = await inventory(`after: "${after}"`);
      expect(res.data).toBeNull();
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field: 'after' }] });
    }
    expect(Object.values(proxies).every((proxy) => proxy.requests.length === 0)).toBe(true);
  });
});

describe('oauthApplications filters', () => {
  // What the WHATWG URL parser says of each URL's host, for comparing with what the gateway answers.
  const hostOf = (url: string) => {
    try {
      return new URL(url).hostname.replace(/\.$/, '');
    } catch {
      return undefined;
    }
  };
  const portOf = (url: string) => new URL(url).port || '443';
  let everything: Node[];

  beforeAll(async () => {
    everything = (await allPages('', 500)).nodes;
  });

  async function filtered(filter: string): Promise<string[]> {
    const { nodes } = await allPages(`filter: { ${filter} },`, 500);
    return nodes.map(key).sort();
  }
  const where = (test: (node: Node) => boolean) => everything.filter(test).map(key).sort();
  // The REGEX rules the seed has: https://[a-z0-9-]+\.apps\.example\.com/callback/[0-9]+ (every tenth provider).
  const regexProviders = () => where((node) => node.redirectUrls.some((url) => url.includes('[a-z0-9-]+')));

  it('matches a redirect host in any case, IDN form and with or without a trailing dot', async () => {
    const idn = where((node) => node.redirectUrls.some((url) => hostOf(url) === 'xn--bcher-kva.example'));
    // Generated URLs name the host in Unicode and in punycode; both are the same host.
    expect(idn.length).toBeGreaterThan(50);
    expect(everything.some((node) => node.redirectUrls.some((url) => url.includes('bücher.example')))).toBe(true);
    for (const host of ['bücher.example', 'BÜCHER.EXAMPLE', 'xn--bcher-kva.example', 'XN--BCHER-KVA.example.']) {
      expect(await filtered(`redirectHost: "${host}"`)).toEqual(idn);
    }
    const portal = where((node) => node.redirectUrls.some((url) => hostOf(url) === 'portal.example.com'));
    expect(portal.length).toBeGreaterThan(50);
    expect(await filtered('redirectHost: "portal.example.com"')).toEqual(portal);
    const legacy = where((node) => node.redirectUrls.some((url) => url.startsWith('https://legacy.example.org./')));
    expect(legacy.length).toBeGreaterThan(50);
    expect(await filtered('redirectHost: "Legacy.Example.org"')).toEqual(legacy);
  });

  it('matches any port of a host without one, and only that port of a host with one', async () => {
    const intranet = where((node) => node.redirectUrls.some((url) => hostOf(url) === 'intranet.example.net'));
    expect(intranet.length).toBeGreaterThan(50);
    expect(intranet.every((k) => everything.find((node) => key(node) === k)!.redirectUrls.some((url) => portOf(url) === '8443'))).toBe(
      true,
    );
    expect(await filtered('redirectHost: "intranet.example.net"')).toEqual(intranet);
    expect(await filtered('redirectHost: "intranet.example.net:8443"')).toEqual(intranet);
    expect(await filtered('redirectHost: "intranet.example.net:443"')).toEqual([]);
    // An https URL without a port is on port 443.
    const apps = where((node) => node.redirectUrls.some((url) => hostOf(url) === 'apps.example.com'));
    expect(await filtered('redirectHost: "apps.example.com:443"')).toEqual(apps);
  });

  it('matches subdomains only when asked, with *.; a REGEX rule by the hosts its URLs can have', async () => {
    const regex = regexProviders();
    expect(regex).toHaveLength(EXTRA / 10);
    // [a-z0-9-]+\.apps\.example\.com: any host under apps.example.com, not apps.example.com itself, nothing elsewhere.
    expect(await filtered('redirectHost: "tenant-7.apps.example.com"')).toEqual(regex);
    expect(await filtered('redirectHost: "evil.test"')).toEqual([]);
    const apps = where((node) => node.redirectUrls.some((url) => hostOf(url) === 'apps.example.com'));
    expect(await filtered('redirectHost: "apps.example.com"')).toEqual(apps);
    expect(await filtered('redirectHost: "*.apps.example.com"')).toEqual(regex);
    const underExample = where(
      (node) =>
        node.redirectUrls.some((url) => hostOf(url)?.toLowerCase().endsWith('.example.com')) ||
        node.redirectUrls.some((url) => url.includes('[a-z0-9-]+')),
    );
    expect(await filtered('redirectHost: "*.example.com"')).toEqual(underExample);
    expect(await filtered('redirectHost: "example.com"')).toEqual([]);
  });

  it('matches a redirect URL once normalised, or by a REGEX rule, and a name ignoring case', async () => {
    const first = where((node) => node.redirectUrls.some((url) => url === 'https://Portal.Example.COM/callback/1'));
    expect(first).toHaveLength(3);
    expect(await filtered('redirectUrl: "https://portal.example.com:443/callback/1"')).toEqual(first);
    expect(await filtered('redirectUrl: "https://x.apps.example.com/callback/5"')).toEqual(regexProviders());
    expect(await filtered('redirectUrl: "https://portal.example.com/callback/1/"')).toEqual([]);
    expect(await filtered('nameContains: "GENERATED provider 00"')).toHaveLength(99);
    expect(await filtered('nameContains: "generated", services: [IDENTITYNOW, AUTHENTIK], redirectHost: "bücher.example"')).toEqual(
      where(
        (node) =>
          ['IDENTITYNOW', 'AUTHENTIK'].includes(node.service) &&
          node.name!.startsWith('Generated') &&
          node.redirectUrls.some((url) => hostOf(url) === 'xn--bcher-kva.example'),
      ),
    );
  });

  it("gives each authentik source its callback URL, made absolute with the API root's origin", async () => {
    const source = everything.find((node) => node.__typename === 'AuthentikOAuthSource' && node.name === 'GitHub')!;
    expect(source.redirectUrls).toEqual([`${proxies.authentik.origin}/source/oauth/callback/github/`]);
    expect(await filtered(`redirectUrl: "${proxies.authentik.origin}/source/oauth/callback/github/"`)).toEqual([key(source)]);
  });

  it('refuses a filter that is not a URL or a host, naming it, and sends nothing', async () => {
    for (const [filter, field] of [
      ['redirectHost: "https://example.com/"', 'filter.redirectHost'],
      ['redirectHost: "user@example.com"', 'filter.redirectHost'],
      ['redirectHost: "example.com:99999"', 'filter.redirectHost'],
      ['redirectHost: "*.10.0.0.1"', 'filter.redirectHost'],
      ['redirectUrl: "/callback"', 'filter.redirectUrl'],
    ] as const) {
      proxies.authentik.reset();
      const res = await inventory(`filter: { ${filter} }`);
      expect(res.data).toBeNull();
      expect(res.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fieldErrors: [{ field }] });
    }
    expect(Object.values(proxies).every((proxy) => proxy.requests.length === 0)).toBe(true);
  });
});

describe('each vendor list as a page', () => {
  it('authentik pages say where they are and how to reach the next; IdentityNow and LaunchDarkly answer everything', async () => {
    const res = await gateway.gql(`{
      p1: oauth2ProvidersPage(pageSize: 50) { totalCount pageInfo { page totalPages hasNextPage nextPage previousPage } nodes { id } }
      p3: oauth2ProvidersPage(pageSize: 50, page: 3) { pageInfo { page hasNextPage nextPage previousPage } nodes { id } }
    }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.p1).toMatchObject({
      totalCount: 2 + EXTRA,
      pageInfo: { page: 1, totalPages: 3, hasNextPage: true, nextPage: 2, previousPage: null },
    });
    expect(res.data.p1.nodes).toHaveLength(50);
    expect(res.data.p3.pageInfo).toEqual({ page: 3, hasNextPage: false, nextPage: null, previousPage: 2 });
    expect(res.data.p3.nodes).toHaveLength(22);
    const sources = await gateway.gql(`{ oauthSourcesPage { totalCount pageInfo { totalPages hasNextPage } nodes { slug } } }`);
    // Without pageSize, authentik 2026.2's default of 20.
    expect(sources.data.oauthSourcesPage).toMatchObject({ totalCount: 3 + EXTRA, pageInfo: { totalPages: 7, hasNextPage: true } });
    expect(sources.data.oauthSourcesPage.nodes).toHaveLength(20);

    const whole = await gateway.gql(`{
      oauthClientsPage { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
      launchDarklyOAuthClientsPage { totalCount pageInfo { hasNextPage endCursor } nodes { id } }
    }`);
    expect(whole.errors).toBeUndefined();
    expect(whole.data.oauthClientsPage).toMatchObject({ totalCount: 3 + EXTRA, pageInfo: { hasNextPage: false, endCursor: null } });
    expect(whole.data.oauthClientsPage.nodes).toHaveLength(3 + EXTRA);
    expect(whole.data.launchDarklyOAuthClientsPage.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    expect(whole.data.launchDarklyOAuthClientsPage.totalCount).toBe(whole.data.launchDarklyOAuthClientsPage.nodes.length);
  });

  it('leaves the lists as they were: the first page authentik gives', async () => {
    const res = await gateway.gql(`{ oauth2Providers { id } oauthSources { slug } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data.oauth2Providers).toHaveLength(20);
    expect(res.data.oauthSources).toHaveLength(20);
  });
});
