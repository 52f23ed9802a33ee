import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authentikSource, identityNowClient, identityNowError, IDN_ID } from './fixtures/upstream-bodies.js';
import { startFederationGateway, startTeamsSubgraph, type Listening } from './helpers/federation.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type Stub } from './helpers/stub.js';
import { composeSupergraph } from './helpers/supergraph.js';
import { execute } from './helpers/typed-request.js';
import { ServiceSdlDocument } from './operations/subgraph.generated.js';
import { PatchTeamClientDocument, TeamsWithOAuthDocument } from './operations/supergraph.generated.js';

// The gateway as one subgraph of a supergraph: composed with another team's subgraph and queried
// through a real federation gateway, every hop over HTTP on loopback.

const TEAMS = [
  { id: 'platform', name: 'Platform', oauthClientId: IDN_ID, loginSourceSlug: 'github' },
  { id: 'payments', name: 'Payments', oauthClientId: IDN_ID, loginSourceSlug: null },
  { id: 'legacy', name: 'Legacy', oauthClientId: 'retired-client', loginSourceSlug: 'github' },
];

let idn: Stub;
let ak: Stub;
let subgraph: RunningGateway;
let teams: Listening;
let federation: Listening;

beforeAll(async () => {
  idn = await startStub();
  ak = await startStub();
  subgraph = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: 'idn-token',
    AUTHENTIK_URL: `${ak.origin}/api/v3`,
    AUTHENTIK_TOKEN: 'ak-token',
  });
  const teamsSdl = readFileSync('test/fixtures/teams-subgraph.graphql', 'utf8');
  teams = await startTeamsSubgraph(teamsSdl, TEAMS);
  // The subgraph SDL is read from the running gateway, as `rover subgraph introspect` does.
  const service = await execute(subgraph.url, ServiceSdlDocument);
  const supergraphSdl = composeSupergraph([
    { name: 'oauth', url: subgraph.url, sdl: service.data!._service.sdl! },
    { name: 'teams', url: teams.url, sdl: teamsSdl },
  ]);
  federation = await startFederationGateway(supergraphSdl);
});

afterAll(async () => {
  await federation?.close();
  await teams?.close();
  await subgraph?.close();
  await Promise.all([idn?.close(), ak?.close()]);
});

beforeEach(() => {
  idn.requests.length = 0;
  ak.requests.length = 0;
  idn.handle((req, res) => {
    if (req.method === 'GET' && req.url === `/beta/oauth-clients/${IDN_ID}`) return json(res, 200, identityNowClient());
    json(res, 404, identityNowError('404', 'Not found'));
  });
  ak.handle((req, res) => {
    if (req.url === '/api/v3/sources/oauth/github/') return json(res, 200, authentikSource());
    json(res, 404, { detail: 'Not found.' });
  });
});

describe('through a federation gateway', () => {
  it('joins the teams subgraph with this subgraph’s entities, one upstream call per distinct key', async () => {
    const res = await execute(federation.url, TeamsWithOAuthDocument);
    expect(res.errors).toBeUndefined();
    const client = {
      id: IDN_ID,
      name: 'Demo API Client',
      enabled: true,
      grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS', 'REFRESH_TOKEN'],
    };
    const source = { slug: 'github', name: expect.any(String), providerType: 'GITHUB' };
    expect(res.data).toEqual({
      teams: [
        { id: 'platform', name: 'Platform', oauthClient: client, loginSource: source },
        { id: 'payments', name: 'Payments', oauthClient: client, loginSource: null },
        // The entity the teams subgraph points at is gone: the gateway keeps its key, the rest is null.
        {
          id: 'legacy',
          name: 'Legacy',
          oauthClient: { id: 'retired-client', name: null, enabled: null, grantTypes: null },
          loginSource: source,
        },
      ],
    });
    expect(idn.requests.map((r) => `${r.method} ${r.url}`).sort()).toEqual([
      `GET /beta/oauth-clients/${IDN_ID}`,
      'GET /beta/oauth-clients/retired-client',
    ]);
    expect(ak.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /api/v3/sources/oauth/github/']);
  });

  it('routes a mutation to this subgraph, which sends the PATCH upstream', async () => {
    idn.handle((req, res) => json(res, 200, identityNowClient({ description: 'Owned by Platform' })));
    const res = await execute(federation.url, PatchTeamClientDocument, {
      id: IDN_ID,
      ops: [{ op: 'REPLACE', path: '/description', value: 'Owned by Platform' }],
    });
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ patchOAuthClient: { id: IDN_ID, name: 'Demo API Client', description: 'Owned by Platform' } });
    expect(idn.requests).toHaveLength(1);
    expect(idn.requests[0]).toMatchObject({ method: 'PATCH', url: `/beta/oauth-clients/${IDN_ID}` });
    expect(JSON.parse(idn.requests[0]!.body)).toEqual([{ op: 'replace', path: '/description', value: 'Owned by Platform' }]);
  });

  it("passes an upstream error's extensions.code on to the client of the federation gateway", async () => {
    idn.handle((_req, res) => json(res, 403, identityNowError('403', 'The token may not write OAuth clients.')));
    const res = await execute(federation.url, PatchTeamClientDocument, {
      id: IDN_ID,
      ops: [{ op: 'REPLACE', path: '/description', value: 'x' }],
    });
    expect(res.data).toBeNull();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]).toMatchObject({
      message: 'The token may not write OAuth clients.',
      path: ['patchOAuthClient'],
      extensions: { code: 'FORBIDDEN', upstream: { service: 'identitynow', status: 403, operation: 'patchOauthClient' } },
    });
  });

  it("passes an entity fetch's upstream error code on, and keeps the rest of the join", async () => {
    idn.handle((_req, res) => json(res, 500, identityNowError('500', 'IdentityNow is having a moment.')));
    const res = await execute(federation.url, TeamsWithOAuthDocument);
    expect(res.errors!.map((e) => e.path)).toEqual([0, 1, 2].map((i) => ['teams', i, 'oauthClient']));
    for (const error of res.errors!) {
      expect(error).toMatchObject({
        message: 'IdentityNow is having a moment.',
        extensions: { code: 'UPSTREAM_ERROR', upstream: { service: 'identitynow', status: 500, operation: 'getOauthClient' } },
      });
    }
    // Two teams share a client: still one call for it.
    expect(idn.requests).toHaveLength(2);
    expect(res.data?.teams.map((t) => [t.id, t.name, t.loginSource?.slug ?? null])).toEqual([
      ['platform', 'Platform', 'github'],
      ['payments', 'Payments', null],
      ['legacy', 'Legacy', 'github'],
    ]);
  });
});

describe('a supergraph listing 100 teams with their OAuth clients', () => {
  let many: Listening;
  let manyFederation: Listening;
  const hundred = Array.from({ length: 100 }, (_, i) => ({
    id: `team-${i}`,
    name: `Team ${i}`,
    oauthClientId: `client-${i}`,
    loginSourceSlug: i % 2 === 0 ? `source-${i}` : null,
  }));

  beforeAll(async () => {
    const teamsSdl = readFileSync('test/fixtures/teams-subgraph.graphql', 'utf8');
    many = await startTeamsSubgraph(teamsSdl, hundred);
    const service = await execute(subgraph.url, ServiceSdlDocument);
    manyFederation = await startFederationGateway(
      composeSupergraph([
        { name: 'oauth', url: subgraph.url, sdl: service.data!._service.sdl! },
        { name: 'teams', url: many.url, sdl: teamsSdl },
      ]),
    );
  });

  afterAll(async () => {
    await manyFederation?.close();
    await many?.close();
  });

  it('resolves every client and source with the default limits: one _entities request, one call per entity', async () => {
    idn.handle((req, res) => {
      const id = decodeURIComponent(req.url.slice('/beta/oauth-clients/'.length));
      json(res, 200, identityNowClient({ id, name: `Client of ${id}` }));
    });
    ak.handle((req, res) => {
      const slug = decodeURIComponent(req.url.slice('/api/v3/sources/oauth/'.length).replace(/\/$/, ''));
      json(res, 200, authentikSource({ slug, name: `Login ${slug}` }));
    });
    const res = await execute(manyFederation.url, TeamsWithOAuthDocument);
    expect(res.errors).toBeUndefined();
    expect(res.data!.teams).toHaveLength(100);
    expect(res.data!.teams.map((team) => team.oauthClient?.name)).toEqual(hundred.map((team) => `Client of ${team.oauthClientId}`));
    expect(res.data!.teams.filter((team) => team.loginSource).map((team) => team.loginSource!.name)).toEqual(
      hundred.filter((team) => team.loginSourceSlug).map((team) => `Login ${team.loginSourceSlug}`),
    );
    expect(idn.requests).toHaveLength(100);
    expect(ak.requests).toHaveLength(50);
  });
});
