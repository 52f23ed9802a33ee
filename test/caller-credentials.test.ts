import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { configureLog } from '../src/log.js';
import { authentikProvider, identityNowClient, IDN_ID, launchDarklyClient, paginated } from './fixtures/upstream-bodies.js';
import { startGateway, type RunningGateway } from './helpers/gateway.js';
import { json, startStub, type RecordedRequest, type Stub } from './helpers/stub.js';

// A caller may send its own credential for one upstream in that upstream's header. Each upstream
// has its own stub, so a credential that reached the wrong one would be seen.
const CONFIGURED = { identitynow: 'idn-configured-41aa', launchdarkly: 'api-ld-configured-83bd', authentik: 'ak-configured-0c6e' };
const CALLER = { identitynow: 'idn-caller-e2f7', launchdarkly: 'api-ld-caller-5d19', authentik: 'ak-caller-77b4' };

const logLines: string[] = [];
configureLog({ sink: (line) => logLines.push(line) });

let idn: Stub;
let ld: Stub;
let ak: Stub;
let tokens: Stub;
let gateway: RunningGateway;

const ALL_THREE = `{ oauthClients { id } launchDarklyOAuthClients { id } oauth2Providers { id } }`;

beforeAll(async () => {
  idn = await startStub((_req, res) => json(res, 200, [identityNowClient()]));
  ld = await startStub((_req, res) => json(res, 200, { items: [launchDarklyClient()] }));
  ak = await startStub((_req, res) => json(res, 200, paginated([authentikProvider()])));
  tokens = await startStub((_req, res) => json(res, 200, { access_token: 'idn-granted-token', expires_in: 3600 }));
  gateway = await startGateway({
    IDENTITYNOW_URL: `${idn.origin}/beta`,
    IDENTITYNOW_TOKEN: CONFIGURED.identitynow,
    LAUNCHDARKLY_URL: ld.origin,
    LAUNCHDARKLY_API_KEY: CONFIGURED.launchdarkly,
    AUTHENTIK_URL: `${ak.origin}/api/v3`,
    AUTHENTIK_TOKEN: CONFIGURED.authentik,
  });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([idn.close(), ld.close(), ak.close(), tokens.close()]);
});

beforeEach(() => {
  for (const stub of [idn, ld, ak, tokens]) stub.requests.length = 0;
  logLines.length = 0;
});

const authorizations = (stub: Stub) => stub.requests.map((r) => r.headers.authorization);
/** Every header and body byte a stub received, to search for a credential that should not be there. */
const everything = (requests: RecordedRequest[]) => JSON.stringify(requests.map((r) => [r.url, r.headers, r.body]));

describe('per-request upstream credentials', () => {
  it('X-Authentik-Token goes to authentik alone, as a bearer token; the others keep their configured credential', async () => {
    const res = await gateway.gql(ALL_THREE, undefined, { 'X-Authentik-Token': CALLER.authentik });
    expect(res.errors).toBeUndefined();
    expect(authorizations(ak)).toEqual([`Bearer ${CALLER.authentik}`]);
    expect(authorizations(idn)).toEqual([`Bearer ${CONFIGURED.identitynow}`]);
    expect(authorizations(ld)).toEqual([CONFIGURED.launchdarkly]);
    expect(everything([...idn.requests, ...ld.requests])).not.toContain(CALLER.authentik);
  });

  it('X-LaunchDarkly-Api-Key is sent as the bare access token, and X-IdentityNow-Token as a bearer token', async () => {
    const res = await gateway.gql(ALL_THREE, undefined, {
      'X-LaunchDarkly-Api-Key': CALLER.launchdarkly,
      'X-IdentityNow-Token': CALLER.identitynow,
    });
    expect(res.errors).toBeUndefined();
    expect(authorizations(ld)).toEqual([CALLER.launchdarkly]);
    expect(authorizations(idn)).toEqual([`Bearer ${CALLER.identitynow}`]);
    expect(authorizations(ak)).toEqual([`Bearer ${CONFIGURED.authentik}`]);
    expect(everything(ak.requests)).not.toMatch(new RegExp(`${CALLER.launchdarkly}|${CALLER.identitynow}`));
    expect(everything(idn.requests)).not.toContain(CALLER.launchdarkly);
    expect(everything(ld.requests)).not.toContain(CALLER.identitynow);
  });

  it('holds for that request only: concurrent requests with and without the header each use their own', async () => {
    const [withHeader, without] = await Promise.all([
      gateway.gql(`{ oauth2Providers { id } }`, undefined, { 'X-Authentik-Token': CALLER.authentik }),
      gateway.gql(`{ oauth2Providers { id } }`),
    ]);
    expect(withHeader.errors).toBeUndefined();
    expect(without.errors).toBeUndefined();
    expect(authorizations(ak).sort()).toEqual([`Bearer ${CALLER.authentik}`, `Bearer ${CONFIGURED.authentik}`].sort());
    await gateway.gql(`{ oauth2Providers { id } }`);
    expect(authorizations(ak).at(-1)).toBe(`Bearer ${CONFIGURED.authentik}`);
  });

  it('a refused caller credential: UNAUTHENTICATED after one attempt, the credential in no error and no log line', async () => {
    ak.handle((_req, res) => json(res, 401, { detail: 'Token invalid/expired', code: 'authentication_failed' }));
    try {
      const res = await gateway.gql(`{ oauth2Providers { id } }`, undefined, { 'X-Authentik-Token': CALLER.authentik });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: { service: 'authentik', status: 401 } });
      expect(ak.requests).toHaveLength(1);
      expect(JSON.stringify(res)).not.toContain(CALLER.authentik);
      expect(logLines.join('\n')).not.toContain(CALLER.authentik);
    } finally {
      ak.handle((_req, res) => json(res, 200, paginated([authentikProvider()])));
    }
  });

  it('replaces the client credentials grant too: no token is requested for that call', async () => {
    const granted = await startGateway({
      IDENTITYNOW_URL: `${idn.origin}/beta`,
      IDENTITYNOW_CLIENT_ID: 'client',
      IDENTITYNOW_CLIENT_SECRET: 'client-secret',
      IDENTITYNOW_TOKEN_URL: `${tokens.origin}/oauth/token`,
    });
    try {
      idn.handle((_req, res) => json(res, 200, identityNowClient()));
      const res = await granted.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`, undefined, { 'X-IdentityNow-Token': CALLER.identitynow });
      expect(res.errors).toBeUndefined();
      expect(tokens.requests).toHaveLength(0);
      expect(authorizations(idn)).toEqual([`Bearer ${CALLER.identitynow}`]);
      // Without the header the gateway's own token is used.
      await granted.gql(`{ oauthClient(id: "${IDN_ID}") { id } }`);
      expect(tokens.requests).toHaveLength(1);
      expect(authorizations(idn).at(-1)).toBe('Bearer idn-granted-token');
    } finally {
      idn.handle((_req, res) => json(res, 200, [identityNowClient()]));
      await granted.close();
    }
  });

  it('a header that is not a credential alone ("Bearer …"): BAD_USER_INPUT, nothing sent, the value not echoed', async () => {
    const res = await gateway.gql(`{ oauth2Providers { id } }`, undefined, { 'X-Authentik-Token': `Bearer ${CALLER.authentik}` });
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', upstream: { service: 'authentik' } });
    expect(res.errors?.[0]?.message).toContain('X-Authentik-Token');
    expect(JSON.stringify(res)).not.toContain(CALLER.authentik);
    expect(ak.requests).toHaveLength(0);
  });

  it('a credential for a service the gateway does not configure is simply unused', async () => {
    const partial = await startGateway({ AUTHENTIK_URL: `${ak.origin}/api/v3`, AUTHENTIK_TOKEN: CONFIGURED.authentik });
    try {
      const headers = { 'X-IdentityNow-Token': CALLER.identitynow };
      const ok = await partial.gql(`{ oauth2Providers { id } }`, undefined, headers);
      expect(ok.errors).toBeUndefined();
      expect(authorizations(ak)).toEqual([`Bearer ${CONFIGURED.authentik}`]);
      const missing = await partial.gql(`{ oauthClients { id } }`, undefined, headers);
      expect(missing.errors?.[0]?.extensions?.code).toBe('UPSTREAM_NOT_CONFIGURED');
      expect(everything([...ak.requests, ...idn.requests])).not.toContain(CALLER.identitynow);
    } finally {
      await partial.close();
    }
  });
});
