/**
 * The upstream the benchmark runs against: IdentityNow's `/oauth-clients/{id}` and authentik's
 * `/sources/oauth/{slug}/`, answering every GET and PATCH with a prepared body carrying the id or slug
 * asked for. It reads each request body (a real upstream must) but never parses it, so the stub costs
 * as little as an HTTP server can, and what the benchmark measures is the client in front of it. Run
 * as its own process; it prints `{"port":N}` once it listens.
 *
 * It also answers IdentityNow's list, `GET /oauth-clients`, with the mixed scenario's hot clients, and
 * counts the requests it answers: `GET /__stub/requests` (not counted) says how many so far. With
 * BENCH_STUB_LATENCY_MS set, every answer waits that long, as a vendor's does, so that concurrent
 * identical reads overlap and the gateway can share them.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTHENTIK_ROOT, HOT_CLIENT_IDS, IDENTITYNOW_ROOT, STUB_COUNT_PATH } from './workload.js';

const ID = '\u0000id\u0000';

const identityNowClient = {
  id: ID,
  businessName: 'Acme-Solar',
  homepageUrl: 'http://localhost:12345',
  name: 'Demo API Client',
  description: 'An API client used for the authorization_code, refresh_token, and client_credentials flows',
  accessTokenValiditySeconds: 750,
  refreshTokenValiditySeconds: 86400,
  redirectUris: ['http://localhost:12345'],
  grantTypes: ['AUTHORIZATION_CODE', 'CLIENT_CREDENTIALS', 'REFRESH_TOKEN'],
  accessType: 'OFFLINE',
  type: 'CONFIDENTIAL',
  internal: false,
  enabled: true,
  strongAuthSupported: false,
  claimsSupported: false,
  created: '2017-07-11T18:45:37.098Z',
  modified: '2018-06-25T20:22:28.104Z',
  secret: 'bench-secret',
  metadata: null,
  lastUsed: '2017-07-11T18:45:37.098Z',
  scope: ['demo:api-client-scope:first', 'demo:api-client-scope:second'],
};

const authentikSource = {
  pk: '9a1a2f9e-3c0e-4c55-9a41-6f3c6a1e2b10',
  name: 'GitHub',
  slug: ID,
  enabled: true,
  authentication_flow: null,
  enrollment_flow: null,
  user_property_mappings: [],
  group_property_mappings: [],
  component: 'ak-source-oauth-form',
  verbose_name: 'OAuth Source',
  verbose_name_plural: 'OAuth Sources',
  meta_model_name: 'authentik_sources_oauth.oauthsource',
  policy_engine_mode: 'any',
  user_matching_mode: 'identifier',
  managed: null,
  user_path_template: 'goauthentik.io/sources/%(slug)s',
  icon: null,
  group_matching_mode: 'identifier',
  provider_type: 'github',
  request_token_url: null,
  authorization_url: null,
  access_token_url: null,
  profile_url: null,
  consumer_key: 'Iv1.0123456789abcdef',
  callback_url: '/source/oauth/callback/github/',
  additional_scopes: '',
  type: {
    name: 'github',
    verbose_name: 'GitHub',
    urls_customizable: true,
    request_token_url: null,
    authorization_url: 'https://github.com/login/oauth/authorize',
    access_token_url: 'https://github.com/login/oauth/access_token',
    profile_url: 'https://api.github.com/user',
    oidc_well_known_url: null,
    oidc_jwks_url: null,
  },
  oidc_well_known_url: '',
  oidc_jwks_url: '',
  oidc_jwks: {},
};

/** A body as two halves around the id, so each answer costs one concatenation. */
function template(resource: object): [string, string] {
  const [before, after] = JSON.stringify(resource).split(JSON.stringify(ID)) as [string, string];
  return [before, after];
}

const routes: Array<{ prefix: string; suffix: string; body: [string, string] }> = [
  { prefix: `${IDENTITYNOW_ROOT}/oauth-clients/`, suffix: '', body: template(identityNowClient) },
  { prefix: `${AUTHENTIK_ROOT}/sources/oauth/`, suffix: '/', body: template(authentikSource) },
];

const NOT_FOUND = JSON.stringify({ detail: 'Not found.' });
const CLIENT_LIST_PATH = `${IDENTITYNOW_ROOT}/oauth-clients`;
const CLIENT_LIST = `[${HOT_CLIENT_IDS.map((id) => routes[0]!.body[0] + JSON.stringify(id) + routes[0]!.body[1]).join(',')}]`;

/** The prepared body for GET or PATCH of one resource, or undefined. */
function bodyFor(method: string | undefined, url: string): string | undefined {
  if (method !== 'GET' && method !== 'PATCH') return undefined;
  if (method === 'GET' && url === CLIENT_LIST_PATH) return CLIENT_LIST;
  for (const route of routes) {
    if (!url.startsWith(route.prefix) || !url.endsWith(route.suffix)) continue;
    const id = url.slice(route.prefix.length, url.length - route.suffix.length);
    if (id === '' || id.includes('/') || id.includes('?')) return undefined;
    try {
      return route.body[0] + JSON.stringify(decodeURIComponent(id)) + route.body[1];
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function answer(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const LATENCY_MS = Number(process.env.BENCH_STUB_LATENCY_MS ?? 0);
let answered = 0;

const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  if (req.url === STUB_COUNT_PATH) {
    req.resume();
    answer(res, 200, JSON.stringify({ requests: answered }));
    return;
  }
  answered += 1;
  const body = bodyFor(req.method, req.url ?? '');
  const reply = () => (body ? answer(res, 200, body) : answer(res, 404, NOT_FOUND));
  // Drain the request before answering, as any upstream that reads the patch would.
  req.on('data', () => {});
  req.on('end', LATENCY_MS > 0 ? () => setTimeout(reply, LATENCY_MS) : reply);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
