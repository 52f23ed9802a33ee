import { readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ENTITY_FETCH_CONCURRENCY } from '../src/entity-loader.js';
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
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';
import { execute } from './helpers/typed-request.js';
import { EntitiesDocument, ServiceSdlDocument } from './operations/subgraph.generated.js';

// The gateway as a federation gateway sees it: `_service` and `_entities` sent straight to /graphql.

let idn: Stub;
let ld: Stub;
let ak: Stub;
let gateway: RunningGateway;

/** Answers GET by id with the body `bodyFor` gives, or 404 when it gives undefined. */
function byId(prefix: string, bodyFor: (id: string) => unknown) {
  return (req: RecordedRequest, res: ServerResponse) => {
    const id = decodeURIComponent(req.url.slice(prefix.length).replace(/\/$/, ''));
    const body = bodyFor(id);
    if (body === undefined) json(res, 404, { detail: 'Not found.' });
    else json(res, 200, body);
  };
}

beforeAll(async () => {
  idn = await startStub();
  ld = await startStub();
  ak = await startStub();
  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token',
    LAUNCHDARKLY_URL: ld.origin,
    LAUNCHDARKLY_API_KEY: 'ld-key-0123',
    AUTHENTIK_URL: `${ak.origin}/api/v3`,
    AUTHENTIK_TOKEN: 'ak-token',
    // 2024.8's limits, named so nothing asks for them: a slug of 51 characters could never name a source there.
    AUTHENTIK_API_VERSION: '2024.8.1',
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([idn.close(), ld.close(), ak.close()]);
});

beforeEach(() => {
  for (const stub of [idn, ld, ak]) stub.requests.length = 0;
  idn.handle(byId('/beta/oauth-clients/', (id) => (id === IDN_ID ? identityNowClient() : undefined)));
  ld.handle(byId('/api/v2/oauth/clients/', (id) => (id === LD_ID ? launchDarklyClient() : undefined)));
  ak.handle((req, res) => {
    if (req.url === '/api/v3/providers/oauth2/6/') return json(res, 200, authentikProvider());
    if (req.url === '/api/v3/sources/oauth/github/') return json(res, 200, authentikSource());
    json(res, 404, { detail: 'Not found.' });
  });
});

const requestLines = (stub: Stub) => stub.requests.map((r) => `${r.method} ${r.url}`);

describe('_service', () => {
  it('answers the committed federation v2 SDL, with the four entities and their keys', async () => {
    const res = await execute(gateway.url, ServiceSdlDocument);
    expect(res.errors).toBeUndefined();
    const sdl = res.data!._service.sdl!;
    expect(`${sdl}\n`).toBe(readFileSync('schema/subgraph.graphql', 'utf8'));
    expect(sdl).toMatch(/^extend schema\s+@link\(url: "https:\/\/specs\.apollo\.dev\/federation\/v2\.\d+", import: \["@key"\]\)/);
    expect(sdl).toMatch(/type IdentityNowOAuthClient implements OAuthApplication\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type LaunchDarklyOAuthClient implements OAuthApplication\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type AuthentikOAuth2Provider implements OAuthApplication\s+@key\(fields: "id"\)/);
    expect(sdl).toMatch(/type AuthentikOAuthSource implements OAuthApplication\s+@key\(fields: "slug"\)/);
  });
});

describe('_entities', () => {
  it('fetches each entity from its own upstream with a GET', async () => {
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: [
        { __typename: 'IdentityNowOAuthClient', id: IDN_ID },
        { __typename: 'LaunchDarklyOAuthClient', id: LD_ID },
        { __typename: 'AuthentikOAuth2Provider', id: '6' },
        { __typename: 'AuthentikOAuthSource', slug: 'github' },
      ],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([
      { __typename: 'IdentityNowOAuthClient', id: IDN_ID, name: 'Demo API Client', enabled: true },
      { __typename: 'LaunchDarklyOAuthClient', id: LD_ID, name: 'Example Client', createdAt: new Date(1718000000000).toISOString() },
      { __typename: 'AuthentikOAuth2Provider', id: '6', name: expect.any(String), clientType: 'CONFIDENTIAL' },
      { __typename: 'AuthentikOAuthSource', slug: 'github', name: expect.any(String), providerType: 'GITHUB' },
    ]);
    expect(requestLines(idn)).toEqual([`GET /beta/oauth-clients/${IDN_ID}`]);
    expect(requestLines(ld)).toEqual([`GET /api/v2/oauth/clients/${LD_ID}`]);
    expect(requestLines(ak).sort()).toEqual(['GET /api/v3/providers/oauth2/6/', 'GET /api/v3/sources/oauth/github/']);
    expect(idn.requests[0]!.headers.authorization).toBe('Bearer idn-token');
  });

  it('asks the upstream once for a key that appears twice in one request', async () => {
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: [
        { __typename: 'IdentityNowOAuthClient', id: IDN_ID },
        { __typename: 'AuthentikOAuthSource', slug: 'github' },
        { __typename: 'IdentityNowOAuthClient', id: IDN_ID },
        { __typename: 'AuthentikOAuthSource', slug: 'github' },
      ],
    });
    expect(res.errors).toBeUndefined();
    const [a, b, c, d] = res.data!._entities;
    expect(a).toMatchObject({ id: IDN_ID, name: 'Demo API Client' });
    expect(c).toEqual(a);
    expect(d).toEqual(b);
    expect(requestLines(idn)).toEqual([`GET /beta/oauth-clients/${IDN_ID}`]);
    expect(requestLines(ak)).toEqual(['GET /api/v3/sources/oauth/github/']);
  });

  it('asks again in the next request: nothing is cached across requests', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await execute(gateway.url, EntitiesDocument, { representations: [{ __typename: 'LaunchDarklyOAuthClient', id: LD_ID }] });
      expect(res.data!._entities).toEqual([expect.objectContaining({ id: LD_ID })]);
    }
    expect(ld.requests).toHaveLength(2);
  });

  it('answers null for a key the upstream does not know, and the other entities still resolve', async () => {
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: [
        { __typename: 'IdentityNowOAuthClient', id: 'retired-client' },
        { __typename: 'IdentityNowOAuthClient', id: IDN_ID },
        { __typename: 'AuthentikOAuth2Provider', id: '404' },
        { __typename: 'AuthentikOAuthSource', slug: 'gone' },
        { __typename: 'LaunchDarklyOAuthClient', id: 'f0f0f0f0' },
      ],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual([null, expect.objectContaining({ id: IDN_ID }), null, null, null]);
  });

  it('answers null, with no upstream call, for keys that could never name a resource', async () => {
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: [
        { __typename: 'IdentityNowOAuthClient', id: '../admin' },
        { __typename: 'IdentityNowOAuthClient', id: 'a/b' },
        { __typename: 'IdentityNowOAuthClient', id: '..' },
        { __typename: 'IdentityNowOAuthClient' },
        { __typename: 'IdentityNowOAuthClient', id: { $ne: null } },
        { __typename: 'LaunchDarklyOAuthClient', id: 'x?y=1' },
        { __typename: 'AuthentikOAuth2Provider', id: '1 OR 1=1' },
        { __typename: 'AuthentikOAuth2Provider', id: 7 },
        { __typename: 'AuthentikOAuthSource', slug: 'git hub' },
        { __typename: 'AuthentikOAuthSource', slug: 's'.repeat(51) },
      ],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities).toEqual(Array(10).fill(null));
    expect([...idn.requests, ...ld.requests, ...ak.requests]).toEqual([]);
  });

  it("gives an upstream error to that representation only, with the contract's code", async () => {
    idn.handle((req, res) =>
      req.url.endsWith('/locked')
        ? json(res, 403, identityNowError('403', 'Insufficient scope to read this client.'))
        : json(res, 200, identityNowClient()),
    );
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: [
        { __typename: 'IdentityNowOAuthClient', id: IDN_ID },
        { __typename: 'IdentityNowOAuthClient', id: 'locked' },
      ],
    });
    expect(res.data!._entities).toEqual([expect.objectContaining({ id: IDN_ID }), null]);
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      message: 'Insufficient scope to read this client.',
      path: ['_entities', 1],
      extensions: { code: 'FORBIDDEN', upstream: { service: 'identitynow', status: 403, operation: 'getOauthClient' } },
    });
  });

  it(`runs at most ${ENTITY_FETCH_CONCURRENCY} upstream calls at once for one request, and all of them in the end`, async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `client-${i}`);
    const answer = (req: RecordedRequest, res: ServerResponse) => {
      const id = decodeURIComponent(req.url.slice('/api/v2/oauth/clients/'.length));
      json(res, 200, launchDarklyClient({ _clientId: id, name: `Client ${id}` }));
    };
    const held: Array<() => void> = [];
    let bound!: () => void;
    const boundReached = new Promise<void>((resolve) => (bound = resolve));
    ld.handle((req, res) => {
      if (req.url.endsWith('/probe')) return answer(req, res);
      held.push(() => answer(req, res));
      if (held.length === ENTITY_FETCH_CONCURRENCY) bound();
    });

    const pending = execute(gateway.url, EntitiesDocument, {
      representations: ids.map((id) => ({ __typename: 'LaunchDarklyOAuthClient', id })),
    });
    await boundReached;
    // A second request is not held up by the first one's bound, and by the time its answer is back,
    // every call the first request would have started without a bound has arrived too.
    const probe = await execute(gateway.url, EntitiesDocument, {
      representations: [{ __typename: 'LaunchDarklyOAuthClient', id: 'probe' }],
    });
    expect(probe.data!._entities).toEqual([expect.objectContaining({ id: 'probe' })]);
    expect(held).toHaveLength(ENTITY_FETCH_CONCURRENCY);

    // Each finished call lets the next one start, until all twenty are done.
    ld.handle(answer);
    for (const release of held.splice(0)) release();
    const res = await pending;

    expect(res.errors).toBeUndefined();
    expect(res.data!._entities.map((e) => e && 'id' in e && e.id)).toEqual(ids);
    expect(ld.requests.filter((r) => !r.url.endsWith('/probe'))).toHaveLength(ids.length);
  });

  it('fetches 100 references in one request with the default limits: they have their own bound, not the operation budget of 10', async () => {
    ld.handle((req, res) => {
      const id = decodeURIComponent(req.url.slice('/api/v2/oauth/clients/'.length));
      json(res, 200, launchDarklyClient({ _clientId: id, name: `Client ${id}` }));
    });
    const ids = Array.from({ length: 100 }, (_, i) => `client-${i}`);
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: ids.map((id) => ({ __typename: 'LaunchDarklyOAuthClient', id })),
    });
    expect(res.errors).toBeUndefined();
    expect(res.data!._entities.map((e) => e && 'id' in e && e.id)).toEqual(ids);
    expect(ld.requests).toHaveLength(100);
  });

  it('refuses the reference past GATEWAY_MAX_ENTITIES (100) before it is sent, and resolves the others', async () => {
    ld.handle((req, res) => {
      const id = decodeURIComponent(req.url.slice('/api/v2/oauth/clients/'.length));
      json(res, 200, launchDarklyClient({ _clientId: id }));
    });
    const ids = Array.from({ length: 101 }, (_, i) => `client-${i}`);
    const res = await execute(gateway.url, EntitiesDocument, {
      representations: [
        ...ids.map((id) => ({ __typename: 'LaunchDarklyOAuthClient', id })),
        { __typename: 'LaunchDarklyOAuthClient', id: 'client-0' },
      ],
    });
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      path: ['_entities', 100],
      message: expect.stringMatching(
        /limit of 100 entity references \(GATEWAY_MAX_ENTITIES\); getOAuthClientById was not sent to launchdarkly/,
      ),
      extensions: { code: 'BAD_USER_INPUT', limit: { name: 'entities', max: 100 } },
    });
    // A key asked again costs nothing more.
    expect(res.data!._entities.filter(Boolean)).toHaveLength(101);
    expect(ld.requests).toHaveLength(100);
  });
});
